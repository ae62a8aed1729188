import { defineStage, param, port, Schema, tensorflow } from "lcl";
import { checkHeldOut } from "../src/data/provenance.js";
import { centralWindow, stimulusResponses } from "../src/model/features.js";
import { parseFrontendArchitecture } from "../src/model/frontend.js";
import { expectedReliability, simulateTrials, toRates } from "../src/neural/in-silico.js";
import { readStimuli, recordingOutputs, STIMULI_COLUMNS, writeRecording } from "../src/neural/recordings.js";

/**
 * A recording with known ground truth: each "neuron" is one unit of a known layer of a
 * front-end (a channel at a position near the stimulus centre), its rectified response scaled
 * to a mean firing rate, plus Poisson trial noise with repetitions. Neural-predictivity
 * benchmarks are validated on it: the generating layer should win layer selection, and the
 * ceiling should match the closed-form reliability written in `truth`.
 */
export default defineStage({
  name: "in-silico-population",
  version: 1,
  description: "Poisson neurons drawn from known layers of a front-end, with repetitions: ground truth for neural benchmarks.",
  usesBackend: true,
  params: Schema.Struct({
    regions: param.strings({ default: ["V1", "V2"], description: "region names, one per entry of `layers`" }),
    layers: param.numbers({ default: [1, 2], description: "the layer (1-based) each region's neurons come from" }),
    neurons: param.int({ default: 100, min: 1, max: 100000, description: "neurons per region" }),
    repetitions: param.int({ default: 20, min: 1, max: 1000, description: "trials per stimulus (FreemanZiemba2013: 20)" }),
    mean_rate: param.number({ default: 5, exclusiveMin: 0, description: "mean spike count per trial window; higher = relatively less Poisson noise" }),
    central: param.number({ default: 0.5, min: 0.05, max: 1, description: "neurons sit in the central fraction (per side) of their layer's map" }),
  }),
  inputs: { stimuli: port.table(STIMULI_COLUMNS), frontend: port.tensors(), architecture: port.json() },
  outputs: {
    ...recordingOutputs({ stimuli: "recordings format: the stimuli, passed through", neurons: "recordings format: region; rf_x/rf_y = true RF centre in [−1, 1]" }),
    truth: port.table({ neuron_id: "utf8", region: "utf8", layer: "int32", channel: "int32", row: "int32", col: "int32", reliability: "float64" },
      { format: "parquet", description: "which unit each neuron is, and the closed-form reliability of its repetition mean" }),
  },
  async run(ctx) {
    const p = ctx.params;
    if (p.regions.length !== p.layers.length) throw new Error(`regions (${p.regions.length}) and layers (${p.layers.length}) must pair up one to one`);
    const stim = readStimuli(await ctx.inputs.stimuli.read(), "input stimuli");
    if (stim.width !== stim.height) throw new Error(`input stimuli: ${stim.width}×${stim.height} px; the front-end takes square stimuli`);
    const archJson = await ctx.inputs.architecture.read();
    const arch = parseFrontendArchitecture(archJson, "input architecture");
    // A recording of the front-end's own responses to its training images would reward memorisation.
    const unchecked = checkHeldOut(arch.training_images, stim.source, { model: "the front-end (input architecture)", stimuli: "the input stimuli" });
    if (unchecked) ctx.log(`warning: ${unchecked}`);
    for (const l of p.layers) if (!Number.isInteger(l) || l < 1 || l > arch.blocks.length) throw new Error(`layers: ${l} is not a layer of this front-end (it has ${arch.blocks.length})`);
    const S = stim.ids.length;
    const tf = await tensorflow(ctx.backend);
    const maps = stimulusResponses(tf, archJson, await ctx.inputs.frontend.read(), stim.pixels, S, stim.width, { signal: ctx.signal });
    // Pixel centre of map index o: offset + o·jump, accumulated through the blocks ("valid" convs, pooling centred on o·stride).
    const place: { offset: number; jump: number }[] = [];
    let offset = 0, jump = 1;
    for (const b of arch.blocks) { offset += ((b.kernel - 1) / 2) * jump; jump *= b.stride; place.push({ offset, jump }); }

    const ids: string[] = [], region: string[] = [], rf = new Float64Array(p.regions.length * p.neurons * 2);
    const truth = { neuron_id: [] as string[], region: [] as string[], layer: [] as number[], channel: [] as number[], row: [] as number[], col: [] as number[] };
    const N = p.regions.length * p.neurons, drive = new Float64Array(S * N);
    p.regions.forEach((name, g) => {
      const m = maps[p.layers[g]! - 1]!, { height: H, width: W, channels: C } = m;
      const rng = ctx.rng.fork(`units:${name}`);
      const [y0, y1] = centralWindow(H, p.central), [x0, x1] = centralWindow(W, p.central);
      for (let k = 0; k < p.neurons; k++) {
        const n = g * p.neurons + k, c = rng.int(C), y = y0 + rng.int(y1 - y0), x = x0 + rng.int(x1 - x0);
        const id = `${name}-${String(k).padStart(4, "0")}`;
        ids.push(id); region.push(name);
        const pl = place[p.layers[g]! - 1]!;
        rf[2 * n] = ((pl.offset + x * pl.jump) / (stim.width - 1)) * 2 - 1;
        rf[2 * n + 1] = ((pl.offset + y * pl.jump) / (stim.height - 1)) * 2 - 1;
        truth.neuron_id.push(id); truth.region.push(name); truth.layer.push(p.layers[g]!); truth.channel.push(c); truth.row.push(y); truth.col.push(x);
        for (let s = 0; s < S; s++) drive[s * N + n] = Math.max(0, m.data[((s * H + y) * W + x) * C + c]!);
      }
    });
    const rates = toRates(drive, S, N, p.mean_rate);
    const trials = simulateTrials(rates, S, N, p.repetitions, ctx.rng.fork("trials"));
    const reliability = expectedReliability(rates, S, N, p.repetitions);
    await writeRecording(ctx.outputs, { stimuli: stim, neurons: { ids, region, rf }, repetitions: p.repetitions, trials });
    await ctx.outputs.truth.write({ ...truth, layer: Int32Array.from(truth.layer), channel: Int32Array.from(truth.channel), row: Int32Array.from(truth.row), col: Int32Array.from(truth.col), reliability });
    p.regions.forEach((name, g) => {
      const r = Array.from(reliability.subarray(g * p.neurons, (g + 1) * p.neurons)).sort((a, b) => a - b);
      ctx.metric(`reliability_${name}`, r[r.length >> 1]!);
    });
    const silent = Array.from({ length: N }, (_, n) => n).filter((n) => { for (let s = 0; s < S; s++) if (drive[s * N + n]! > 0) return false; return true; }).length;
    if (silent) ctx.log(`${silent} of ${N} neurons never respond to these stimuli (their unit is silent); they fire at the mean rate for every stimulus, i.e. pure noise`);
    ctx.metric("silent_neurons", silent);
  },
});

import { defineStage, param, port, Schema, tensorflow } from "lcl";
import { internalConsistency } from "../src/metrics/ceiling.js";
import { ceiled, gramCoordinates, plsPredictivity, publicPrivate, selectRows, type Normalization } from "../src/metrics/predictivity.js";
import { matrix } from "../src/metrics/pls.js";
import { checkHeldOut } from "../src/data/provenance.js";
import { stimulusResponses } from "../src/model/features.js";
import { parseFrontendArchitecture } from "../src/model/frontend.js";
import { meanResponses, readRecordingInputs, recordingInputs, type Recording } from "../src/neural/recordings.js";

/**
 * Brain-Score-style neural predictivity of a front-end's layers for each recorded region
 * (science.md §3.2, FreemanZiemba2013 V1/V2): stimuli placed on a grey screen, each layer's
 * full activations, PLS(25) fitted on 90 % of the stimuli (10 splits stratified by texture type),
 * Pearson r per neuron on the rest, median over neurons, mean over splits; split-half ceiling
 * over repetitions; score = r²/c (Brain-Score 2.0) unless chosen otherwise. Layers are selected
 * per region on a public subset and scored on the private rest, as Brain-Score does.
 */
export default defineStage({
  name: "neural-predictivity",
  version: 1,
  description: "PLS neural predictivity per layer and region, with split-half ceiling and public/private layer selection (Brain-Score style).",
  headline: ["*_score", "*_layer", "*_ceiling"],
  usesBackend: true,
  isolation: "process",
  params: Schema.Struct({
    components: param.int({ default: 25, min: 1, max: 1000, description: "PLS components (Brain-Score: 25)" }),
    splits: param.int({ default: 10, min: 1, max: 100, description: "cross-validation splits (Brain-Score: 10)" }),
    train_fraction: param.number({ default: 0.9, exclusiveMin: 0, max: 0.99, description: "training share of each split" }),
    stratify: param.string({ default: "type", description: "stimulus column the splits are stratified by ('' = none)" }),
    normalization: param.choice(["r2/c", "(r/c)2", "r/c"], { default: "r2/c", description: "ceiling normalisation: r²/c (Brain-Score 2.0, 2024–), (r/c)² (2019–2023) or r/c (before 2019)" }),
    public_fraction: param.number({ default: 0.3, min: 0, max: 0.9, description: "share of stimuli (per stratum) used to select each region's layer; scored on the rest. 0: select and score on all stimuli" }),
    commit: param.strings({ default: [], description: "fix region → layer instead of selecting, e.g. ['V1=1', 'V2=2']" }),
    stimulus_fraction: param.number({ default: 1, exclusiveMin: 0, max: 1, description: "the stimulus spans this fraction of the model's input, on a grey screen (FreemanZiemba: 4° stimuli, 8° model → 0.5)" }),
    ceiling_splits: param.int({ default: 10, min: 1, max: 100, description: "split-half ceiling splits" }),
  }),
  inputs: {
    ...recordingInputs(),
    frontend: port.tensors(), architecture: port.json(),
  },
  outputs: {
    scores: port.table({ region: "utf8", layer: "int32", subset: "utf8", raw: "float64", sem: "float64", ceiling: "float64", score: "float64", selected: "bool" },
      { headline: true, format: "parquet", description: "per region × layer × subset: raw r (mean over splits of the median over neurons), its SEM, ceiling, ceiled score; selected = the layer committed to the region" }),
    neurons: port.table({ region: "utf8", neuron_id: "utf8", layer: "int32", r: "float64", ceiling: "float64" },
      { format: "parquet", description: "per neuron, on the scored subset with the region's layer: mean test r over splits and its own split-half ceiling" }),
  },
  async run(ctx) {
    const p = ctx.params;
    const rec = await readRecordingInputs(ctx.inputs, { stimuli: "input stimuli", responses: "input responses", neurons: "input neurons" });
    const st = rec.stimuli, S = st.ids.length;
    if (st.width !== st.height) throw new Error(`input stimuli: ${st.width}×${st.height} px; the front-end takes square stimuli`);
    const labels = p.stratify ? stratum(rec, p.stratify) : st.ids.map(() => "all");
    const commit = parseCommit(p.commit);
    const archJson = await ctx.inputs.architecture.read();
    const unchecked = checkHeldOut(parseFrontendArchitecture(archJson, "input architecture").training_images, st.source, { model: "the front-end (input architecture)", stimuli: "the input stimuli" });
    if (unchecked) ctx.log(`warning: ${unchecked}`);

    // Model activations, each layer in exact S×S coordinates (see gramCoordinates).
    const screen = placeOnScreen(st.pixels, S, st.width, p.stimulus_fraction);
    const tf = await tensorflow(ctx.backend);
    const maps = stimulusResponses(tf, archJson, await ctx.inputs.frontend.read(), screen.pixels, S, screen.size, { signal: ctx.signal });
    const X = maps.map((m) => gramCoordinates(m.data, S, m.height * m.width * m.channels));
    const layers = maps.map((m) => m.layer);
    for (const [region, l] of commit) if (!layers.includes(l)) throw new Error(`commit: ${region}=${l}, but the front-end has layers ${layers.join(", ")}`);

    const split = p.public_fraction > 0 ? publicPrivate(labels, p.public_fraction, ctx.rng.fork("public-private")) : undefined;
    const all = st.ids.map((_, i) => i);
    const Ymean = meanResponses(rec), N = rec.neurons.ids.length;
    const rows = { region: [] as string[], layer: [] as number[], subset: [] as string[], raw: [] as number[], sem: [] as number[], ceiling: [] as number[], score: [] as number[], selected: [] as boolean[] };
    const perNeuron = { region: [] as string[], neuron_id: [] as string[], layer: [] as number[], r: [] as number[], ceiling: [] as number[] };

    for (const region of [...new Set(rec.neurons.region)].sort()) {
      const cols = rec.neurons.region.flatMap((r, n) => (r === region ? [n] : []));
      const evaluate = (subset: number[], tag: string) => {
        const Y = matrix(subset.length, cols.length, Float64Array.from({ length: subset.length * cols.length }, (_, k) => Ymean[subset[Math.floor(k / cols.length)]! * N + cols[k % cols.length]!]!));
        const trials = gather(rec, subset, cols);
        const c = rec.repetitions >= 2 ? internalConsistency(trials, subset.length, cols.length, rec.repetitions, ctx.rng.fork(`ceiling:${region}:${tag}`), p.ceiling_splits) : undefined;
        const perLayer = X.map((x, li) => {
          if (ctx.signal.aborted) throw new Error("interrupted");
          ctx.progress(li, X.length, `${region} (${tag})`);
          return plsPredictivity(selectRows(x, subset), Y, subset.map((i) => labels[i]!), ctx.rng.fork(`pls:${region}:${tag}:${li}`), { components: p.components, splits: p.splits, trainFraction: p.train_fraction, signal: ctx.signal });
        });
        return { perLayer, ceiling: c };
      };
      let chosen = commit.get(region);
      const scoredOn = split ? split.private : all;
      if (split) {
        const pub = evaluate(split.public, "public");
        pub.perLayer.forEach((r, li) => push(region, layers[li]!, "public", r.raw, r.sem, pub.ceiling?.ceiling ?? NaN, false));
        chosen ??= layers[argmax(pub.perLayer.map((r) => r.raw))]!;
      }
      const res = evaluate(scoredOn, split ? "private" : "all");
      chosen ??= layers[argmax(res.perLayer.map((r) => r.raw))]!;
      res.perLayer.forEach((r, li) => push(region, layers[li]!, split ? "private" : "all", r.raw, r.sem, res.ceiling?.ceiling ?? NaN, layers[li] === chosen));
      const best = res.perLayer[layers.indexOf(chosen)]!;
      cols.forEach((n, j) => {
        perNeuron.region.push(region); perNeuron.neuron_id.push(rec.neurons.ids[n]!); perNeuron.layer.push(chosen!);
        perNeuron.r.push(best.perNeuron[j]!); perNeuron.ceiling.push(res.ceiling?.perNeuron[j] ?? NaN);
      });
      const c = res.ceiling?.ceiling ?? NaN;
      ctx.metric(`${region}_layer`, chosen);
      ctx.metric(`${region}_raw`, best.raw);
      ctx.metric(`${region}_ceiling`, c);
      ctx.metric(`${region}_score`, ceiled(best.raw, c, p.normalization as Normalization));
      ctx.log(`${region}: layer ${chosen}${commit.has(region) ? " (committed)" : " (selected)"}, raw r ${best.raw.toFixed(3)} ± ${best.sem.toFixed(3)}, ceiling ${c.toFixed(3)}, score ${ceiled(best.raw, c, p.normalization as Normalization).toFixed(3)} (${p.normalization})`);
    }
    await ctx.outputs.scores.write({ ...rows, layer: Int32Array.from(rows.layer) });
    await ctx.outputs.neurons.write({ ...perNeuron, layer: Int32Array.from(perNeuron.layer) });

    function push(region: string, layer: number, subset: string, raw: number, sem: number, ceiling: number, selected: boolean) {
      rows.region.push(region); rows.layer.push(layer); rows.subset.push(subset); rows.raw.push(raw); rows.sem.push(sem);
      rows.ceiling.push(ceiling); rows.score.push(ceiled(raw, ceiling, p.normalization as Normalization)); rows.selected.push(selected);
    }
  },
});

const argmax = (v: readonly number[]) => v.reduce((b, x, i) => (x > v[b]! ? i : b), 0);

function stratum(rec: Recording, column: string): string[] {
  const v = (rec.stimuli as unknown as Record<string, readonly unknown[] | undefined>)[column];
  if (!v) throw new Error(`stratify: the stimuli have no '${column}' column (known: family, type, sample, tier); set stratify: '' to split without strata`);
  return v.map(String);
}

function parseCommit(entries: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of entries) {
    const m = /^([^=]+)=(\d+)$/.exec(e);
    if (!m) throw new Error(`commit: '${e}' is not REGION=LAYER (e.g. V1=1)`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Trials S' × N' × R of a stimulus and neuron subset. */
function gather(rec: Recording, stimuli: readonly number[], neurons: readonly number[]): Float64Array {
  const N = rec.neurons.ids.length, R = rec.repetitions, out = new Float64Array(stimuli.length * neurons.length * R);
  stimuli.forEach((s, i) => neurons.forEach((n, j) => { for (let r = 0; r < R; r++) out[(i * neurons.length + j) * R + r] = rec.trials[(s * N + n) * R + r]!; }));
  return out;
}

/**
 * Brain-Score's place_on_screen: a stimulus of `fraction` of the model's field of view is pasted
 * at the centre of a grey (0.5) canvas of side size / fraction.
 */
function placeOnScreen(pixels: Float32Array, S: number, size: number, fraction: number): { pixels: Float32Array; size: number } {
  if (fraction >= 1) return { pixels, size };
  const side = Math.round(size / fraction), o = Math.floor((side - size) / 2);
  const out = new Float32Array(S * side * side).fill(0.5);
  for (let s = 0; s < S; s++) for (let y = 0; y < size; y++) out.set(pixels.subarray((s * size + y) * size, (s * size + y + 1) * size), (s * side + o + y) * side + o);
  return { pixels: out, size: side };
}

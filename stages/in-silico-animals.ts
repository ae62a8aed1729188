import { defineStage, param, port, Schema } from "lcl";
import { animalDrive, animalNeurons, cropImages, featureBank } from "../src/neural/gabor-population.js";
import { expectedReliability, simulateTrials, toRates } from "../src/neural/in-silico.js";
import { recordingOutputs, writeRecording } from "../src/neural/recordings.js";

/**
 * In-silico "mice" for the Lurz readout (science.md §4.2): grey crops of natural photos, and K
 * animals of N neurons each — Gabor simple or energy (complex) units drawn from one feature bank
 * shared by all animals, RF centres from each animal's own linear retinotopic map of the neurons'
 * cortical positions plus scatter, ELU+1 output, Poisson trials. All animals see the same
 * stimuli (one stimuli table; `animal` on the neurons table), in the tiers of a Lurz dataset:
 * train and validation images shown once, test images `repetitions` times. Written in the
 * recordings format, so the readout stages take real recordings the same way.
 */
export default defineStage({
  name: "in-silico-animals",
  version: 1,
  description: "Several in-silico animals (Gabor simple/complex neurons, retinotopic RF maps, Poisson trials) on shared natural-image crops, in the recordings format with train/validation/test tiers.",
  params: Schema.Struct({
    animals: param.int({ default: 4, min: 1, max: 64, description: "number of animals (named a0, a1, …)" }),
    neurons: param.int({ default: 200, min: 1, max: 100000, description: "neurons per animal" }),
    height: param.int({ default: 36, min: 8, max: 512, description: "crop height, px (Lurz: 36)" }),
    width: param.int({ default: 64, min: 8, max: 512, description: "crop width, px (Lurz: 64)" }),
    downsample: param.int({ default: 4, min: 1, max: 32, description: "each crop pixel is the mean of downsample² photo pixels" }),
    train: param.int({ default: 2500, min: 1, description: "train-tier images (one trial each)" }),
    validation: param.int({ default: 300, min: 1, description: "validation-tier images (one trial each)" }),
    test: param.int({ default: 100, min: 2, description: "test-tier images" }),
    repetitions: param.int({ default: 10, min: 2, max: 1000, description: "trials per test image" }),
    features: param.int({ default: 16, min: 1, max: 1024, description: "size of the Gabor feature bank all animals share" }),
    complex_fraction: param.number({ default: 0.5, min: 0, max: 1, description: "fraction of the bank that are energy (complex) units" }),
    wavelength: param.numbers({ default: [4, 10], description: "[min, max] carrier wavelength, px (log-uniform)" }),
    sigma_per_wavelength: param.number({ default: 0.4, exclusiveMin: 0, description: "Gaussian envelope SD per wavelength" }),
    rf_span: param.number({ default: 0.45, exclusiveMin: 0, description: "gain of the retinotopic map: |rf| ≈ rf_span·|cortex| (cortex in [−1, 1]²)" }),
    rf_scatter: param.number({ default: 0.05, min: 0, description: "SD of each RF centre around the map, normalised image units" }),
    rf_max: param.number({ default: 0.6, exclusiveMin: 0, max: 1, description: "RF centres are clipped to ±rf_max (keeps RFs inside the image)" }),
    mean_rate: param.number({ default: 2, exclusiveMin: 0, description: "mean spike count per trial" }),
  }),
  inputs: { pixels: port.table({ id: "utf8", width: "int32", height: "int32", luminance: { list: "float32" } }, { description: "natural-images' luminance images" }) },
  outputs: {
    ...recordingOutputs({ stimuli: "recordings format: crops with tier train/validation/test", neurons: "recordings format: animal, cortex_x/cortex_y, true RF centre rf_x/rf_y in [−1, 1]" }),
    truth: port.table({ neuron_id: "utf8", animal: "utf8", kind: "utf8", feature: "int32", theta: "float64", wavelength: "float64", reliability: "float64" },
      { format: "parquet", description: "each neuron's generating feature and the closed-form reliability of its test-repetition mean" }),
    maps: port.json({ description: "each animal's retinotopic map rf ≈ A·cortex + b" }),
  },
  async run(ctx) {
    const p = ctx.params;
    if (p.wavelength.length !== 2 || !(p.wavelength[0]! > 0) || !(p.wavelength[1]! >= p.wavelength[0]!)) throw new Error(`wavelength: [min, max] with 0 < min ≤ max, got [${p.wavelength.join(", ")}]`);
    const t = await ctx.inputs.pixels.read();
    const w = t.getChild("width")!.toArray() as Int32Array, h = t.getChild("height")!.toArray() as Int32Array, lum = t.getChild("luminance")!;
    const photos = Array.from({ length: t.numRows }, (_, i) => ({ width: w[i]!, height: h[i]!, luminance: lum.get(i)!.toArray() as Float32Array }));
    const S = p.train + p.validation + p.test, H = p.height, W = p.width;
    ctx.progress(0, p.animals + 1, "cropping");
    const images = cropImages(photos, S, H, W, p.downsample, ctx.rng.fork("crops"));
    const bank = featureBank(p.features, ctx.rng.fork("bank"), { complexFraction: p.complex_fraction, wavelength: [p.wavelength[0]!, p.wavelength[1]!], sigmaPerWavelength: p.sigma_per_wavelength });
    const N = p.animals * p.neurons, R = p.repetitions;
    const tier = Array.from({ length: S }, (_, s) => (s < p.train ? "train" : s < p.train + p.validation ? "validation" : "test"));
    const ids = Array.from({ length: S }, (_, s) => `${tier[s]}-${String(s).padStart(5, "0")}`);
    const nid: string[] = [], animal: string[] = [], region: string[] = [], cortex = new Float64Array(2 * N), rf = new Float64Array(2 * N);
    const truth = { neuron_id: nid, animal, kind: [] as string[], feature: new Int32Array(N), theta: new Float64Array(N), wavelength: new Float64Array(N) };
    const rates = new Float64Array(S * N), maps: Record<string, unknown> = {};
    for (let k = 0; k < p.animals; k++) {
      ctx.progress(k + 1, p.animals + 1, `animal a${k}`);
      const name = `a${k}`;
      const an = animalNeurons(p.neurons, bank.length, ctx.rng.fork(`animal:${k}`), { span: p.rf_span, scatter: p.rf_scatter, maxRf: p.rf_max, offset: 0.1 });
      maps[name] = an.map;
      const r = toRates(animalDrive(images, S, H, W, bank, an), S, p.neurons, p.mean_rate);
      for (let i = 0; i < p.neurons; i++) {
        const n = k * p.neurons + i, f = bank[an.feature[i]!]!;
        nid.push(`${name}-${String(i).padStart(4, "0")}`); animal.push(name); region.push("V1");
        cortex.set([an.cortex[2 * i]!, an.cortex[2 * i + 1]!], 2 * n); rf.set([an.rf[2 * i]!, an.rf[2 * i + 1]!], 2 * n);
        truth.kind.push(f.kind); truth.feature[n] = an.feature[i]!; truth.theta[n] = f.theta; truth.wavelength[n] = f.wavelength;
        for (let s = 0; s < S; s++) rates[s * N + n] = r[s * p.neurons + i]!;
      }
    }
    // Trials: one per train/validation image, R per test image (missing repetitions are NaN, i.e. absent rows).
    const all = simulateTrials(rates, S, N, R, ctx.rng.fork("trials"));
    for (let s = 0; s < p.train + p.validation; s++) for (let n = 0; n < N; n++) for (let r = 1; r < R; r++) all[(s * N + n) * R + r] = NaN;
    const testRates = rates.subarray((p.train + p.validation) * N);
    const reliability = expectedReliability(testRates, p.test, N, R);
    await writeRecording(ctx.outputs, {
      stimuli: { ids, width: W, height: H, pixels: images, tier },
      neurons: { ids: nid, region, animal, cortex, rf }, repetitions: R, trials: all,
    });
    await ctx.outputs.truth.write({ ...truth, reliability });
    await ctx.outputs.maps.write(maps);
    const sorted = [...reliability].sort((a, b) => a - b);
    ctx.metric("median_reliability", sorted[sorted.length >> 1]!);
    ctx.metric("neurons", N);
    ctx.metric("trials", all.reduce((n, v) => (Number.isNaN(v) ? n : n + 1), 0));
  },
});

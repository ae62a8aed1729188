import { deadLeaves } from "../../src/data/dead-leaves.js";
import { animalDrive, animalNeurons, cropImages, featureBank, type Feature } from "../../src/neural/gabor-population.js";
import { simulateTrials, toRates } from "../../src/neural/in-silico.js";
import type { Recording } from "../../src/neural/recordings.js";
import { makeRng } from "../../src/sdk/rng.js";

/**
 * A small in-silico recording for readout tests: dead-leaves "photos" (no download), Gabor
 * simple/complex animals sharing one bank, Poisson trials; tiers like in-silico-animals.
 */
export function tinyRecording(o: { animals: number; neurons: number; height: number; width: number; train: number; validation: number; test: number; repetitions: number; meanRate?: number; seed?: number; wavelength?: [number, number] }): Recording & { bank: Feature[] } {
  const rng = makeRng(o.seed ?? 1);
  const photos = Array.from({ length: 8 }, () => { const im = deadLeaves(160, 160, rng.fork(`photo:${rng.next()}`)); return { width: im.width, height: im.height, luminance: im.data }; });
  const S = o.train + o.validation + o.test, H = o.height, W = o.width;
  const images = cropImages(photos, S, H, W, 2, rng.fork("crops"));
  const bank = featureBank(8, rng.fork("bank"), { complexFraction: 0.5, wavelength: o.wavelength ?? [4, 8], sigmaPerWavelength: 0.4 });
  const N = o.animals * o.neurons, R = o.repetitions, rates = new Float64Array(S * N);
  const ids: string[] = [], animal: string[] = [], region: string[] = [], cortex = new Float64Array(2 * N), rf = new Float64Array(2 * N);
  for (let k = 0; k < o.animals; k++) {
    const an = animalNeurons(o.neurons, bank.length, rng.fork(`animal:${k}`), { span: 0.45, scatter: 0.03, maxRf: 0.6, offset: 0.1 });
    const r = toRates(animalDrive(images, S, H, W, bank, an), S, o.neurons, o.meanRate ?? 3);
    for (let i = 0; i < o.neurons; i++) {
      const n = k * o.neurons + i;
      ids.push(`a${k}-${i}`); animal.push(`a${k}`); region.push("V1");
      cortex.set([an.cortex[2 * i]!, an.cortex[2 * i + 1]!], 2 * n); rf.set([an.rf[2 * i]!, an.rf[2 * i + 1]!], 2 * n);
      for (let s = 0; s < S; s++) rates[s * N + n] = r[s * o.neurons + i]!;
    }
  }
  const trials = simulateTrials(rates, S, N, R, rng.fork("trials"));
  for (let s = 0; s < o.train + o.validation; s++) for (let n = 0; n < N; n++) for (let r = 1; r < R; r++) trials[(s * N + n) * R + r] = NaN;
  const tier = Array.from({ length: S }, (_, s) => (s < o.train ? "train" : s < o.train + o.validation ? "validation" : "test"));
  return { stimuli: { ids: tier.map((t, s) => `${t}-${s}`), width: W, height: H, pixels: images, tier }, neurons: { ids, region, animal, cortex, rf }, repetitions: R, trials, bank };
}

/**
 * Layer-0 weights [k,k,1,2F] holding each bank feature's Gabor in two phases (unit norm, zero
 * mean): a core that has the generating features, so a readout test isolates the readout.
 */
export function gaborWeights(bank: readonly Feature[], k: number): Float32Array {
  const F = bank.length, out = new Float32Array(k * k * 2 * F), c = (k - 1) / 2;
  bank.forEach((f, i) => {
    for (const [q, ph] of [[0, f.phase], [1, f.phase + Math.PI / 2]] as const) {
      const g = new Float64Array(k * k);
      for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) {
        const dx = x - c, dy = y - c, u = ((2 * Math.PI) / f.wavelength) * (dx * Math.cos(f.theta) + dy * Math.sin(f.theta));
        g[y * k + x] = Math.exp(-(dx * dx + dy * dy) / (2 * f.sigma * f.sigma)) * Math.cos(u + ph);
      }
      const m = g.reduce((a, b) => a + b, 0) / g.length;
      let n = 0;
      for (let j = 0; j < g.length; j++) { g[j] = g[j]! - m; n += g[j]! ** 2; }
      for (let j = 0; j < g.length; j++) out[j * 2 * F + 2 * i + q] = g[j]! / Math.sqrt(n);
    }
  });
  return out;
}

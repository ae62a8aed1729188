import { beforeAll, describe, expect, it } from "vitest";
import { tensorflow, type Tf } from "../../src/compute/backend.js";
import { corrupt, CORRUPTIONS, LEVELS, type Corruption } from "../../src/data/corruptions.js";
import { inputNormalisation, splitFromTable, type InputNormalisation } from "../../src/model/classifier.js";
import { tableFromColumns } from "../../src/engine/table/build.js";
import { makeRng } from "../../src/sdk/rng.js";

/**
 * What the network receives under each OOD corruption (issue 13 §1): the corrupted image goes
 * through the same preprocessing as the clean one, and the difference must be what the corruption
 * says — in the network's units, i.e. divided by the training split's SD. Every expectation is
 * derived here from the corruption's definition (reference blur, DFT, censored-normal moments),
 * not from src/data/corruptions.ts.
 */
const N = 28, P = N * N;
const spec = { label: "int32", pixels: { list: "float32", size: P } } as const;
const table = (images: Float32Array[]) => tableFromColumns(spec, { label: new Int32Array(images.length), pixels: images });

/** Training images: darker and more contrasted than the test images, so fixed and per-image statistics differ. */
const trainImages = Array.from({ length: 24 }, (_, k) => {
  const rng = makeRng(100 + k);
  return Float32Array.from({ length: P }, (_, i) => Math.min(1, Math.max(0, 0.35 + 0.25 * Math.sin((i % N) / 3 + k) + 0.1 * rng.normal())));
});
/** Smooth test images within [0.3, 0.7]: no corruption below needs clipping to stay in [0, 1] (except noise, accounted for). */
const testImages = Array.from({ length: 16 }, (_, k) => {
  const rng = makeRng(k), a = 2 + rng.next() * 3, b = 2 + rng.next() * 3, c = rng.next() * 6;
  return Float32Array.from({ length: P }, (_, i) => {
    const x = i % N, y = Math.floor(i / N);
    return 0.5 + 0.12 * Math.sin(x / a + c) * Math.cos(y / b) + 0.06 * Math.cos((x + y) / 1.7 + c);
  });
});

const meanOf = (a: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]!; return s / a.length; };
const sdOf = (a: ArrayLike<number>) => { const m = meanOf(a); let s = 0; for (let i = 0; i < a.length; i++) s += (a[i]! - m) ** 2; return Math.sqrt(s / a.length); };
const rows = (x: Float32Array, size: number) => Array.from({ length: x.length / (size * size) }, (_, i) => x.subarray(i * size * size, (i + 1) * size * size));

/** Reference Gaussian blur: a direct 2-D sum over ±3σ with edges clamped (the corruption's stated edge rule). */
function refBlur(img: Float32Array, sigma: number): Float64Array {
  const r = Math.ceil(3 * sigma), out = new Float64Array(P), at = (i: number) => Math.min(N - 1, Math.max(0, i));
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
    let s = 0, w = 0;
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
      const k = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      s += k * img[at(y + dy) * N + at(x + dx)]!; w += k;
    }
    out[y * N + x] = s / w;
  }
  return out;
}

/** Naive 2-D DFT with each coefficient's radial frequency in cycles/px. */
function dft(img: ArrayLike<number>): { re: Float64Array; im: Float64Array; f: Float64Array } {
  const re = new Float64Array(P), im = new Float64Array(P), f = new Float64Array(P);
  const cos = Float64Array.from({ length: N }, (_, k) => Math.cos((2 * Math.PI * k) / N)), sin = Float64Array.from({ length: N }, (_, k) => Math.sin((2 * Math.PI * k) / N));
  for (let u = 0; u < N; u++) for (let v = 0; v < N; v++) {
    let a = 0, b = 0;
    for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) { const k = (u * y + v * x) % N; a += img[y * N + x]! * cos[k]!; b -= img[y * N + x]! * sin[k]!; }
    const fu = (u <= N / 2 ? u : u - N) / N, fv = (v <= N / 2 ? v : v - N) / N;
    re[u * N + v] = a; im[u * N + v] = b; f[u * N + v] = Math.hypot(fu, fv);
  }
  return { re, im, f };
}

/** E[(clip(v + sZ, 0, 1) − v)²] for Z ~ N(0, 1), by quadrature: Gaussian noise's mean square after the [0, 1] clip. */
function censoredNoiseMS(v: number, s: number): number {
  let acc = 0, w = 0;
  for (let z = -7; z <= 7; z += 0.02) { const p = Math.exp(-z * z / 2), d = Math.min(1, Math.max(0, v + s * z)) - v; acc += p * d * d; w += p; }
  return acc / w;
}

const rng = (c: string, s: number, i: number) => makeRng(7).fork(`${c}:${s}:${i}`);

describe("what the network receives under each corruption (fixed training-split normalisation)", () => {
  let tf: Tf;
  let norm: InputNormalisation;
  /** The network's input for the test images, clean or corrupted, at the classifier's input size. */
  const networkInput = (size: number, c?: Corruption, s = 0, images = testImages) =>
    rows(splitFromTable(tf, table(images), size, norm, c ? (img, i) => corrupt(img, N, c, s, rng(c, s, i)) : undefined).x, size);

  beforeAll(async () => {
    tf = await tensorflow("cpu");
    norm = inputNormalisation(tf, table(trainImages), N);
  });

  it("the statistics are the training split's, computed once (mean and SD over every training pixel)", () => {
    const all = Float32Array.from(trainImages.flatMap((a) => [...a]));
    expect(norm.mean).toBeCloseTo(meanOf(all), 5);
    expect(norm.std).toBeCloseTo(sdOf(all), 5);
    // A clean test image arrives as (x − μ) / σ: the same affine map for every image.
    const x = networkInput(N)[3]!;
    for (const k of [0, 100, 500]) expect(x[k]!).toBeCloseTo((testImages[3]![k]! - norm.mean) / norm.std, 4);
  });

  it.each(CORRUPTIONS.map((c) => [c]))("%s at every severity", (c) => {
    const clean = networkInput(N), σ = norm.std;
    for (let s = 1; s <= 5; s++) {
      const level = LEVELS[c][s]!, got = networkInput(N, c, s), at = `${c} severity ${s}`;
      switch (c) {
        case "contrast":
          // RMS contrast scaled by the factor, around an unchanged mean — at the model's usual 32 px too (resizing is linear).
          for (const size of [N, 32]) {
            const c0 = networkInput(size), c1 = size === N ? got : networkInput(size, c, s);
            c0.forEach((x, i) => {
              expect(sdOf(c1[i]!) / sdOf(x), `${at}, ${size} px, image ${i}`).toBeGreaterThan(level * 0.95);
              expect(sdOf(c1[i]!) / sdOf(x), `${at}, ${size} px, image ${i}`).toBeLessThan(level * 1.05);
              expect(meanOf(c1[i]!)).toBeCloseTo(meanOf(x), 3);
            });
          }
          break;
        case "gaussian_noise": {
          // Adds noise of SD `level` (censored by the [0, 1] clip) — level / σ in the network's units.
          let ms = 0, expected = 0;
          clean.forEach((x, i) => x.forEach((v, k) => { ms += (got[i]![k]! - v) ** 2; expected += censoredNoiseMS(testImages[i]![k]!, level) / σ ** 2; }));
          expect(Math.sqrt(ms / expected), at).toBeGreaterThan(0.95);
          expect(Math.sqrt(ms / expected), at).toBeLessThan(1.05);
          break;
        }
        case "gaussian_blur":
        case "high_pass":
          // blur: the image convolved with a Gaussian of σ = level; high-pass: the image minus that blur, plus its mean.
          testImages.forEach((img, i) => {
            const b = refBlur(img, level), m = meanOf(img);
            got[i]!.forEach((v, k) => expect(v, `${at}, pixel ${k}`).toBeCloseTo(((c === "gaussian_blur" ? b[k]! : img[k]! - b[k]! + m) - norm.mean) / σ, 3));
          });
          break;
        case "low_pass":
          // Every frequency above the cutoff gone; every one below it as in the clean input.
          clean.forEach((x, i) => {
            const a = dft(x), b = dft(got[i]!);
            let keptErr = 0, kept = 0, removed = 0, removedBefore = 0;
            for (let k = 0; k < P; k++) {
              const d = (b.re[k]! - a.re[k]!) ** 2 + (b.im[k]! - a.im[k]!) ** 2, e = a.re[k]! ** 2 + a.im[k]! ** 2;
              if (a.f[k]! <= level) { keptErr += d; kept += e; } else { removed += b.re[k]! ** 2 + b.im[k]! ** 2; removedBefore += e; }
            }
            expect(Math.sqrt(keptErr / kept), `${at}, image ${i}: change below the cutoff`).toBeLessThan(0.01);
            if (removedBefore > 0) expect(removed / removedBefore, `${at}, image ${i}: energy left above the cutoff`).toBeLessThan(1e-4);
          });
          break;
        case "phase_scramble":
          // The amplitude spectrum kept (phases are what change).
          clean.forEach((x, i) => {
            const a = dft(x), b = dft(got[i]!);
            let err = 0, tot = 0;
            for (let k = 0; k < P; k++) { err += (Math.hypot(b.re[k]!, b.im[k]!) - Math.hypot(a.re[k]!, a.im[k]!)) ** 2; tot += a.re[k]! ** 2 + a.im[k]! ** 2; }
            expect(Math.sqrt(err / tot), `${at}, image ${i}`).toBeLessThan(0.05);
          });
          break;
        case "elastic": {
          // Pixels moved by a field of RMS `level` px. Two ramps (along x, along y) with the same
          // noise seed see the same field; the network-input change of a ramp of slope g is g·u / σ,
          // so the field is read back in pixels. Positions pushed past the border are clamped
          // (edges replicated): those pixels are left out.
          const g = 0.4 / (N - 1), ramp = (axis: 0 | 1) => Float32Array.from({ length: P }, (_, k) => 0.3 + g * (axis === 0 ? k % N : Math.floor(k / N)));
          const images = Array.from({ length: 8 }, () => [ramp(0), ramp(1)]);
          const seeded = (img: Float32Array, i: number) => corrupt(img, N, c, s, rng(c, s, i >> 1));
          const before = rows(splitFromTable(tf, table(images.flat()), N, norm).x, N), after = rows(splitFromTable(tf, table(images.flat()), N, norm, seeded).x, N);
          let ss = 0, n = 0;
          for (let j = 0; j < images.length; j++) for (let k = 0; k < P; k++) {
            const u = ((after[2 * j]![k]! - before[2 * j]![k]!) * σ) / g, v = ((after[2 * j + 1]![k]! - before[2 * j + 1]![k]!) * σ) / g;
            const x = (k % N) + u, y = Math.floor(k / N) + v;
            if (x <= 1e-3 || x >= N - 1 - 1e-3 || y <= 1e-3 || y >= N - 1 - 1e-3) continue;
            ss += u * u + v * v; n++;
          }
          // The field is stationary with expected RMS `level` at every pixel; 8 smooth fields
          // (σ = 3 px) leave ≈ ±10 % sampling error (per-image standardisation would read ≈ 1.7×).
          expect(Math.sqrt(ss / n) / level, at).toBeGreaterThan(0.85);
          expect(Math.sqrt(ss / n) / level, at).toBeLessThan(1.15);
          break;
        }
      }
    }
  }, 120_000);
});

import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { tensorflow } from "../../src/compute/backend.js";
import { accuracy, disposeParams, fit, pixelNormalisation, prepare, type Split } from "../../src/model/classifier.js";
import { cornetModel, initCornet, type CornetArchitecture } from "../../src/model/cornet.js";
import { makeRng } from "../../src/sdk/rng.js";

const arch = (times: [number, number, number]): CornetArchitecture => ({ format: "cornet-s", version: 1, input_size: 32, channels: [4, 8, 8, 8], times, classes: 3 });
const trainableCount = (p: Record<string, { trainable: boolean; size: number }>, bn: boolean) =>
  Object.entries(p).filter(([k, v]) => v.trainable && /norm|bn/.test(k) === bn).reduce((n, [, v]) => n + v.size, 0);

describe("CORnet-S (scaled down)", () => {
  it("recurrence shares conv weights across time steps (conv parameters independent of T) while BatchNorm is per step", async () => {
    const tf = await tensorflow("cpu");
    const p1 = initCornet(tf, arch([1, 1, 1]), makeRng(1)), p2 = initCornet(tf, arch([2, 4, 2]), makeRng(1));
    expect(trainableCount(p2, false)).toBe(trainableCount(p1, false));
    expect(trainableCount(p2, true)).toBeGreaterThan(trainableCount(p1, true));
    expect(Object.keys(p2).filter((k) => k.startsWith("V4.norm1_"))).toHaveLength(4 * 4); // gamma, beta, mean, var for each of 4 steps
    expect(new Set(Object.keys(p2).filter((k) => k.startsWith("V4.norm1_")).map((k) => k.split(".")[1]))).toEqual(new Set(["norm1_0", "norm1_1", "norm1_2", "norm1_3"]));
    disposeParams(p1); disposeParams(p2);
  });

  it("trains on wasm: loss falls, beats chance, and BatchNorm running statistics move", async () => {
    const tf = await tensorflow("wasm");
    const rng = makeRng(2);
    const make = (n: number): Split => {
      const px = new Float32Array(n * 784), y = new Int32Array(n);
      for (let k = 0; k < n; k++) {
        const c = k % 3; y[k] = c;
        for (let i = 0; i < 28; i++) for (let j = 0; j < 28; j++) {
          const v = c === 0 ? Math.sin(i * 1.3 + k) : c === 1 ? Math.sin(j * 1.3 + k) : Math.exp(-((i - 14) ** 2 + (j - 14) ** 2) / 40) * 2 - 1;
          px[k * 784 + i * 28 + j] = 0.5 + 0.4 * v + 0.05 * rng.normal();
        }
      }
      return { x: prepare(tf, px, 28, 32, { mean: 0.5, std: 0.3 }), y, n }; // ≈ these images' statistics
    };
    const a = arch([2, 2, 1]);
    const p = initCornet(tf, a, makeRng(3));
    const model = cornetModel(tf, p, a);
    const before = Float32Array.from(p["V2.norm1_0.mean"]!.dataSync() as Float32Array);
    const r = await Effect.runPromise(fit(tf, model, make(150), make(60), { epochs: 3, batch: 30, lr: 5e-3, patience: 3, seed: 1 }, { progress: () => {}, log: () => {} }));
    expect(r.curve.train_loss.at(-1)!).toBeLessThan(r.curve.train_loss[0]!);
    expect(accuracy(tf, model, make(60))).toBeGreaterThan(0.5);
    expect(Array.from(p["V2.norm1_0.mean"]!.dataSync())).not.toEqual(Array.from(before));
    disposeParams(p);
  }, 180_000); // ~12 s on 2 free cores; the margin is for a loaded CI machine
});

import type * as tfc from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { tensorflow } from "../../src/compute/backend.js";
import { IDENTITY, samplePatch, type Image } from "../../src/data/deform.js";
import { DEFAULT_BLOCKS } from "../../src/model/architecture.js";
import { blockForward, initBlock } from "../../src/model/block.js";
import { centreSpan, readoutFeatures } from "../../src/model/features.js";
import { makeRng } from "../../src/sdk/rng.js";

describe("where the layer objective reads features (readout param)", () => {
  it("centreSpan is the exact middle: one position for odd sides, the middle two for even", () => {
    for (let n = 1; n <= 12; n++) {
      const [lo, hi] = centreSpan(n);
      expect(hi - lo).toBe(n % 2 ? 1 : 2);
      expect(lo + hi).toBe(n); // symmetric about (n − 1) / 2
    }
  });

  it("centre reads only the central unit(s); mean reads the whole map", async () => {
    const tf = await tensorflow("cpu");
    for (const n of [5, 6]) {
      const data = Float32Array.from({ length: 2 * n * n * 3 }, (_, k) => Math.sin(k * 1.7));
      const y = tf.tensor4d(data, [2, n, n, 3]);
      const [lo, hi] = centreSpan(n);
      const centre = readoutFeatures(tf, y, "centre").arraySync() as number[][], mean = readoutFeatures(tf, y, "mean").arraySync() as number[][];
      for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) {
        let sc = 0, nc = 0, sm = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
          const v = data[((b * n + i) * n + j) * 3 + c]!;
          sm += v;
          if (i >= lo && i < hi && j >= lo && j < hi) { sc += v; nc++; }
        }
        expect(centre[b]![c]!).toBeCloseTo(sc / nc, 5);
        expect(mean[b]![c]!).toBeCloseTo(sm / (n * n), 5);
      }
      y.dispose();
    }
  });

  it("a small translation changes centre-read features more than mean-read ones (why the mean makes translations nearly free)", async () => {
    const tf = await tensorflow("cpu");
    const rng = makeRng(4), W = 96;
    const waves = Array.from({ length: 12 }, () => ({ fx: rng.normal() * 0.4, fy: rng.normal() * 0.4, ph: rng.next() * 6.3 }));
    const img: Image = { width: W, height: W, data: Float32Array.from({ length: W * W }, (_, k) => waves.reduce((s, w) => s + Math.cos(w.fx * (k % W) + w.fy * Math.floor(k / W) + w.ph), 0)) };
    const spec = DEFAULT_BLOCKS[0], init = initBlock(spec, 1, makeRng(1)), S = 16, n = 24;
    const a = new Float32Array(n * S * S), b = new Float32Array(n * S * S);
    for (let p = 0; p < n; p++) {
      const cx = 20 + rng.next() * 56, cy = 20 + rng.next() * 56;
      a.set(samplePatch(img, cx, cy, S, IDENTITY), p * S * S);
      b.set(samplePatch(img, cx, cy, S, { ...IDENTITY, dx: 2, dy: 1 }), p * S * S); // 2 px: α·R of layer 1 is 2.75
    }
    const change = (readout: "mean" | "centre") => tf.tidy(() => {
      const wts = { w: tf.tensor4d(init.w, [spec.kernel, spec.kernel, 1, spec.channels]) as tfc.Tensor4D, b: tf.tensor1d(init.b) as tfc.Tensor1D };
      const za = readoutFeatures(tf, blockForward(tf, tf.tensor4d(a, [n, S, S, 1]), wts, spec, { frozen: true }), readout);
      const zb = readoutFeatures(tf, blockForward(tf, tf.tensor4d(b, [n, S, S, 1]), wts, spec, { frozen: true }), readout);
      // 1 − cosine similarity of each pair's features, averaged
      const cos = tf.div(tf.sum(tf.mul(za, zb), 1), tf.mul(tf.norm(za, 2, 1), tf.norm(zb, 2, 1)));
      return 1 - (tf.mean(cos).dataSync()[0] as number);
    });
    const mean = change("mean"), centre = change("centre");
    expect(centre).toBeGreaterThan(2 * mean);
  });
});

import type * as tfc from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { tensorflow } from "../../src/compute/backend.js";
import { poissonLoss } from "../../src/model/readout/encoder.js";
import { bilinearSample, gaussianReadout } from "../../src/model/readout/gaussian.js";
import { makeRng } from "../../src/sdk/rng.js";

/** PyTorch grid_sample(align_corners=True, zeros) for one image and point, written the plain way. */
function gridSampleRef(f: Float32Array, H: number, W: number, C: number, gx: number, gy: number): number[] {
  const px = ((gx + 1) / 2) * (W - 1), py = ((gy + 1) / 2) * (H - 1), x0 = Math.floor(px), y0 = Math.floor(py);
  const out = new Array(C).fill(0);
  for (const [x, y, w] of [[x0, y0, (1 - (px - x0)) * (1 - (py - y0))], [x0 + 1, y0, (px - x0) * (1 - (py - y0))], [x0, y0 + 1, (1 - (px - x0)) * (py - y0)], [x0 + 1, y0 + 1, (px - x0) * (py - y0)]] as const) {
    if (x < 0 || x >= W || y < 0 || y >= H) continue;
    for (let c = 0; c < C; c++) out[c] += w * f[(y * W + x) * C + c]!;
  }
  return out;
}

describe("bilinear sampling (grid_sample, align_corners=True, zeros outside)", () => {
  const B = 2, H = 5, W = 7, C = 3, N = 6;
  const rng = makeRng(11);
  const feats = Float32Array.from({ length: B * H * W * C }, () => rng.normal());
  // points inside, on the edges, at the corners and partly outside the map
  const pts = [[0.13, -0.41], [-1, -1], [1, 1], [0.999, -0.2], [-0.6, 0.77], [0.31, 1]];

  it("matches a plain reference, per image and with one shared grid", async () => {
    const tf = await tensorflow("cpu");
    const grid = Float32Array.from({ length: B * N * 2 }, (_, k) => pts[(k >> 1) % N]![k & 1]! * (k >= N * 2 ? 0.9 : 1));
    const out = tf.tidy(() => bilinearSample(tf, tf.tensor4d(feats, [B, H, W, C]), tf.tensor3d(grid, [B, N, 2])).dataSync());
    for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) {
      const ref = gridSampleRef(feats.subarray(b * H * W * C), H, W, C, grid[(b * N + n) * 2]!, grid[(b * N + n) * 2 + 1]!);
      for (let c = 0; c < C; c++) expect(out[(b * N + n) * C + c]).toBeCloseTo(ref[c]!, 5);
    }
    const shared = tf.tidy(() => bilinearSample(tf, tf.tensor4d(feats, [B, H, W, C]), tf.tensor3d(grid.slice(0, N * 2), [1, N, 2])).dataSync());
    for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) {
      const ref = gridSampleRef(feats.subarray(b * H * W * C), H, W, C, grid[n * 2]!, grid[n * 2 + 1]!);
      for (let c = 0; c < C; c++) expect(shared[(b * N + n) * C + c]).toBeCloseTo(ref[c]!, 5);
    }
  });

  it("gradients with respect to the grid and the maps equal finite differences (cpu backend)", async () => {
    const tf = await tensorflow("cpu");
    // interior points away from integer pixel positions (the sampler is piecewise linear there)
    const grid = Float32Array.from([0.13, -0.41, -0.57, 0.22, 0.71, 0.09, 0.05, -0.05, -0.33, 0.61, 0.42, -0.77]);
    const coef = Float32Array.from({ length: 1 * N * C }, () => rng.normal());
    const f1 = feats.slice(0, H * W * C);
    const loss = (g: tfc.Tensor, f: tfc.Tensor) => tf.sum(tf.mul(bilinearSample(tf, f as tfc.Tensor4D, g as tfc.Tensor3D), tf.tensor3d(coef, [1, N, C]))) as tfc.Scalar;
    const [dg, df] = tf.grads(loss)([tf.tensor3d(grid, [1, N, 2]), tf.tensor4d(f1, [1, H, W, C])]);
    const gGrad = dg!.dataSync(), fGrad = df!.dataSync();
    const at = (g: Float32Array, f: Float32Array) => tf.tidy(() => loss(tf.tensor3d(g, [1, N, 2]), tf.tensor4d(f, [1, H, W, C])).dataSync()[0]!);
    const h = 1e-3;
    for (let k = 0; k < grid.length; k++) {
      const up = grid.slice(), dn = grid.slice(); up[k]! += h; dn[k]! -= h;
      const fd = (at(up, f1) - at(dn, f1)) / (2 * h);
      expect(Math.abs(gGrad[k]! - fd)).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
    }
    let nonzero = 0;
    for (const k of [0, 5, 17, 40, 61, 88, 100]) {
      const up = f1.slice(), dn = f1.slice(); up[k]! += 0.05; dn[k]! -= 0.05;
      const fd = (at(grid, up) - at(grid, dn)) / 0.1;
      expect(fGrad[k]!).toBeCloseTo(fd, 2);
      if (Math.abs(fd) > 1e-3) nonzero++;
    }
    expect(nonzero).toBeGreaterThan(0);
  });

  it("a Gaussian readout in training mode passes gradients to μ (via the cortex map A, b) and to Σ's factor S", async () => {
    const tf = await tensorflow("cpu");
    const cortex = Float64Array.from({ length: N * 2 }, () => rng.next() * 2 - 1);
    const r = gaussianReadout(tf, { neurons: N, channels: C, initMuRange: 0.5, initSigma: 0.3, cortex, meanResponse: new Float32Array(N).fill(1) }, makeRng(2), "t");
    tf.tidy(() => r.vars.w!.assign(tf.randomNormal([N, C], 0, 1, "float32", 3)));
    const eps = Float32Array.from({ length: r.epsCount(B) }, () => rng.normal());
    const { grads } = tf.variableGrads(() => tf.sum(r.forward(tf.tensor4d(feats, [B, H, W, C]), true, eps)) as tfc.Scalar, Object.values(r.vars));
    for (const name of ["A", "b", "S", "w"]) {
      const g = grads[r.vars[name]!.name]!.dataSync();
      expect(g.some((v) => Math.abs(v) > 1e-6), `gradient of ${name}`).toBe(true);
    }
    // evaluation mode reads at μ: no ε, same output for repeated calls
    const a = tf.tidy(() => r.forward(tf.tensor4d(feats, [B, H, W, C]), false).dataSync()), b = tf.tidy(() => r.forward(tf.tensor4d(feats, [B, H, W, C]), false).dataSync());
    expect([...a]).toEqual([...b]);
    r.dispose();
  });
});

describe("Poisson loss", () => {
  it("is smallest at r̂ = r", async () => {
    const tf = await tensorflow("cpu");
    const r = [0.5, 2, 7];
    const at = (scale: number) => tf.tidy(() => poissonLoss(tf, tf.tensor1d(r.map((v) => v * scale)), tf.tensor1d(r)).dataSync()[0]!);
    const best = at(1);
    for (const s of [0.5, 0.8, 0.95, 1.05, 1.2, 2]) expect(at(s)).toBeGreaterThan(best);
  });
});

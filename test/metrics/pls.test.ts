import { describe, expect, it } from "vitest";
import { fitPls, invert, matrix, predictPls, type Matrix } from "../../src/metrics/pls.js";
import { makeRng } from "../../src/sdk/rng.js";

const random = (rows: number, cols: number, seed: number): Matrix => { const r = makeRng(seed); return matrix(rows, cols, Float64Array.from({ length: rows * cols }, () => r.normal())); };

/** Ordinary least squares on centred data: B = (XcᵀXc)⁻¹ XcᵀYc. */
function ols(X: Matrix, Y: Matrix): Float64Array {
  const n = X.rows, p = X.cols, q = Y.cols;
  const mx = Array.from({ length: p }, (_, a) => { let s = 0; for (let i = 0; i < n; i++) s += X.data[i * p + a]!; return s / n; });
  const my = Array.from({ length: q }, (_, b) => { let s = 0; for (let i = 0; i < n; i++) s += Y.data[i * q + b]!; return s / n; });
  const xtx = new Float64Array(p * p), xty = new Float64Array(p * q);
  for (let i = 0; i < n; i++) for (let a = 0; a < p; a++) {
    const xa = X.data[i * p + a]! - mx[a]!;
    for (let c = 0; c < p; c++) xtx[a * p + c]! += xa * (X.data[i * p + c]! - mx[c]!);
    for (let b = 0; b < q; b++) xty[a * q + b]! += xa * (Y.data[i * q + b]! - my[b]!);
  }
  const inv = invert(xtx, p), B = new Float64Array(p * q);
  for (let a = 0; a < p; a++) for (let b = 0; b < q; b++) { let s = 0; for (let c = 0; c < p; c++) s += inv[a * p + c]! * xty[c * q + b]!; B[a * q + b] = s; }
  return B;
}

describe("PLS regression (Brain-Score's mapping)", () => {
  it("with as many components as X's rank it reproduces ordinary least squares on centred data", () => {
    const X = random(60, 6, 1), noise = random(60, 4, 2), Btrue = random(6, 4, 3);
    const Y = matrix(60, 4, Float64Array.from({ length: 240 }, (_, k) => {
      const i = Math.floor(k / 4), b = k % 4; let s = 0.3 * noise.data[k]! + 5;
      for (let a = 0; a < 6; a++) s += X.data[i * 6 + a]! * Btrue.data[a * 4 + b]!;
      return s;
    }));
    const m = fitPls(X, Y, 6);
    const B = ols(X, Y);
    for (let k = 0; k < B.length; k++) expect(m.coef.data[k]).toBeCloseTo(B[k]!, 6);
  });

  it("fewer components: predictions do not depend on the order of Y's columns, and explain held-out data", () => {
    const X = random(80, 10, 4), Y = random(80, 5, 5);
    // make Y depend on X so there is something to find
    for (let i = 0; i < 80; i++) for (let b = 0; b < 5; b++) Y.data[i * 5 + b]! += 2 * X.data[i * 10 + b]! - X.data[i * 10 + 9]!;
    const perm = [3, 0, 4, 1, 2];
    const Yp = matrix(80, 5, Float64Array.from({ length: 400 }, (_, k) => Y.data[Math.floor(k / 5) * 5 + perm[k % 5]!]!));
    const a = predictPls(fitPls(X, Y, 3), X), b = predictPls(fitPls(X, Yp, 3), X);
    for (let i = 0; i < 80; i++) for (let j = 0; j < 5; j++) expect(b.data[i * 5 + j]).toBeCloseTo(a.data[i * 5 + perm[j]!]!, 8);
    const Xt = random(40, 10, 6), Yt = matrix(40, 5, Float64Array.from({ length: 200 }, (_, k) => { const i = Math.floor(k / 5), c = k % 5; return 2 * Xt.data[i * 10 + c]! - Xt.data[i * 10 + 9]!; }));
    const pred = predictPls(fitPls(X, Y, 5), Xt);
    const r = (c: number) => { const u = Array.from({ length: 40 }, (_, i) => pred.data[i * 5 + c]!), v = Array.from({ length: 40 }, (_, i) => Yt.data[i * 5 + c]!); const mu = u.reduce((s, x) => s + x) / 40, mv = v.reduce((s, x) => s + x) / 40; let suv = 0, suu = 0, svv = 0; for (let i = 0; i < 40; i++) { suv += (u[i]! - mu) * (v[i]! - mv); suu += (u[i]! - mu) ** 2; svv += (v[i]! - mv) ** 2; } return suv / Math.sqrt(suu * svv); };
    for (let c = 0; c < 5; c++) expect(r(c)).toBeGreaterThan(0.8);
  });
});

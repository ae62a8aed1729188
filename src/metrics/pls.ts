/**
 * Partial least squares regression as Brain-Score maps model features to neurons (science.md
 * §3.2.5: sklearn `PLSRegression(n_components=25, scale=False)`, NIPALS, one multi-output fit
 * for all neurons). Plain Float64 numerics; X is n×p, Y is n×q, row-major.
 */
export interface Matrix { readonly rows: number; readonly cols: number; readonly data: Float64Array }

export const matrix = (rows: number, cols: number, data = new Float64Array(rows * cols)): Matrix => ({ rows, cols, data });

function columnMeans(m: Matrix): Float64Array {
  const mu = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) mu[j]! += m.data[i * m.cols + j]! / m.rows;
  return mu;
}

function centred(m: Matrix, mu: Float64Array): Float64Array {
  return Float64Array.from(m.data, (v, k) => v - mu[k % m.cols]!);
}

export interface PlsModel {
  readonly components: number;
  /** p×q coefficients on centred data. */
  readonly coef: Matrix;
  readonly xMean: Float64Array;
  readonly yMean: Float64Array;
}

/**
 * NIPALS in "regression" mode. For each component, the X weight w is the dominant left singular
 * vector of Xₖᵀ Yₖ, by power iteration started from XₖᵀYₖ·1 (so the fit does not depend on the
 * order of Y's columns); then t = Xₖw, p = Xₖᵀt/tᵀt, q = Yₖᵀt/tᵀt and both blocks
 * are deflated by t. Coefficients B = W (PᵀW)⁻¹ Qᵀ.
 */
export function fitPls(X: Matrix, Y: Matrix, components: number, opts: { tol?: number; maxIter?: number } = {}): PlsModel {
  if (X.rows !== Y.rows) throw new Error(`PLS: X has ${X.rows} rows, Y has ${Y.rows}`);
  const n = X.rows, p = X.cols, q = Y.cols, K = Math.min(components, p, n - 1);
  const tol = opts.tol ?? 1e-6, maxIter = opts.maxIter ?? 500; // sklearn's NIPALS defaults (science.md §3.2.5)
  const xMean = columnMeans(X), yMean = columnMeans(Y);
  const x = centred(X, xMean), y = centred(Y, yMean);
  const W = new Float64Array(p * K), P = new Float64Array(p * K), Q = new Float64Array(q * K);
  // M = XₖᵀYₖ. Since Xₖ₊₁ᵀt = 0, Mₖ₊₁ = Xₖ₊₁ᵀY = Mₖ − (tᵀt)·p·qᵀ: a rank-1 update per component
  // instead of an n·p·q product.
  const M = new Float64Array(p * q), t = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let a = 0; a < p; a++) { const xa = x[i * p + a]!; if (xa) for (let b = 0; b < q; b++) M[a * q + b]! += xa * y[i * q + b]!; }
  const small = Math.min(p, q), G = new Float64Array(small * small);
  for (let k = 0; k < K; k++) {
    let w = new Float64Array(p);
    for (let a = 0; a < p; a++) for (let b = 0; b < q; b++) w[a]! += M[a * q + b]!;
    if (!w.some((v) => v !== 0)) w = Float64Array.from({ length: p }, (_, a) => M[a * q]!);
    let norm = Math.hypot(...w);
    if (norm === 0) break; // nothing left to explain
    w = w.map((v) => v / norm);
    // Power iteration for the dominant singular vector, run on the smaller Gram matrix
    // (MᵀM, q×q, or MMᵀ, p×p) so one step costs min(p,q)² instead of 2pq.
    G.fill(0);
    if (q <= p) {
      for (let a = 0; a < p; a++) for (let b = 0; b < q; b++) { const m = M[a * q + b]!; if (m) for (let c = 0; c < q; c++) G[b * q + c]! += m * M[a * q + c]!; }
    } else {
      for (let a = 0; a < p; a++) for (let c = 0; c <= a; c++) { let s = 0; for (let b = 0; b < q; b++) s += M[a * q + b]! * M[c * q + b]!; G[a * p + c] = s; G[c * p + a] = s; }
    }
    let v = new Float64Array(small);
    if (q <= p) { for (let a = 0; a < p; a++) for (let b = 0; b < q; b++) v[b]! += M[a * q + b]! * w[a]!; } else v.set(w);
    norm = Math.hypot(...v);
    if (norm === 0) break;
    v = v.map((z) => z / norm);
    const next = new Float64Array(small);
    for (let it = 0; it < maxIter; it++) {
      for (let i = 0; i < small; i++) { let s2 = 0; for (let j = 0; j < small; j++) s2 += G[i * small + j]! * v[j]!; next[i] = s2; }
      norm = Math.hypot(...next);
      if (norm === 0) break;
      let diff = 0;
      for (let i = 0; i < small; i++) { next[i]! /= norm; diff += (next[i]! - v[i]!) ** 2; }
      v.set(next);
      if (diff < tol) break;
    }
    if (q <= p) {
      w = new Float64Array(p);
      for (let a = 0; a < p; a++) { let s2 = 0; for (let b = 0; b < q; b++) s2 += M[a * q + b]! * v[b]!; w[a] = s2; }
      norm = Math.hypot(...w);
      if (norm === 0) break;
      w = w.map((z) => z / norm);
    } else w = v;
    t.fill(0);
    for (let i = 0; i < n; i++) { let s = 0; for (let a = 0; a < p; a++) s += x[i * p + a]! * w[a]!; t[i] = s; }
    const tt = t.reduce((s, v2) => s + v2 * v2, 0);
    if (tt === 0) break;
    for (let a = 0; a < p; a++) { let s = 0; for (let i = 0; i < n; i++) s += x[i * p + a]! * t[i]!; P[a * K + k] = s / tt; W[a * K + k] = w[a]!; }
    for (let b = 0; b < q; b++) { let s = 0; for (let i = 0; i < n; i++) s += y[i * q + b]! * t[i]!; Q[b * K + k] = s / tt; }
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < p; a++) x[i * p + a]! -= t[i]! * P[a * K + k]!;
      for (let b = 0; b < q; b++) y[i * q + b]! -= t[i]! * Q[b * K + k]!;
    }
    for (let a = 0; a < p; a++) { const pa = P[a * K + k]! * tt; if (pa) for (let b = 0; b < q; b++) M[a * q + b]! -= pa * Q[b * K + k]!; }
  }
  // B = W (PᵀW)⁻¹ Qᵀ
  const PtW = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) { let s = 0; for (let a = 0; a < p; a++) s += P[a * K + i]! * W[a * K + j]!; PtW[i * K + j] = s; }
  const inv = invert(PtW, K);
  const coef = new Float64Array(p * q);
  const WI = new Float64Array(p * K);
  for (let a = 0; a < p; a++) for (let j = 0; j < K; j++) { let s = 0; for (let i = 0; i < K; i++) s += W[a * K + i]! * inv[i * K + j]!; WI[a * K + j] = s; }
  for (let a = 0; a < p; a++) for (let b = 0; b < q; b++) { let s = 0; for (let j = 0; j < K; j++) s += WI[a * K + j]! * Q[b * K + j]!; coef[a * q + b] = s; }
  return { components: K, coef: matrix(p, q, coef), xMean, yMean };
}

export function predictPls(m: PlsModel, X: Matrix): Matrix {
  const p = m.coef.rows, q = m.coef.cols;
  if (X.cols !== p) throw new Error(`PLS: model expects ${p} features, X has ${X.cols}`);
  const out = new Float64Array(X.rows * q);
  for (let i = 0; i < X.rows; i++) for (let b = 0; b < q; b++) {
    let s = m.yMean[b]!;
    for (let a = 0; a < p; a++) s += (X.data[i * p + a]! - m.xMean[a]!) * m.coef.data[a * q + b]!;
    out[i * q + b] = s;
  }
  return matrix(X.rows, q, out);
}

/** Gauss–Jordan inverse of a small K×K matrix with partial pivoting. */
export function invert(a: Float64Array, K: number): Float64Array {
  const m = Array.from({ length: K }, (_, i) => [...Array.from({ length: K }, (_, j) => a[i * K + j]!), ...Array.from({ length: K }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < K; c++) {
    let piv = c;
    for (let r = c + 1; r < K; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    if (Math.abs(m[piv]![c]!) < 1e-300) throw new Error("PLS: singular PᵀW (components exceed the rank of X?)");
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    const d = m[c]![c]!;
    for (let j = 0; j < 2 * K; j++) m[c]![j]! /= d;
    for (let r = 0; r < K; r++) if (r !== c) { const f = m[r]![c]!; if (f) for (let j = 0; j < 2 * K; j++) m[r]![j]! -= f * m[c]![j]!; }
  }
  return Float64Array.from({ length: K * K }, (_, k) => m[Math.floor(k / K)]![K + (k % K)]!);
}

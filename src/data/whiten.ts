/**
 * Spectral whitening of square patches (Olshausen & Field 1997): multiply the 2-D spectrum by
 * |f|·exp(−(|f|/f0)⁴), which flattens natural images' ~1/f amplitude spectrum and rolls off
 * before the Nyquist frequency (where JPEG noise and aliasing live). Separable DFT with
 * precomputed twiddles: patches are small (≤ 64 px), so O(n³) per patch is cheap.
 */
export function makeWhitener(n: number, f0 = 0.4): (patch: Float32Array) => Float32Array {
  const cos = new Float64Array(n * n), sin = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let x = 0; x < n; x++) { const a = (-2 * Math.PI * k * x) / n; cos[k * n + x] = Math.cos(a); sin[k * n + x] = Math.sin(a); }
  const filter = new Float64Array(n * n);
  for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) {
    const fu = (u <= n / 2 ? u : u - n) / n, fv = (v <= n / 2 ? v : v - n) / n;
    const f = Math.hypot(fu, fv);
    filter[u * n + v] = f * Math.exp(-((f / f0) ** 4));
  }
  const re = new Float64Array(n * n), im = new Float64Array(n * n), tr = new Float64Array(n * n), ti = new Float64Array(n * n);
  // One pass of a 1-D DFT along rows (sign = 1 forward, −1 inverse).
  const rows = (inR: Float64Array, inI: Float64Array, outR: Float64Array, outI: Float64Array, sign: number) => {
    for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) {
      let sr = 0, si = 0;
      for (let x = 0; x < n; x++) {
        const c = cos[k * n + x]!, s = sign * sin[k * n + x]!, a = inR[r * n + x]!, b = inI[r * n + x]!;
        sr += a * c - b * s; si += a * s + b * c;
      }
      outR[k * n + r] = sr; outI[k * n + r] = si; // transposed write: the next pass runs over columns
    }
  };
  return (patch) => {
    for (let i = 0; i < n * n; i++) { re[i] = patch[i]!; im[i] = 0; }
    rows(re, im, tr, ti, 1); rows(tr, ti, re, im, 1); // forward 2-D DFT (back in row-major order)
    for (let i = 0; i < n * n; i++) { re[i]! *= filter[i]!; im[i]! *= filter[i]!; }
    rows(re, im, tr, ti, -1); rows(tr, ti, re, im, -1); // inverse (unnormalised)
    const out = new Float32Array(n * n);
    for (let i = 0; i < n * n; i++) out[i] = re[i]! / (n * n);
    return out;
  };
}

import { makeDft2 } from "./dft.js";

/**
 * Spectral whitening of square patches (Olshausen & Field 1997): multiply the 2-D spectrum by
 * |f|·exp(−(|f|/f0)⁴), which flattens natural images' ~1/f amplitude spectrum and rolls off
 * before the Nyquist frequency (where JPEG noise and aliasing live).
 */
export function makeWhitener(n: number, f0 = 0.4): (patch: Float32Array) => Float32Array {
  const dft = makeDft2(n);
  const filter = Float64Array.from(dft.freq, (f) => f * Math.exp(-((f / f0) ** 4)));
  const re = new Float64Array(n * n), im = new Float64Array(n * n);
  return (patch) => {
    dft.forward(patch, re, im);
    for (let i = 0; i < n * n; i++) { re[i]! *= filter[i]!; im[i]! *= filter[i]!; }
    return dft.inverse(re, im);
  };
}

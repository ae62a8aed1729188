/**
 * 2-D DFT of small square images (n ≤ ~64) as two passes of a 1-D DFT with precomputed twiddles:
 * O(n³), no power-of-two restriction (Fashion-MNIST is 28×28). Spectra are row-major [u·n + v],
 * frequency index u ≤ n/2 positive, above it negative.
 */
export interface Dft2 {
  /** Forward transform of a real image into (re, im). */
  forward(img: Float32Array | Float64Array, re: Float64Array, im: Float64Array): void;
  /** Inverse transform (normalised) of (re, im); returns the real part. */
  inverse(re: Float64Array, im: Float64Array, out?: Float32Array): Float32Array;
  /** |f| in cycles/px of spectral index i. */
  readonly freq: Float64Array;
}

export function makeDft2(n: number): Dft2 {
  const cos = new Float64Array(n * n), sin = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let x = 0; x < n; x++) { const a = (-2 * Math.PI * k * x) / n; cos[k * n + x] = Math.cos(a); sin[k * n + x] = Math.sin(a); }
  const freq = new Float64Array(n * n);
  for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) freq[u * n + v] = Math.hypot((u <= n / 2 ? u : u - n) / n, (v <= n / 2 ? v : v - n) / n);
  const tr = new Float64Array(n * n), ti = new Float64Array(n * n), wr = new Float64Array(n * n), wi = new Float64Array(n * n);
  // One pass of a 1-D DFT along rows (sign = 1 forward, −1 inverse), written transposed so the next pass runs over columns.
  const rows = (inR: Float64Array, inI: Float64Array, outR: Float64Array, outI: Float64Array, sign: number) => {
    for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) {
      let sr = 0, si = 0;
      for (let x = 0; x < n; x++) {
        const c = cos[k * n + x]!, s = sign * sin[k * n + x]!, a = inR[r * n + x]!, b = inI[r * n + x]!;
        sr += a * c - b * s; si += a * s + b * c;
      }
      outR[k * n + r] = sr; outI[k * n + r] = si;
    }
  };
  return {
    freq,
    forward(img, re, im) {
      for (let i = 0; i < n * n; i++) { wr[i] = img[i]!; wi[i] = 0; }
      rows(wr, wi, tr, ti, 1); rows(tr, ti, re, im, 1);
    },
    inverse(re, im, out = new Float32Array(n * n)) {
      rows(re, im, tr, ti, -1); rows(tr, ti, wr, wi, -1);
      for (let i = 0; i < n * n; i++) out[i] = wr[i]! / (n * n);
      return out;
    },
  };
}

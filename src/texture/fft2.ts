import FFT from "fft.js";

/**
 * 2-D FFT of n×n images (n a power of two) on interleaved [re, im] Float64Arrays, row-major,
 * built from fft.js's 1-D radix-4 transforms (MIT, no dependencies). Unnormalised forward,
 * inverse divided by n².
 *
 * Most transforms here are of real images or back to real images, so two shortcuts halve their
 * cost: `forwardReal` runs fft.js's real-input transform on the rows and transforms only the
 * columns 0 … n/2 (the rest follow by Hermitian symmetry); `inverseReal` inverts only those
 * columns and then two Hermitian rows per complex transform (IFFT(Y₁ + iY₂) = y₁ + i y₂ when y₁, y₂
 * are real).
 */
export interface Fft2 {
  readonly n: number;
  forward(data: Float64Array, out?: Float64Array): Float64Array;
  inverse(data: Float64Array, out?: Float64Array): Float64Array;
  /** Spectrum (interleaved, n×n) of a real n×n image: `forward(toComplex(x))` at about half the cost. */
  forwardReal(x: ArrayLike<number>, out?: Float64Array): Float64Array;
  /** The real n×n image of a Hermitian spectrum (a real image's, times an even real mask): `realPart(inverse(X))` at about half the cost. Only columns 0 … n/2 of X are read. */
  inverseReal(spec: Float64Array, out?: Float64Array): Float64Array;
}

const cache = new Map<number, Fft2>();

export function fft2(n: number): Fft2 {
  const hit = cache.get(n);
  if (hit) return hit;
  if (!Number.isInteger(n) || n < 2 || (n & (n - 1)) !== 0) throw new Error(`fft2: image side ${n} is not a power of two ≥ 2; use 32, 64, 128 or 256`);
  const f = new FFT(n), a = new Float64Array(2 * n), b = new Float64Array(2 * n), row = new Float64Array(n), half = n / 2;
  const work = new Float64Array(2 * n * n);
  /** 1-D transforms of columns c0 … c1−1 of dst, in place. */
  const columns = (dst: Float64Array, c1: number, inverse: boolean) => {
    for (let c = 0; c < c1; c++) {
      for (let r = 0; r < n; r++) { const j = 2 * (r * n + c); a[2 * r] = dst[j]!; a[2 * r + 1] = dst[j + 1]!; }
      if (inverse) f.inverseTransform(b, a); else f.transform(b, a);
      for (let r = 0; r < n; r++) { const j = 2 * (r * n + c); dst[j] = b[2 * r]!; dst[j + 1] = b[2 * r + 1]!; }
    }
  };
  const rows = (src: Float64Array, dst: Float64Array, inverse: boolean) => {
    if (src === dst) src = Float64Array.from(src); // fft.js needs distinct input and output
    for (let r = 0; r < n; r++) {
      const i = src.subarray(2 * r * n, 2 * (r + 1) * n), o = dst.subarray(2 * r * n, 2 * (r + 1) * n);
      if (inverse) f.inverseTransform(o, i); else f.transform(o, i);
    }
  };
  const t: Fft2 = {
    n,
    forward: (data, out = new Float64Array(2 * n * n)) => { rows(data, out, false); columns(out, n, false); return out; },
    inverse: (data, out = new Float64Array(2 * n * n)) => { rows(data, out, true); columns(out, n, true); return out; },
    forwardReal: (x, out = new Float64Array(2 * n * n)) => {
      if (x.length !== n * n) throw new Error(`fft2.forwardReal: expected ${n}×${n} = ${n * n} values, got ${x.length}`);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) row[c] = x[r * n + c]!;
        const o = out.subarray(2 * r * n, 2 * (r + 1) * n);
        f.realTransform(o, row); // fills c = 0 … n/2; the rest is never read below
      }
      columns(out, half + 1, false);
      // X[r][c] = conj X[−r][−c] for the columns not transformed
      for (let r = 0; r < n; r++) {
        const rr = (n - r) % n;
        for (let c = half + 1; c < n; c++) { const j = 2 * (r * n + c), k = 2 * (rr * n + n - c); out[j] = out[k]!; out[j + 1] = -out[k + 1]!; }
      }
      return out;
    },
    inverseReal: (spec, out = new Float64Array(n * n)) => {
      // columns 0 … n/2 back to space (rows still in frequency); each row of a real image's spectrum is then Hermitian in c
      for (let r = 0; r < n; r++) for (let c = 0; c <= half; c++) { const j = 2 * (r * n + c); work[j] = spec[j]!; work[j + 1] = spec[j + 1]!; }
      columns(work, half + 1, true);
      const fill = (r: number, s: number) => { // a = Y_r + i Y_s over all c, Y[·][n−c] = conj Y[·][c]; c = 0 and n/2 are real
        const jr = 2 * r * n, js = 2 * s * n;
        a[0] = work[jr]!; a[1] = s === r ? 0 : work[js]!;
        a[2 * half] = work[jr + 2 * half]!; a[2 * half + 1] = s === r ? 0 : work[js + 2 * half]!;
        for (let c = 1; c < half; c++) {
          const yr = work[jr + 2 * c]!, yi = work[jr + 2 * c + 1]!, zr = s === r ? 0 : work[js + 2 * c]!, zi = s === r ? 0 : work[js + 2 * c + 1]!;
          a[2 * c] = yr - zi; a[2 * c + 1] = yi + zr; // Y + iZ at c
          a[2 * (n - c)] = yr + zi; a[2 * (n - c) + 1] = -yi + zr; // conj(Y) + i conj(Z) at n − c
        }
      };
      for (let r = 0; r < n; r += 2) {
        const s = r + 1 < n ? r + 1 : r;
        fill(r, s);
        f.inverseTransform(b, a);
        for (let c = 0; c < n; c++) { out[r * n + c] = b[2 * c]!; if (s !== r) out[s * n + c] = b[2 * c + 1]!; }
      }
      return out;
    },
  };
  cache.set(n, t);
  return t;
}

/** A real image as an interleaved complex array. */
export function toComplex(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(2 * x.length);
  for (let i = 0; i < x.length; i++) out[2 * i] = x[i]!;
  return out;
}

/** Real parts of an interleaved complex array. */
export function realPart(z: Float64Array): Float64Array {
  const out = new Float64Array(z.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = z[2 * i]!;
  return out;
}

/** Imaginary parts of an interleaved complex array. */
export function imagPart(z: Float64Array): Float64Array {
  const out = new Float64Array(z.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = z[2 * i + 1]!;
  return out;
}

/** Moduli of an interleaved complex array (sqrt, not Math.hypot: several times faster in V8, and no overflow risk at image scales). */
export function modulus(z: Float64Array): Float64Array {
  const out = new Float64Array(z.length / 2);
  for (let i = 0; i < out.length; i++) { const a = z[2 * i]!, b = z[2 * i + 1]!; out[i] = Math.sqrt(a * a + b * b); }
  return out;
}

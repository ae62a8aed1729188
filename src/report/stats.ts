/**
 * The little statistics a results table needs: mean, sample SD and the 95 % confidence interval
 * of a mean over replicates (seeds) from Student's t. Pure numerics, no report types.
 */
export interface Summary {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); absent for n < 2. */
  readonly sd?: number;
  /** Half-width of the 95 % t interval of the mean; absent for n < 2. */
  readonly ci95?: number;
}

export function summarise(values: readonly number[]): Summary | undefined {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (!n) return undefined;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return { n, mean, sd, ci95: tQuantile(0.975, n - 1) * (sd / Math.sqrt(n)) };
}

/** Quantile of Student's t with `df` degrees of freedom (bisection on the CDF; |error| < 1e-10). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError(`tQuantile needs 0 < p < 1 and df > 0 (got p=${p}, df=${df})`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0, hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(T ≤ t) for Student's t: 1 − ½·I_{df/(df+t²)}(df/2, ½) for t ≥ 0. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * regIncBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Regularised incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes §6.4). */
function regIncBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - regIncBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + num * d; if (Math.abs(d) < tiny) d = tiny; d = 1 / d;
      c = 1 + num / c; if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return (front * f) / a;
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative). */
function lgamma(x: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  x -= 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}

import type { Rng } from "../sdk/rng.js";

/**
 * Statistics over seeds: mean, SD, Student-t confidence intervals, paired differences and a
 * percentile bootstrap. Pure numerics.
 *
 * The t quantile is computed (regularised incomplete beta by Lentz's continued fraction, inverted
 * by bisection), not looked up: a dependency for it (@stdlib's t-quantile) pulls in ~230 packages,
 * and jstat is unmaintained since 2020.
 */

export interface Interval { readonly n: number; readonly mean: number; readonly sd: number; readonly lo: number; readonly hi: number }

export function mean(xs: readonly number[]): number {
  if (!xs.length) throw new Error("mean of no values");
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample SD (n − 1); 0 for a single value. */
export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** ln Γ(x), Lanczos (g = 7, n = 9): ~1e-15 relative for x > 0. */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    for (const num of [(m * (b - m) * x) / ((a + m2 - 1) * (a + m2)), (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))]) {
      d = 1 + num * d; d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c; if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-16) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student-t CDF with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Student-t quantile: the t with P(T ≤ t) = p, by bisection on the CDF (monotone; ~1e-12 absolute). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`t quantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new Error(`t quantile: degrees of freedom must be > 0, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0, hi = 1;
  while (tCdf(hi, df) < p) { lo = hi; hi *= 2; }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Mean with its two-sided Student-t confidence interval (level 0.95 by default): mean ± t·sd/√n,
 * t the (1 + level)/2 quantile with n − 1 degrees of freedom. With one value the interval is
 * unbounded (−∞, ∞): one seed says nothing about seed variance.
 */
export function tInterval(xs: readonly number[], level = 0.95): Interval {
  if (!(level > 0 && level < 1)) throw new Error(`confidence level must be in (0, 1), got ${level}`);
  const n = xs.length, m = mean(xs), s = sd(xs);
  if (n < 2) return { n, mean: m, sd: s, lo: -Infinity, hi: Infinity };
  const half = (tQuantile((1 + level) / 2, n - 1) * s) / Math.sqrt(n);
  return { n, mean: m, sd: s, lo: m - half, hi: m + half };
}

/** Paired difference a − b (same seed in both): the t interval of the per-pair differences. */
export function pairedDifference(a: readonly number[], b: readonly number[], level = 0.95): Interval & { readonly resolved: boolean } {
  if (a.length !== b.length) throw new Error(`paired difference: ${a.length} vs ${b.length} values; pairs must match one to one`);
  const r = tInterval(a.map((x, i) => x - b[i]!), level);
  return { ...r, resolved: r.lo > 0 || r.hi < 0 };
}

/** Percentile bootstrap interval of the mean (`resamples` draws with replacement from `rng`). */
export function bootstrapInterval(xs: readonly number[], rng: Rng, level = 0.95, resamples = 10000): Interval {
  const n = xs.length, m = mean(xs);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[rng.int(n)]!;
    means[r] = s / n;
  }
  means.sort();
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))]!;
  return { n, mean: m, sd: sd(xs), lo: at((1 - level) / 2), hi: at((1 + level) / 2) };
}

/**
 * Conditions are comma-joined parts (`node,key=value,layer=2`). A pair [A, B] names whole
 * conditions, or parts of them: then it pairs every condition containing A's parts with the one
 * that has B's parts instead and the same rest — [layer=2, layer=1] compares the layers within
 * each sweep condition, [transfer, scratch] the two arms at each training-set size.
 */
export function resolvePairs(pairs: readonly (readonly [string, string])[], conditions: readonly string[]): [string, string][] {
  const parts = (c: string) => c.split(",");
  const key = (xs: readonly string[]) => [...xs].sort().join("\u0000");
  const byParts = new Map(conditions.map((c) => [key(parts(c)), c]));
  const out: [string, string][] = [];
  for (const [a, b] of pairs) {
    const pa = parts(a), pb = parts(b);
    let found = 0;
    for (const c of conditions) {
      const pc = parts(c);
      if (!pa.every((x) => pc.includes(x))) continue;
      const partner = byParts.get(key([...pc.filter((x) => !pa.includes(x)), ...pb]));
      if (partner !== undefined && partner !== c) { out.push([c, partner]); found++; }
    }
    if (!found) throw new Error(`pair [${a}, ${b}] matches no two conditions; conditions are: ${conditions.join("; ")}`);
  }
  return out;
}

/** One measurement: a metric's value for one condition and one seed. */
export interface Observation { readonly metric: string; readonly condition: string; readonly seed: string; readonly value: number }
export interface ConditionSummary extends Interval { readonly metric: string; readonly condition: string }
export interface Difference extends Interval { readonly metric: string; readonly a: string; readonly b: string; readonly resolved: boolean; readonly seeds: readonly string[] }

/**
 * Per metric and condition the mean with its t interval over seeds; per metric and pair of
 * conditions (a, b) the paired difference a − b over the seeds both have. `pairs` defaults to
 * the first condition (in order of appearance) against each other one. A seed that only one
 * side of a pair has is an error naming it (`missing: "error"`), or is left out of that pair.
 */
export function compareConditions(obs: readonly Observation[], opts: { pairs?: readonly (readonly [string, string])[]; level?: number; missing?: "error" | "drop" } = {}):
  { conditions: ConditionSummary[]; differences: Difference[] } {
  const level = opts.level ?? 0.95;
  const metrics = [...new Set(obs.map((o) => o.metric))];
  const conditionNames = [...new Set(obs.map((o) => o.condition))];
  const byKey = new Map<string, Map<string, number>>(); // metric \u0000 condition → seed → value
  for (const o of obs) {
    const key = `${o.metric}\u0000${o.condition}`;
    const m = byKey.get(key) ?? new Map<string, number>();
    if (m.has(o.seed)) throw new Error(`metric ${o.metric}, condition ${o.condition}: two values for seed ${o.seed}; the condition must tell every variant of one seed apart`);
    m.set(o.seed, o.value);
    byKey.set(key, m);
  }
  const conditions: ConditionSummary[] = [];
  for (const metric of metrics) for (const condition of conditionNames) {
    const m = byKey.get(`${metric}\u0000${condition}`);
    if (m) conditions.push({ metric, condition, ...tInterval([...m.values()], level) });
  }
  const pairs = opts.pairs ? resolvePairs(opts.pairs, conditionNames) : conditionNames.slice(1).map((c) => [conditionNames[0]!, c] as const);
  const differences: Difference[] = [];
  for (const metric of metrics) for (const [a, b] of pairs) {
    const ma = byKey.get(`${metric}\u0000${a}`), mb = byKey.get(`${metric}\u0000${b}`);
    if (!ma || !mb) continue;
    const seeds = [...ma.keys()].filter((s) => mb.has(s));
    const unpaired = [...[...ma.keys()].filter((s) => !mb.has(s)).map((s) => `${s} (only in ${a})`), ...[...mb.keys()].filter((s) => !ma.has(s)).map((s) => `${s} (only in ${b})`)];
    if (unpaired.length && (opts.missing ?? "error") === "error") {
      throw new Error(`metric ${metric}: cannot pair ${a} with ${b}: seed ${unpaired.join(", ")} has no partner; run the missing variants, or set missing: drop to compare on the seeds both have`);
    }
    if (!seeds.length) continue;
    const d = pairedDifference(seeds.map((s) => ma.get(s)!), seeds.map((s) => mb.get(s)!), level);
    differences.push({ metric, a, b, seeds, ...d });
  }
  return { conditions, differences };
}

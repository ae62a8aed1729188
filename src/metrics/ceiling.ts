import type { Rng } from "../sdk/rng.js";

/**
 * Brain-Score's scoring pieces besides the mapping (science.md §3.2): Pearson r, the split-half
 * internal-consistency ceiling over repetitions with Spearman–Brown correction, and stratified
 * shuffle splits. Pure numerics.
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`pearson: ${n} vs ${b.length} values`);
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]! / n; mb += b[i]! / n; }
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { const x = a[i]! - ma, y = b[i]! - mb; sab += x * y; saa += x * x; sbb += y * y; }
  return saa && sbb ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Spearman–Brown: the reliability of the full data from the correlation r of two halves (`factor` = 2 for halves). */
export const spearmanBrown = (r: number, factor = 2) => (factor * r) / (1 + (factor - 1) * r);

/**
 * Split-half ceiling of one neuron's responses `reps[repetition][stimulus]`: over `splits` random
 * halvings of the repetitions, the correlation of the two halves' mean responses, Spearman–Brown
 * corrected; the median over splits.
 */
export function splitHalfCeiling(reps: readonly ArrayLike<number>[], rng: Rng, splits = 10): number {
  const R = reps.length, S = reps[0]!.length;
  if (R < 2) throw new Error("a split-half ceiling needs at least 2 repetitions");
  const values: number[] = [];
  for (let s = 0; s < splits; s++) {
    const order = Array.from({ length: R }, (_, i) => i);
    for (let i = R - 1; i > 0; i--) { const j = rng.int(i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
    const half = Math.floor(R / 2), a = new Float64Array(S), b = new Float64Array(S);
    order.slice(0, half).forEach((r) => { for (let k = 0; k < S; k++) a[k]! += reps[r]![k]! / half; });
    order.slice(half).forEach((r) => { for (let k = 0; k < S; k++) b[k]! += reps[r]![k]! / (R - half); });
    values.push(spearmanBrown(pearson(a, b)));
  }
  values.sort((x, y) => x - y);
  return values[Math.floor(values.length / 2)]!;
}

/** `splits` seeded train/test index splits with each label's share kept (sklearn's StratifiedShuffleSplit idea). */
export function stratifiedShuffleSplit(labels: readonly string[], splits: number, trainFraction: number, rng: Rng): { train: number[]; test: number[] }[] {
  const byLabel = new Map<string, number[]>();
  labels.forEach((l, i) => { const g = byLabel.get(l) ?? []; g.push(i); byLabel.set(l, g); });
  return Array.from({ length: splits }, () => {
    const train: number[] = [], test: number[] = [];
    for (const [, idx] of [...byLabel].sort(([a], [b]) => a.localeCompare(b))) {
      const o = idx.slice();
      for (let i = o.length - 1; i > 0; i--) { const j = rng.int(i + 1); [o[i], o[j]] = [o[j]!, o[i]!]; }
      const k = Math.round(o.length * trainFraction);
      train.push(...o.slice(0, k)); test.push(...o.slice(k));
    }
    return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
  });
}

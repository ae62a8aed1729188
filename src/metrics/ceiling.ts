import type { Rng } from "../sdk/rng.js";

/**
 * Brain-Score's scoring pieces besides the mapping (science.md §3.2): Pearson r, the split-half
 * internal-consistency ceiling over repetitions with Spearman–Brown correction, and stratified
 * shuffle splits. Pure numerics.
 */
export const median = (v: readonly number[]) => { const s = [...v].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

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
 * Brain-Score's internal-consistency ceiling: `splits` random halvings of the repetitions
 * (shared by all neurons), per neuron the Pearson r across stimuli between the halves' means,
 * Spearman–Brown corrected; median over neurons, mean over splits. `trials` is S × N × R
 * (NaN = missing trial, left out of its half's mean).
 */
export function internalConsistency(trials: Float64Array, S: number, N: number, R: number, rng: Rng, splits = 10): { ceiling: number; perNeuron: Float64Array } {
  if (R < 2) throw new Error("the split-half ceiling needs ≥ 2 repetitions per stimulus; this recording has 1");
  const perNeuron = new Float64Array(N), values: number[] = [];
  for (let k = 0; k < splits; k++) {
    const order = Array.from({ length: R }, (_, i) => i);
    for (let i = R - 1; i > 0; i--) { const j = rng.int(i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
    const inA = new Uint8Array(R);
    order.slice(0, R >> 1).forEach((r) => { inA[r] = 1; });
    const rs: number[] = [];
    for (let n = 0; n < N; n++) {
      const a = new Float64Array(S), b = new Float64Array(S);
      for (let s = 0; s < S; s++) {
        let sa = 0, ca = 0, sb = 0, cb = 0;
        for (let r = 0; r < R; r++) {
          const v = trials[(s * N + n) * R + r]!;
          if (Number.isNaN(v)) continue;
          if (inA[r]) { sa += v; ca++; } else { sb += v; cb++; }
        }
        a[s] = ca ? sa / ca : NaN; b[s] = cb ? sb / cb : NaN;
      }
      const keep = Array.from({ length: S }, (_, s) => s).filter((s) => !Number.isNaN(a[s]!) && !Number.isNaN(b[s]!));
      const r = spearmanBrown(pearson(keep.map((s) => a[s]!), keep.map((s) => b[s]!)));
      rs.push(r); perNeuron[n]! += r / splits;
    }
    values.push(median(rs));
  }
  return { ceiling: values.reduce((x, y) => x + y, 0) / values.length, perNeuron };
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

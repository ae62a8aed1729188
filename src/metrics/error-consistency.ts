import { bootstrapMean } from "../analysis/texture.js";
import type { Rng } from "../sdk/rng.js";

/**
 * Error consistency (Geirhos, Meding & Wichmann 2020; science.md §3.4): do two observers (models,
 * people) get the *same* trials right and wrong, beyond what their accuracies alone predict?
 * Two independent observers with accuracies p1, p2 agree (both right or both wrong) on
 *   c_exp = p1·p2 + (1 − p1)(1 − p2)
 * of the trials; with c_obs the observed agreement, Cohen's κ = (c_obs − c_exp)/(1 − c_exp):
 * 0 for independent errors, 1 for identical trial-by-trial correctness, < 0 for complementary ones.
 *
 * κ is undefined when c_exp = 1, i.e. both observers are right on every trial or both wrong on
 * every trial (0/0: there are no errors to be consistent about). It is then NaN, and aggregates
 * over conditions leave it out and count it (`undefinedConditions`), rather than calling it 0 or 1.
 */
export interface Agreement {
  readonly n: number;
  /** Accuracies of the two observers. */
  readonly p1: number;
  readonly p2: number;
  readonly cObs: number;
  readonly cExp: number;
  /** NaN when undefined (both accuracies 1, or both 0). */
  readonly kappa: number;
}

/** κ from two aligned sequences of trial correctness (true/1 = right). */
export function errorConsistency(a: ArrayLike<boolean | number>, b: ArrayLike<boolean | number>): Agreement {
  if (a.length !== b.length) throw new Error(`error consistency needs the same trials for both observers (got ${a.length} and ${b.length})`);
  const n = a.length;
  if (n === 0) throw new Error("error consistency needs at least one trial");
  let r1 = 0, r2 = 0, same = 0;
  for (let i = 0; i < n; i++) {
    const x = !!a[i], y = !!b[i];
    if (x) r1++;
    if (y) r2++;
    if (x === y) same++;
  }
  const p1 = r1 / n, p2 = r2 / n, cObs = same / n;
  const cExp = p1 * p2 + (1 - p1) * (1 - p2);
  // Exactly the two degenerate cases; compared on counts, so rounding cannot hide them.
  const undefinedKappa = (r1 === n && r2 === n) || (r1 === 0 && r2 === 0);
  return { n, p1, p2, cObs, cExp, kappa: undefinedKappa ? NaN : (cObs - cExp) / (1 - cExp) };
}

/** One trial of one observer: which stimulus, under which condition, and whether the answer was right. */
export interface Trial { readonly condition: string; readonly item: string; readonly correct: boolean }

export interface ConditionAgreement extends Agreement { readonly condition: string }

/**
 * κ per condition (e.g. corruption × severity) over the trials both observers saw, matched by
 * (condition, item); trials only one of them saw are ignored. An observer may see an item at most
 * once per condition (several people are several observers).
 */
export function conditionAgreements(a: readonly Trial[], b: readonly Trial[]): ConditionAgreement[] {
  const index = (ts: readonly Trial[], who: string) => {
    const m = new Map<string, Map<string, boolean>>();
    for (const t of ts) {
      let c = m.get(t.condition);
      if (!c) m.set(t.condition, (c = new Map()));
      if (c.has(t.item)) throw new Error(`observer ${who} saw item '${t.item}' twice under condition '${t.condition}'; give each observer (e.g. each subject) its own trials`);
      c.set(t.item, t.correct);
    }
    return m;
  };
  const A = index(a, "1"), B = index(b, "2");
  const out: ConditionAgreement[] = [];
  for (const [condition, ca] of [...A].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const cb = B.get(condition);
    if (!cb) continue;
    const xs: boolean[] = [], ys: boolean[] = [];
    for (const [item, v] of ca) { const w = cb.get(item); if (w !== undefined) { xs.push(v); ys.push(w); } }
    if (xs.length) out.push({ condition, ...errorConsistency(xs, ys) });
  }
  return out;
}

export interface Summary {
  /** Mean κ over the conditions where it is defined (NaN if none). */
  readonly kappa: number;
  /** 95 % percentile-bootstrap CI of that mean, resampling conditions. */
  readonly lo: number;
  readonly hi: number;
  readonly conditions: number;
  readonly undefinedConditions: number;
  readonly trials: number;
}

/** Geirhos et al.'s aggregate: κ computed per condition, then averaged over conditions. */
export function summarise(perCondition: readonly ConditionAgreement[], rng: Rng): Summary {
  const defined = perCondition.filter((c) => Number.isFinite(c.kappa)).map((c) => c.kappa);
  const trials = perCondition.reduce((s, c) => s + c.n, 0);
  if (!defined.length) return { kappa: NaN, lo: NaN, hi: NaN, conditions: 0, undefinedConditions: perCondition.length, trials };
  const b = bootstrapMean(defined, rng);
  return { kappa: b.mean, lo: b.lo, hi: b.hi, conditions: defined.length, undefinedConditions: perCondition.length - defined.length, trials };
}

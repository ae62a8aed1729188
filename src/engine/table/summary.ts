import type * as arrow from "apache-arrow";
import { columnTypeOf, columnTypeToString } from "./spec.js";

/** Per-column statistics kept in stage records, so `lcl diff` can show deltas without reading tables. */
export interface ColumnSummary {
  readonly name: string;
  readonly type: string;
  readonly nulls: number;
  readonly min?: number | string;
  readonly max?: number | string;
  readonly mean?: number | NonFinite;
  readonly std?: number | NonFinite;
  readonly distinct?: number;
}

const DISTINCT_CAP = 10_000;

/** A statistic JSON cannot hold as a number (JSON.stringify would write null): kept as its name. */
export type NonFinite = "Infinity" | "-Infinity" | "NaN";
const jsonNumber = (x: number): number | NonFinite => Number.isFinite(x) ? x : String(x) as NonFinite;

function numeric(values: Iterable<unknown>) {
  // Welford over the finite values only (stable for long columns; one infinity would turn every
  // later update into NaN); the infinities then decide min, max, mean and std on their own.
  let n = 0, mean = 0, m2 = 0, min = Infinity, max = -Infinity, pos = 0, neg = 0;
  for (const raw of values) {
    if (raw === null || raw === undefined) continue;
    const x = Number(raw);
    if (Number.isNaN(x)) continue;
    if (x === Infinity) { pos++; continue; }
    if (x === -Infinity) { neg++; continue; }
    n++;
    const d = x - mean; mean += d / n; m2 += d * (x - mean);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (!n && !pos && !neg) return {};
  return {
    min: jsonNumber(neg ? -Infinity : n ? min : Infinity),
    max: jsonNumber(pos ? Infinity : n ? max : -Infinity),
    mean: jsonNumber(pos && neg ? NaN : pos ? Infinity : neg ? -Infinity : mean),
    std: jsonNumber(pos || neg ? NaN : n > 1 ? Math.sqrt(m2 / (n - 1)) : 0),
  };
}

function* flatten(col: arrow.Vector): Generator<unknown> {
  for (const row of col) {
    if (row && typeof row === "object" && typeof (row as any)[Symbol.iterator] === "function") yield* row as Iterable<unknown>;
    else yield row;
  }
}

export function summarize(table: arrow.Table): { rows: number; columns: ColumnSummary[] } {
  const columns = table.schema.fields.map((f, i): ColumnSummary => {
    const col = table.getChildAt(i)!;
    const t = columnTypeOf(f.type);
    const type = t ? columnTypeToString(t) : String(f.type);
    const base = { name: f.name, type, nulls: col.nullCount };
    if (type === "utf8" || type === "bool") {
      const seen = new Set<unknown>();
      let min: string | undefined, max: string | undefined;
      for (const v of col) {
        if (v === null) continue;
        if (seen.size < DISTINCT_CAP) seen.add(v);
        if (type === "utf8") { const s = String(v); if (min === undefined || s < min) min = s; if (max === undefined || s > max) max = s; }
      }
      return { ...base, ...(seen.size < DISTINCT_CAP ? { distinct: seen.size } : {}), ...(min !== undefined ? { min, max: max! } : {}) };
    }
    const values = typeof t === "object" ? flatten(col) : (col.nullCount === 0 ? col.toArray() : col);
    return { ...base, ...numeric(values as Iterable<unknown>) };
  });
  return { rows: table.numRows, columns };
}

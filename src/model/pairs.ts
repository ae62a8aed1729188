import type * as arrow from "apache-arrow";
import { distinctImages } from "../data/provenance.js";

/** Patch pairs from a `patches` table, flattened into two contiguous arrays (A sides, B sides). */
export interface Pairs { readonly count: number; readonly side: number; readonly a: Float32Array; readonly b: Float32Array }

export function pairsFromTable(t: arrow.Table): Pairs {
  const count = t.numRows;
  if (!count) throw new Error("the patch-pair table is empty");
  const flat = (name: string) => {
    const col = t.getChild(name);
    if (!col) throw new Error(`the patch-pair table has no column '${name}'`);
    const first = col.get(0)!.length as number;
    const out = new Float32Array(count * first);
    for (let i = 0; i < count; i++) {
      const v = col.get(i)!.toArray() as Float32Array;
      if (v.length !== first) throw new Error(`patch ${i} has ${v.length} values, patch 0 has ${first}`);
      out.set(v, i * first);
    }
    return { out, first };
  };
  const a = flat("a"), b = flat("b");
  const side = Math.round(Math.sqrt(a.first));
  if (side * side !== a.first) throw new Error(`patches of ${a.first} values are not square`);
  return { count, side, a: a.out, b: b.out };
}

/**
 * Provenance of a pairs table: the distinct ids in its `image` column (natural-images ids, as
 * `patches` writes them), sorted; undefined when the table has no such column (pairs made
 * elsewhere), i.e. unknown.
 */
export function imagesOf(t: arrow.Table): string[] | undefined {
  const col = t.getChild("image");
  return col ? distinctImages(col) : undefined;
}

/** A sides of `idx`, then B sides, as one [2n·side·side] array. */
export function gatherPairs(p: Pairs, idx: Int32Array): Float32Array {
  return gatherRows(p.a, p.b, p.side * p.side, idx);
}

/** Rows `idx` (of `per` values each) of `a`, then the same rows of `b`. */
export function gatherRows(a: Float32Array, b: Float32Array, per: number, idx: Int32Array): Float32Array {
  const n = idx.length, out = new Float32Array(2 * n * per);
  idx.forEach((j, k) => {
    out.set(a.subarray(j * per, (j + 1) * per), k * per);
    out.set(b.subarray(j * per, (j + 1) * per), (n + k) * per);
  });
  return out;
}

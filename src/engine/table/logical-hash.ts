import type * as arrow from "apache-arrow";
import { arrowLib } from "./arrow-lib.js";
import { createHash, type Hash } from "node:crypto";
import { columnTypeOf, columnTypeToString } from "./spec.js";

/**
 * sha256 of a table's logical content: column names and types, then each column's values as
 * separate streams (values, lengths, null positions). Streams only ever append, so the digest is
 * the same however the rows are split into record batches or sliced, and whether the bytes came
 * from Arrow IPC or Parquet. Fixed-width values are hashed straight from their buffers.
 */
class Streams {
  readonly #m = new Map<string, { h: Hash; n: number }>();
  get(key: string) {
    let s = this.#m.get(key);
    if (!s) { s = { h: createHash("sha256"), n: 0 }; this.#m.set(key, s); }
    return s;
  }
  digestInto(out: Hash) {
    for (const k of [...this.#m.keys()].sort()) { out.update(k); out.update(this.#m.get(k)!.h.digest()); }
  }
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const bit = (bitmap: Uint8Array, i: number) => (bitmap[i >> 3]! >> (i & 7)) & 1;

// apache-arrow slices lazily: fixed-width value buffers and offset buffers are already cut to the
// slice (index from 0), while validity and boolean bitmaps keep the bit offset `d.offset`;
// fixed-size-list and struct children are sliced with their parent, list children are not.
function feed(d: arrow.Data, from: number, count: number, key: string, s: Streams) {
  const base = s.get(key);
  const nulls: number[] = [];
  if (d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length) {
    for (let i = 0; i < count; i++) if (!bit(d.nullBitmap, d.offset + from + i)) nulls.push(i);
    if (nulls.length) s.get(`${key}#nulls`).h.update(bytesOf(Float64Array.from(nulls, (i) => base.n + i)));
  }
  const type = d.type;
  if (arrowLib().DataType.isInt(type) || arrowLib().DataType.isFloat(type)) {
    let v = (d.values as ArrayBufferView & { subarray(a: number, b: number): ArrayBufferView }).subarray(from, from + count);
    if (nulls.length) { v = (v as any).slice(); for (const i of nulls) (v as any)[i] = arrowLib().DataType.isInt(type) && type.bitWidth === 64 ? 0n : 0; }
    base.h.update(bytesOf(v));
  } else if (arrowLib().DataType.isBool(type)) {
    const v = new Uint8Array(count);
    for (let i = 0; i < count; i++) v[i] = bit(d.values as Uint8Array, d.offset + from + i);
    for (const i of nulls) v[i] = 0;
    base.h.update(v);
  } else if (arrowLib().DataType.isUtf8(type) || arrowLib().DataType.isBinary(type) || arrowLib().DataType.isLargeUtf8(type)) {
    const off = d.valueOffsets as Int32Array | BigInt64Array;
    const o = (i: number) => Number(off[from + i]!);
    const lengths = new Float64Array(count);
    for (let i = 0; i < count; i++) lengths[i] = o(i + 1) - o(i);
    s.get(`${key}#len`).h.update(bytesOf(lengths));
    base.h.update((d.values as Uint8Array).subarray(o(0), o(count)));
  } else if (arrowLib().DataType.isList(type)) {
    const off = d.valueOffsets as Int32Array;
    const lengths = new Float64Array(count);
    for (let i = 0; i < count; i++) lengths[i] = off[from + i + 1]! - off[from + i]!;
    s.get(`${key}#len`).h.update(bytesOf(lengths));
    feed(d.children[0]!, off[from]!, off[from + count]! - off[from]!, `${key}.item`, s);
  } else if (arrowLib().DataType.isFixedSizeList(type)) {
    const size = (type as arrow.FixedSizeList).listSize;
    feed(d.children[0]!, from * size, count * size, `${key}.item`, s);
  } else if (arrowLib().DataType.isStruct(type)) {
    d.children.forEach((c, i) => feed(c, from, count, `${key}.${(type as arrow.Struct).children[i]!.name}`, s));
  } else {
    throw new Error(`logical hash: unsupported Arrow type ${String(type)}`);
  }
  base.n += count;
}

/** Type names normalised so Arrow and Parquet round trips agree (e.g. LargeUtf8 → utf8). */
function typeName(t: arrow.DataType): string {
  const c = columnTypeOf(t);
  return c ? columnTypeToString(c) : String(t);
}

/** `volatile` columns (timings and other measurements of the run itself) count by name and type only. */
export function logicalHash(table: arrow.Table, volatile: readonly string[] = []): string {
  const out = createHash("sha256");
  out.update(`lcl-table-v1\n${table.numRows}\n`);
  for (const f of table.schema.fields) out.update(`${JSON.stringify(f.name)}:${typeName(f.type)}\n`);
  table.schema.fields.forEach((f, i) => {
    if (volatile.includes(f.name)) return;
    const s = new Streams();
    for (const d of table.getChildAt(i)!.data) feed(d, 0, d.length, "v", s);
    s.digestInto(out);
  });
  return out.digest("hex");
}

import type * as arrow from "apache-arrow";
import { decodeTable } from "../engine/table/index.js";
import type { OutputRecord, Store } from "../engine/store.js";

/**
 * A table output brought into plain JS for previews and plots: scalar columns only (lists are
 * shown abbreviated in the preview), values capped so a million-row table costs a bounded amount.
 */
export interface Column { readonly name: string; readonly type: string; readonly values: readonly unknown[] }
export interface LoadedTable {
  readonly rows: number;
  /** The first rows, every column (lists included), for the preview. */
  readonly head: readonly (readonly unknown[])[];
  readonly fields: readonly { readonly name: string; readonly type: string }[];
  /** Scalar columns, evenly subsampled to at most `sampleCap` rows (all rows when smaller). */
  readonly columns: readonly Column[];
  readonly sampled: boolean;
}

export interface TableLimits { readonly previewRows: number; readonly sampleCap: number; readonly maxBytes: number }
export const DEFAULT_LIMITS: TableLimits = { previewRows: 8, sampleCap: 20_000, maxBytes: 64 << 20 };

const SCALAR = /^(bool|int32|int64|float32|float64|utf8)$/;

export async function loadTable(store: Store, out: OutputRecord, limits: TableLimits = DEFAULT_LIMITS): Promise<LoadedTable | { skipped: string }> {
  if (out.bytes > limits.maxBytes) return { skipped: `not previewed: ${Math.round(out.bytes / (1 << 20))} MiB is over the report's ${limits.maxBytes >> 20} MiB cap (summaries above come from the stage record)` };
  if (!store.hasObject(out.object)) return { skipped: "its object is no longer in the store (gc'd or quarantined)" };
  const t: arrow.Table = await decodeTable(await store.readObject(out.object), out.format === "parquet" ? "parquet" : "arrow");
  const types = out.schema ?? {};
  const fields = t.schema.fields.map((f) => ({ name: f.name, type: types[f.name] ?? String(f.type) }));
  const n = t.numRows;
  const head: unknown[][] = [];
  for (let i = 0; i < Math.min(limits.previewRows, n); i++) head.push(fields.map((f) => cell(t.getChild(f.name)!.get(i))));
  const stride = n > limits.sampleCap ? n / limits.sampleCap : 1;
  const idx = stride === 1 ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: limits.sampleCap }, (_, i) => Math.floor(i * stride));
  const columns = fields.filter((f) => SCALAR.test(f.type)).map((f) => {
    const v = t.getChild(f.name)!;
    return { name: f.name, type: f.type, values: idx.map((i) => cell(v.get(i))) };
  });
  return { rows: n, head, fields, columns, sampled: stride !== 1 };
}

function cell(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v && typeof v === "object" && typeof (v as { toArray?: unknown }).toArray === "function") return (v as { toArray(): unknown }).toArray();
  return v;
}

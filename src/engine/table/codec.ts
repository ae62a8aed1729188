import type * as arrow from "apache-arrow";
import { arrowLib } from "./arrow-lib.js";

/**
 * Bytes on disk. Arrow IPC (file format) for intermediates, written as ONE record batch without
 * schema metadata so equal content gives equal bytes; Parquet (Snappy: the codec every reader
 * supports; this parquet-wasm build lacks ZSTD) for tables users read with DuckDB, pandas or R.
 */
function singleBatch(table: arrow.Table): arrow.Table {
  // Canonical form: every field nullable, no metadata, one contiguous batch.
  const fields = table.schema.fields.map((f) => new (arrowLib()).Field(f.name, f.type, true));
  const children = table.schema.fields.map((_, i) => {
    const v = table.getChildAt(i)!;
    return v.data.length === 1 ? v.data[0]! : concatData(v);
  });
  const schema = new (arrowLib()).Schema(fields);
  const data = arrowLib().makeData({ type: new (arrowLib()).Struct(fields), length: table.numRows, nullCount: 0, children });
  return new (arrowLib()).Table(schema, [new (arrowLib()).RecordBatch(schema, data)]);
}

/** One contiguous Data for a chunked column (apache-arrow has no public concat). */
function concatData(v: arrow.Vector): arrow.Data {
  const t = v.type;
  const hasNulls = v.data.some((d) => d.nullCount > 0);
  if (!hasNulls && (arrowLib().DataType.isInt(t) || arrowLib().DataType.isFloat(t))) return arrowLib().makeVector(v.toArray() as never).data[0]!;
  if (!hasNulls && arrowLib().DataType.isFixedSizeList(t)) {
    const size = t.listSize;
    const child = arrowLib().makeVector(v.data.map((d) => {
      const c = d.children[0]!; // sliced together with its parent
      return c.slice(0, d.length * size);
    }) as never);
    const flat = concatData(child);
    return arrowLib().makeData({ type: t, length: v.length, nullCount: 0, child: flat });
  }
  // Other types (utf8, bool, lists, anything with nulls): rebuild through the builder.
  const b = arrowLib().makeBuilder({ type: t, nullValues: [null, undefined] });
  for (const x of v) b.append(x as never);
  return b.finish().flush();
}

export function encodeArrowIpc(table: arrow.Table): Uint8Array {
  return arrowLib().tableToIPC(singleBatch(table), "file");
}

// parquet-wasm compiles a 15 MB wasm module on import: load it only when Parquet is used.
let parquet: Promise<typeof import("parquet-wasm")> | undefined;
const pqModule = () => (parquet ??= import("parquet-wasm"));

export async function encodeParquet(table: arrow.Table): Promise<Uint8Array> {
  const pq = await pqModule();
  const ipc = arrowLib().tableToIPC(singleBatch(table), "stream");
  // Plain encoding, v1 data pages: dictionary (RLE_DICTIONARY) pages are not readable by every
  // reader (parquetjs-lite rejects them), and portability matters more here than file size.
  // writeParquet takes ownership of the properties, so they are built per call.
  const props = new pq.WriterPropertiesBuilder().setCompression(pq.Compression.SNAPPY).setDictionaryEnabled(false)
    .setWriterVersion(pq.WriterVersion.V1).setCreatedBy("lcl").build();
  return pq.writeParquet(pq.Table.fromIPCStream(ipc), props);
}

export async function decodeTable(bytes: Uint8Array, format: "arrow" | "parquet"): Promise<arrow.Table> {
  if (format === "arrow") return arrowLib().tableFromIPC(bytes);
  const t = (await pqModule()).readParquet(bytes);
  return arrowLib().tableFromIPC(t.intoIPCStream());
}

import * as arrow from "apache-arrow";
import * as pq from "parquet-wasm";

/**
 * Bytes on disk. Arrow IPC (file format) for intermediates, written as ONE record batch without
 * schema metadata so equal content gives equal bytes; Parquet (ZSTD: smaller than snappy on
 * float data at similar speed here) for tables users read with DuckDB, pandas or R.
 */
function singleBatch(table: arrow.Table): arrow.Table {
  const plain = new arrow.Schema(table.schema.fields.map((f) => new arrow.Field(f.name, f.type, f.nullable)));
  if (table.batches.length === 1 && table.schema.metadata.size === 0) return table;
  const cols: Record<string, arrow.Vector> = {};
  table.schema.fields.forEach((f, i) => {
    const v = table.getChildAt(i)!;
    // Concatenate chunks into one contiguous Data (makeVector over the combined data).
    cols[f.name] = v.data.length === 1 ? v : arrow.makeVector(concatData(v));
  });
  return new arrow.Table(plain, new arrow.Table(cols).batches);
}

function concatData(v: arrow.Vector): arrow.Data {
  // apache-arrow has no public concat for Data; rebuilding through the builder API is correct for all our types.
  const b = arrow.makeBuilder({ type: v.type, nullValues: [null, undefined] });
  for (const x of v) b.append(x as never);
  return b.finish().flush();
}

export function encodeArrowIpc(table: arrow.Table): Uint8Array {
  return arrow.tableToIPC(singleBatch(table), "file");
}

let props: pq.WriterProperties | undefined;
function writerProps() {
  // Built once and reused: writeParquet consumes nothing but a fresh builder per call costs wasm allocations.
  props ??= new pq.WriterPropertiesBuilder().setCompression(pq.Compression.ZSTD).setCreatedBy("lcl").build();
  return props;
}

export function encodeParquet(table: arrow.Table): Uint8Array {
  const ipc = arrow.tableToIPC(singleBatch(table), "stream");
  const wasmTable = pq.Table.fromIPCStream(ipc);
  // writeParquet takes ownership of the properties object, so build a fresh one per call.
  props = undefined;
  return pq.writeParquet(wasmTable, writerProps());
}

export function decodeTable(bytes: Uint8Array, format: "arrow" | "parquet"): arrow.Table {
  if (format === "arrow") return arrow.tableFromIPC(bytes);
  const t = pq.readParquet(bytes);
  return arrow.tableFromIPC(t.intoIPCStream());
}

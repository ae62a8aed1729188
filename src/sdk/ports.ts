import type { FilePort, JsonPort, TablePort, TableSpec, TensorsPort } from "../engine/contract/index.js";

/** Stage ports: the types are the engine's contract; the SDK adds the builders stage authors write. */
export type * from "../engine/contract/ports.js";

type Opts<P> = Omit<P, "kind" | "columns" | "ext">;
export const port = {
  /** Arrow table; `format: "parquet"` stores it as Parquet for reading outside lcl (DuckDB, pandas, R). */
  table: <const C extends TableSpec, const O extends Opts<TablePort>>(columns: C, opts?: O) => ({ kind: "table", columns, ...opts }) as { kind: "table"; columns: C } & O,
  tensors: <const O extends Opts<TensorsPort>>(opts?: O) => ({ kind: "tensors", ...opts }) as { kind: "tensors" } & O,
  json: <const O extends Opts<JsonPort>>(opts?: O) => ({ kind: "json", ...opts }) as { kind: "json" } & O,
  file: <const O extends Opts<FilePort>>(ext: string, opts?: O) => ({ kind: "file", ext, ...opts }) as { kind: "file"; ext: string } & O,
};

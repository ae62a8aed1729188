import type * as arrow from "apache-arrow";
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { decodeTable } from "./codec.js";

/** Read a table file a lab brings along: Parquet (`.parquet`, `.pq`) or Arrow IPC (`.arrow`, `.feather`, `.ipc`). */
export async function readTableFile(file: string): Promise<arrow.Table> {
  const ext = path.extname(file).toLowerCase();
  const format = ext === ".parquet" || ext === ".pq" ? "parquet" : ext === ".arrow" || ext === ".feather" || ext === ".ipc" ? "arrow" : undefined;
  if (!format) throw new Error(`${file}: unknown table format '${ext}'; use Parquet (.parquet) or Arrow IPC (.arrow)`);
  try {
    return await decodeTable(new Uint8Array(await readFile(file)), format);
  } catch (e) {
    throw new Error(`${file}: not a readable ${format === "parquet" ? "Parquet" : "Arrow IPC"} file (${(e as Error).message.split("\n")[0]})`);
  }
}

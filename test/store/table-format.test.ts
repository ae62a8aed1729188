import * as arrow from "apache-arrow";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Schema } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutputRecordFile } from "../../src/engine/store-files.js";
import {
  conformTable, decodeTable, encodeArrowIpc, encodeParquet, logicalHash, specCompatibility, summarize, tableFromColumns, type TableSpec,
} from "../../src/engine/table/index.js";

const spec = { id: "int64", name: "utf8", value: "float64", pixels: { list: "float32", size: 4 } } as const satisfies TableSpec;
const N = 50;
const columns = () => ({
  id: BigInt64Array.from({ length: N }, (_, i) => BigInt(i)),
  name: Array.from({ length: N }, (_, i) => (i % 7 === 0 ? "é-" : "n") + i),
  value: Float64Array.from({ length: N }, (_, i) => i / 3),
  pixels: Float32Array.from({ length: N * 4 }, (_, i) => Math.sin(i)),
});
const base = () => tableFromColumns(spec, columns());

/** The same rows as `base`, split into several record batches. */
function rebatched(t: arrow.Table, cuts: number[]): arrow.Table {
  const edges = [0, ...cuts, t.numRows];
  const batches = edges.slice(1).flatMap((end, i) => t.slice(edges[i]!, end).batches);
  return new arrow.Table(batches);
}

const dir = mkdtempSync(path.join(os.tmpdir(), "lcl-table-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("logical hash", () => {
  it("is independent of batching, slicing and encoding", async () => {
    const t = base();
    const h = logicalHash(t);
    expect(logicalHash(rebatched(t, [10, 33]))).toBe(h);
    expect(logicalHash(base().slice(0, N))).toBe(h);
    expect(logicalHash(await decodeTable(encodeArrowIpc(t), "arrow"))).toBe(h);
    expect(logicalHash(await decodeTable(await encodeParquet(rebatched(t, [7])), "parquet"))).toBe(h);
  });

  it("changes with any value, a column name, a type, or a null", () => {
    const h = logicalHash(base());
    const c = columns(); c.value[3] = 1.5;
    expect(logicalHash(tableFromColumns(spec, c))).not.toBe(h);
    const p = columns(); p.pixels[17] = 0.25;
    expect(logicalHash(tableFromColumns(spec, p))).not.toBe(h);
    const s = columns(); s.name[0] = "x";
    expect(logicalHash(tableFromColumns(spec, s))).not.toBe(h);
    const a = tableFromColumns({ v: "float64" }, { v: Float64Array.of(1, 2) });
    expect(logicalHash(a)).not.toBe(logicalHash(tableFromColumns({ w: "float64" }, { w: Float64Array.of(1, 2) })));
    expect(logicalHash(a)).not.toBe(logicalHash(tableFromColumns({ v: "float32" }, { v: Float32Array.of(1, 2) })));
    const withNull = new arrow.Table({ v: arrow.vectorFromArray([1, null], new arrow.Float64()) });
    expect(logicalHash(withNull)).not.toBe(logicalHash(tableFromColumns({ v: "float64" }, { v: Float64Array.of(1, 0) })));
  });

  it("Arrow IPC bytes are identical for equal content however it was batched", () => {
    const t = base();
    expect(Buffer.from(encodeArrowIpc(rebatched(t, [5, 6, 40]))).equals(Buffer.from(encodeArrowIpc(t)))).toBe(true);
  });
});

describe("Parquet written by lcl is read by independent readers", () => {
  const file = path.join(dir, "t.parquet");
  beforeAll(async () => writeFileSync(file, await encodeParquet(rebatched(base(), [20]))));

  it("parquetjs-lite reads every value", async () => {
    const parquet = (await import("parquetjs-lite")).default as any;
    const reader = await parquet.ParquetReader.openFile(file);
    const cursor = reader.getCursor();
    const rows: any[] = [];
    for (let r = await cursor.next(); r; r = await cursor.next()) rows.push(r);
    await reader.close();
    expect(rows).toHaveLength(N);
    const c = columns();
    rows.forEach((r, i) => {
      expect(Number(r.id)).toBe(i);
      expect(r.name.toString()).toBe(c.name[i]);
      expect(r.value).toBe(c.value[i]);
      const px = r.pixels.list.map((e: any) => e.item ?? e.element ?? e);
      expect(Float32Array.from(px)).toEqual(c.pixels.subarray(i * 4, i * 4 + 4));
    });
  });

  it("DuckDB reads every value", async () => {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:");
    const con = await db.connect();
    const res = await con.runAndReadAll(`select id, name, value, pixels from read_parquet('${file}') order by id`);
    const rows = res.getRowObjectsJS() as any[];
    const c = columns();
    expect(rows).toHaveLength(N);
    rows.forEach((r, i) => {
      expect(Number(r.id)).toBe(i);
      expect(r.name).toBe(c.name[i]);
      expect(r.value).toBe(c.value[i]);
      expect(Float32Array.from(r.pixels)).toEqual(c.pixels.subarray(i * 4, i * 4 + 4));
    });
    con.closeSync?.();
  });
});

describe("declared columns", () => {
  it("names missing and mismatched columns, with a suggestion", () => {
    expect(specCompatibility({ value: "float64", id: "int32" }, { valeu: "float64" })[0]).toMatch(/missing column valeu .*did you mean value/);
    expect(specCompatibility({ value: "int32" }, { value: "float64" })).toEqual(["column value: provided int32, required float64"]);
    expect(specCompatibility({ value: "float64", extra: "utf8" }, { value: "float64" })).toEqual([]);
  });

  it("rejects tables that do not match what the stage declared, naming the column", () => {
    const t = tableFromColumns({ a: "float64", b: "int32" }, { a: Float64Array.of(1), b: Int32Array.of(1) });
    expect(() => conformTable(t, { a: "float64" })).toThrow(/undeclared column\(s\) b/);
    expect(() => conformTable(t, { a: "float32", b: "int32" })).toThrow(/column a: is float64, declared float32/);
    expect(() => tableFromColumns({ a: "float64" }, { a: Float64Array.of(1), z: [1] })).toThrow(/undeclared column\(s\) z/);
    expect(() => tableFromColumns({ a: "float64", b: "int32" }, { a: Float64Array.of(1, 2), b: Int32Array.of(1) })).toThrow(/column b has 1 rows/);
  });

  it("summaries give nulls, min, max, mean and std", () => {
    const t = new arrow.Table({ v: arrow.vectorFromArray([1, 2, null, 5], new arrow.Float64()), s: arrow.vectorFromArray(["b", "a", "b", "c"], new arrow.Utf8()) });
    const { rows, columns: [v, s] } = summarize(t);
    expect(rows).toBe(4);
    expect(v).toMatchObject({ name: "v", type: "float64", nulls: 1, min: 1, max: 5 });
    expect(v!.mean).toBeCloseTo(8 / 3, 12);
    expect(v!.std).toBeCloseTo(Math.sqrt(((1 - 8 / 3) ** 2 + (2 - 8 / 3) ** 2 + (5 - 8 / 3) ** 2) / 2), 12);
    expect(s).toMatchObject({ name: "s", type: "utf8", nulls: 0, distinct: 3, min: "a", max: "c" });
  });

  it("a column with ±Infinity summarises to Infinity/-Infinity/NaN, kept through the record's JSON (it printed null)", () => {
    const col = (xs: number[]) => new arrow.Table({ v: arrow.vectorFromArray(xs, new arrow.Float64()) });
    const through = (xs: number[]) => JSON.parse(JSON.stringify(summarize(col(xs)).columns[0]));
    // Reference by hand: an infinity decides max (min) and the mean; the spread is undefined.
    expect(through([1, Infinity, 3])).toMatchObject({ min: 1, max: "Infinity", mean: "Infinity", std: "NaN" });
    expect(through([-Infinity, 2, 4])).toMatchObject({ min: "-Infinity", max: 4, mean: "-Infinity", std: "NaN" });
    expect(through([Infinity, 1, -Infinity])).toMatchObject({ min: "-Infinity", max: "Infinity", mean: "NaN" });
    expect(through([Infinity])).toMatchObject({ min: "Infinity", max: "Infinity", mean: "Infinity" });
    // Finite columns are unchanged, and an infinity first does not poison the finite statistics' updates.
    expect(through([Infinity, 2, 4])).toMatchObject({ min: 2, max: "Infinity", mean: "Infinity" });
    const finite = through([2, 4, 9]);
    expect(finite).toMatchObject({ min: 2, max: 9 });
    expect(finite.mean).toBeCloseTo(5, 12);
    expect(finite.std).toBeCloseTo(Math.sqrt(((2 - 5) ** 2 + (4 - 5) ** 2 + (9 - 5) ** 2) / 2), 12);
    // The stored record's schema accepts the named values.
    const out = { kind: "table", object: "a".repeat(64), logical: "x", bytes: 1, columns: [through([1, Infinity])] };
    expect(() => Schema.decodeUnknownSync(OutputRecordFile)(out)).not.toThrow();
  });
});

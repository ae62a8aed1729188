import type * as arrow from "apache-arrow";
import { arrowLib } from "./arrow-lib.js";
import { arrowTypeOf, columnTypeOf, columnTypeToString, TableSpecError, type ColumnType, type TableSpec } from "./spec.js";

/** Tables from plain columns (zero-copy for typed arrays), and validation of tables stages hand back. */
const TYPED: Record<string, new (n: number) => ArrayLike<number>> = {
  int32: Int32Array, float32: Float32Array, float64: Float64Array,
};

function primitiveVector(name: string, t: string, values: unknown): arrow.Vector {
  const Ctor = TYPED[t];
  if (Ctor) {
    if (values instanceof Ctor) return arrowLib().makeVector(values as never);
    if (Array.isArray(values) && values.every((v) => typeof v === "number")) return arrowLib().makeVector(new (Ctor as any)(values));
    if (ArrayBuffer.isView(values)) return arrowLib().makeVector(new (Ctor as any)(values as unknown as ArrayLike<number>));
    // null = a value not (yet) known, e.g. a metric a later stage will provide
    if (Array.isArray(values) && values.every((v) => typeof v === "number" || v === null)) return arrowLib().vectorFromArray(values, arrowTypeOf(t as ColumnType) as never);
  }
  if (t === "int64") {
    if (values instanceof BigInt64Array) return arrowLib().makeVector(values);
    if (Array.isArray(values) || ArrayBuffer.isView(values)) return arrowLib().makeVector(BigInt64Array.from(values as ArrayLike<number | bigint>, (v) => BigInt(v)));
  }
  if (t === "bool" && Array.isArray(values)) return arrowLib().vectorFromArray(values, new (arrowLib()).Bool());
  if (t === "utf8" && Array.isArray(values)) return arrowLib().vectorFromArray(values, new (arrowLib()).Utf8());
  throw new TableSpecError(`column ${name}: cannot build ${t} from ${describe(values)}`);
}

function describe(v: unknown) { return v === null || v === undefined ? String(v) : Array.isArray(v) ? "an array" : v.constructor?.name ?? typeof v; }

function listVector(name: string, t: Exclude<ColumnType, string>, values: unknown): arrow.Vector {
  const type = arrowTypeOf(t) as arrow.FixedSizeList | arrow.List;
  if (t.size !== undefined) {
    const Ctor = TYPED[t.list];
    let flat: ArrayLike<number> | undefined;
    if (Ctor && values instanceof Ctor) flat = values as ArrayLike<number>;
    else if (Array.isArray(values) && Ctor) {
      flat = new (Ctor as any)(values.length * t.size);
      values.forEach((row: ArrayLike<number>, i) => {
        if (row.length !== t.size) throw new TableSpecError(`column ${name}: row ${i} has ${row.length} values, the column is fixed at ${t.size}`);
        (flat as any).set(row, i * t.size!);
      });
    }
    if (!flat) throw new TableSpecError(`column ${name}: expected a flat ${t.list} typed array or an array of rows for ${columnTypeToString(t)}`);
    if (flat.length % t.size !== 0) throw new TableSpecError(`column ${name}: ${flat.length} values is not a multiple of the list size ${t.size}`);
    const child = arrowLib().makeData({ type: arrowTypeOf(t.list), length: flat.length, nullCount: 0, data: flat } as any) as arrow.Data;
    return arrowLib().makeVector(arrowLib().makeData({ type: type as arrow.FixedSizeList, length: flat.length / t.size, nullCount: 0, child }));
  }
  if (!Array.isArray(values)) throw new TableSpecError(`column ${name}: expected an array of rows for ${columnTypeToString(t)}`);
  return arrowLib().vectorFromArray(values.map((r) => (ArrayBuffer.isView(r) ? Array.from(r as unknown as ArrayLike<number>) : r)), type);
}

export function tableFromColumns(spec: TableSpec, columns: Record<string, unknown>): arrow.Table {
  const extra = Object.keys(columns).filter((k) => !(k in spec));
  if (extra.length) throw new TableSpecError(`undeclared column(s) ${extra.join(", ")}; declared: ${Object.keys(spec).join(", ")}`);
  const vectors: Record<string, arrow.Vector> = {};
  let rows: number | undefined;
  for (const [name, t] of Object.entries(spec)) {
    if (!(name in columns)) throw new TableSpecError(`missing column ${name} (${columnTypeToString(t)})`);
    const v = typeof t === "string" ? primitiveVector(name, t, columns[name]) : listVector(name, t, columns[name]);
    if (rows !== undefined && v.length !== rows) throw new TableSpecError(`column ${name} has ${v.length} rows, earlier columns have ${rows}`);
    rows = v.length;
    vectors[name] = v;
  }
  return new (arrowLib()).Table(vectors);
}

export function conformTable(table: arrow.Table, spec: TableSpec): arrow.Table {
  const names = table.schema.fields.map((f) => f.name);
  const extra = names.filter((n) => !(n in spec));
  if (extra.length) throw new TableSpecError(`undeclared column(s) ${extra.join(", ")}; declared: ${Object.keys(spec).join(", ")}`);
  for (const [name, want] of Object.entries(spec)) {
    const f = table.schema.fields.find((x) => x.name === name);
    if (!f) throw new TableSpecError(`missing column ${name} (${columnTypeToString(want)})`);
    const have = columnTypeOf(f.type);
    if (!have || columnTypeToString(have) !== columnTypeToString(want)) {
      throw new TableSpecError(`column ${name}: is ${have ? columnTypeToString(have) : String(f.type)}, declared ${columnTypeToString(want)}`);
    }
  }
  return names.join() === Object.keys(spec).join() ? table : table.select(Object.keys(spec));
}

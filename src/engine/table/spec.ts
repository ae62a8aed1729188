import type * as arrow from "apache-arrow";
import { arrowLib } from "./arrow-lib.js";
import { didYouMean } from "../errors.js";

/**
 * Declared table columns. Producers and consumers declare them so the engine can check, before
 * anything runs, that an output can feed an input (extra columns are fine; missing or
 * differently typed ones are not).
 */
export type Primitive = "bool" | "int32" | "int64" | "float32" | "float64" | "utf8";
export type ListItem = "int32" | "int64" | "float32" | "float64" | "utf8";
export type ColumnType = Primitive | { readonly list: ListItem; readonly size?: number };
export type TableSpec = Readonly<Record<string, ColumnType>>;

export class TableSpecError extends Error { override name = "TableSpecError"; }

export function columnTypeToString(t: ColumnType): string {
  return typeof t === "string" ? t : `list<${t.list}>${t.size !== undefined ? `[${t.size}]` : ""}`;
}

function primitiveType(p: Primitive): arrow.DataType {
  switch (p) {
    case "bool": return new (arrowLib()).Bool();
    case "int32": return new (arrowLib()).Int32();
    case "int64": return new (arrowLib()).Int64();
    case "float32": return new (arrowLib()).Float32();
    case "float64": return new (arrowLib()).Float64();
    case "utf8": return new (arrowLib()).Utf8();
  }
}

export function arrowTypeOf(t: ColumnType): arrow.DataType {
  if (typeof t === "string") return primitiveType(t);
  const item = new (arrowLib()).Field("item", primitiveType(t.list), true);
  return t.size !== undefined ? new (arrowLib()).FixedSizeList(t.size, item) : new (arrowLib()).List(item);
}

function primitiveOf(type: arrow.DataType): Primitive | undefined {
  if (arrowLib().DataType.isBool(type)) return "bool";
  if (arrowLib().DataType.isInt(type) && type.isSigned) return type.bitWidth === 32 ? "int32" : type.bitWidth === 64 ? "int64" : undefined;
  if (arrowLib().DataType.isFloat(type)) return type.precision === arrowLib().Precision.SINGLE ? "float32" : type.precision === arrowLib().Precision.DOUBLE ? "float64" : undefined;
  if (arrowLib().DataType.isUtf8(type) || arrowLib().DataType.isLargeUtf8(type)) return "utf8";
  return undefined;
}

export function columnTypeOf(type: arrow.DataType): ColumnType | undefined {
  const p = primitiveOf(type);
  if (p) return p;
  if (arrowLib().DataType.isFixedSizeList(type) || arrowLib().DataType.isList(type)) {
    const item = primitiveOf(type.children[0]!.type);
    if (!item || item === "bool") return undefined;
    return arrowLib().DataType.isFixedSizeList(type) ? { list: item, size: type.listSize } : { list: item };
  }
  return undefined;
}

const same = (a: ColumnType, b: ColumnType) => columnTypeToString(a) === columnTypeToString(b);

export function specCompatibility(provided: TableSpec, required: TableSpec): string[] {
  const problems: string[] = [];
  for (const [name, want] of Object.entries(required)) {
    const have = provided[name];
    if (!have) {
      const guess = didYouMean(name, Object.keys(provided));
      problems.push(`missing column ${name} (${columnTypeToString(want)})${guess ? `; did you mean ${guess}?` : `; it provides ${Object.keys(provided).join(", ")}`}`);
    } else if (!same(have, want)) {
      problems.push(`column ${name}: provided ${columnTypeToString(have)}, required ${columnTypeToString(want)}`);
    }
  }
  return problems;
}

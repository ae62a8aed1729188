import type * as arrow from "apache-arrow";
import type { TableSpec } from "../table/index.js";

/**
 * Typed stage ports (the SDK adds the `port` builders). An output is a table (Arrow schema declared up front, so the engine can
 * check producer/consumer compatibility before anything runs), a tensor set, a JSON value or a
 * file. `many: true` on an input makes the stage a join: it receives every sweep variant.
 */
/**
 * `headline: true` on an output marks it as one of the kind's key results: `lcl report` shows it
 * (a picture, or the plot of a table) large in the results section at the top of the report.
 * Presentation only; it changes nothing that is computed.
 */
interface Presentation { readonly headline?: boolean }
export interface TablePort extends Presentation {
  readonly kind: "table"; readonly columns: TableSpec; readonly format?: "arrow" | "parquet"; readonly many?: boolean; readonly allowFailed?: boolean; readonly description?: string;
  /**
   * Columns that measure the run rather than compute a result (wall time, memory). They are
   * stored, but left out of the output's identity: they neither make downstream stages rerun nor
   * count as nondeterminism.
   */
  readonly volatile?: readonly string[];
}
export interface TensorsPort extends Presentation { readonly kind: "tensors"; readonly many?: boolean; readonly allowFailed?: boolean; readonly description?: string }
export interface JsonPort extends Presentation { readonly kind: "json"; readonly many?: boolean; readonly allowFailed?: boolean; readonly description?: string }
export interface FilePort extends Presentation { readonly kind: "file"; readonly ext: string; readonly many?: boolean; readonly allowFailed?: boolean; readonly description?: string }
export type Port = TablePort | TensorsPort | JsonPort | FilePort;
export type Ports = Readonly<Record<string, Port>>;

export type DType = "float32" | "int32" | "uint8" | "float64";
export type TypedArray = Float32Array | Int32Array | Uint8Array | Float64Array;
export interface Tensor { readonly shape: readonly number[]; readonly dtype: DType; readonly data: TypedArray }
export type TensorSet = Readonly<Record<string, Tensor>>;

export interface TableReader { read(): Promise<arrow.Table>; readonly path: string }
export interface TensorsReader { read(): Promise<TensorSet>; readonly path: string }
export interface JsonReader { read(): Promise<unknown>; readonly path: string }
export interface FileReader { read(): Promise<Uint8Array>; readonly path: string }

export interface TableWriter { write(table: arrow.Table | Record<string, unknown>): Promise<void> }
export interface TensorsWriter { write(tensors: TensorSet): Promise<void> }
export interface JsonWriter { write(value: unknown): Promise<void> }
export interface FileWriter {
  write(bytes: Uint8Array | string): Promise<void>;
  /** Store the file at this path (e.g. one a tool wrote into ctx.scratchDir), copied and hashed by stream: any size, little memory. */
  writeFrom(file: string): Promise<void>;
}

type ReaderOf<P extends Port> =
  P extends TablePort ? TableReader : P extends TensorsPort ? TensorsReader : P extends JsonPort ? JsonReader : FileReader;
type WriterOf<P extends Port> =
  P extends TablePort ? TableWriter : P extends TensorsPort ? TensorsWriter : P extends JsonPort ? JsonWriter : FileWriter;

/** One upstream variant delivered to a join input. */
export interface Variant<R> {
  /** Stable, readable instance name, e.g. `scale[factor=2,seed=1]`. */
  readonly label: string;
  /** The sweep values that distinguish this variant. */
  readonly point: Readonly<Record<string, unknown>>;
  readonly input: R;
  /**
   * Set when this variant did not produce its output (it failed, or an upstream of it did). Only
   * join inputs declared with `allowFailed: true` (and `lcl run --keep-going`) ever see such a
   * variant; reading its input throws.
   */
  readonly failed?: string;
}

export type InputReaders<I extends Ports> = {
  readonly [K in keyof I]: I[K] extends { many: true } ? ReadonlyArray<Variant<ReaderOf<I[K]>>> : ReaderOf<I[K]>;
};
export type OutputWriters<O extends Ports> = { readonly [K in keyof O]: WriterOf<O[K]> };

import type * as arrow from "apache-arrow";
import { arrowLib } from "./table/arrow-lib.js";
import { createHash } from "node:crypto";
import type { DType, Tensor, TensorSet, TypedArray } from "./contract/index.js";

/**
 * A tensor set is stored as an Arrow IPC file with one row per tensor (name, dtype, shape, raw
 * little-endian bytes), so any Arrow reader can open it. Its identity is a logical hash over
 * sorted names + dtype + shape + bytes, independent of how the file was batched.
 */
const CTORS: Record<DType, new (b: ArrayBuffer, o: number, n: number) => TypedArray> = {
  float32: Float32Array, int32: Int32Array, uint8: Uint8Array, float64: Float64Array,
};

function check(name: string, t: Tensor) {
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (!(t.dtype in CTORS)) throw new Error(`tensor '${name}': unsupported dtype '${t.dtype}' (use ${Object.keys(CTORS).join(", ")})`);
  if (t.data.length !== n) throw new Error(`tensor '${name}': shape [${t.shape.join(",")}] needs ${n} values, data has ${t.data.length}`);
  if (!(t.data instanceof CTORS[t.dtype])) throw new Error(`tensor '${name}': dtype ${t.dtype} but data is a ${t.data.constructor.name}`);
}

export function tensorsLogicalHash(set: TensorSet): string {
  const h = createHash("sha256");
  for (const name of Object.keys(set).sort()) {
    const t = set[name]!;
    h.update(JSON.stringify([name, t.dtype, t.shape]));
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest("hex");
}

export function encodeTensors(set: TensorSet): Uint8Array {
  const names = Object.keys(set).sort();
  for (const n of names) check(n, set[n]!);
  const table = arrowLib().tableFromArrays({
    name: names,
    dtype: names.map((n) => set[n]!.dtype),
    shape: names.map((n) => JSON.stringify(set[n]!.shape)),
  } as any);
  const data = arrowLib().vectorFromArray(
    names.map((n) => { const d = set[n]!.data; return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)); }),
    new (arrowLib()).Binary(),
  );
  const full = table.assign(new (arrowLib()).Table({ data }));
  return arrowLib().tableToIPC(full, "file");
}

export function decodeTensors(bytes: Uint8Array): TensorSet {
  const t = arrowLib().tableFromIPC(bytes);
  const out: Record<string, Tensor> = {};
  for (let i = 0; i < t.numRows; i++) {
    const name = String(t.getChild("name")!.get(i));
    const dtype = String(t.getChild("dtype")!.get(i)) as DType;
    const shape = JSON.parse(String(t.getChild("shape")!.get(i))) as number[];
    const raw = t.getChild("data")!.get(i) as Uint8Array;
    const copy = raw.slice(); // aligned, owned buffer
    const Ctor = CTORS[dtype];
    out[name] = { name, dtype, shape, data: new Ctor(copy.buffer, 0, copy.byteLength / (Ctor as any).BYTES_PER_ELEMENT) } as Tensor;
  }
  return out;
}

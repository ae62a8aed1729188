import type * as arrow from "apache-arrow";
import type { Port, Ports, TensorSet, Variant } from "./contract/index.js";
import { canonicalJson } from "./canonical.js";
import type { InstanceRef } from "./graph.js";
import type { OutputRecord, StageRecord, Store } from "./store.js";
import { columnTypeToString, conformTable, decodeTable, encodeArrowIpc, encodeParquet, logicalHash, summarize, tableFromColumns } from "./table/index.js";
import { decodeTensors, encodeTensors, tensorsLogicalHash } from "./tensors.js";

/** Typed readers over upstream objects (verified on read) and writers into the store. */

function reader(store: Store, o: OutputRecord, port: Port) {
  const path = store.objectPath(o.object);
  switch (port.kind) {
    case "table": return { path, read: async (): Promise<arrow.Table> => decodeTable(await store.readObject(o.object), o.format === "parquet" ? "parquet" : "arrow") };
    case "tensors": return { path, read: async (): Promise<TensorSet> => decodeTensors(await store.readObject(o.object)) };
    case "json": return { path, read: async (): Promise<unknown> => JSON.parse(new TextDecoder().decode(await store.readObject(o.object))) };
    case "file": return { path, read: async (): Promise<Uint8Array> => store.readObject(o.object) };
  }
}

/** An upstream result as a stage sees it; `failed` marks a variant a tolerant join receives without output. */
export type UpstreamRecord = Pick<StageRecord, "outputs"> & { readonly failed?: string };

export function makeInputs(store: Store, ports: Ports, refs: Readonly<Record<string, InstanceRef | readonly InstanceRef[]>>, records: ReadonlyMap<string, UpstreamRecord>) {
  const out: Record<string, unknown> = {};
  const recOf = (r: InstanceRef) => {
    const o = records.get(r.instance)?.outputs[r.output];
    if (!o) throw new Error(`internal: no output ${r.output} recorded for ${r.instance}`);
    return o;
  };
  for (const [port, spec] of Object.entries(ports)) {
    const ref = refs[port]!;
    out[port] = Array.isArray(ref)
      ? (ref as InstanceRef[]).map((r): Variant<unknown> => {
        const failed = records.get(r.instance)?.failed;
        if (failed === undefined) return { label: r.instance, point: r.point, input: reader(store, recOf(r), spec) };
        return { label: r.instance, point: r.point, failed, input: { path: "", read: () => Promise.reject(new Error(`variant ${r.instance} has no output: ${failed}`)) } };
      })
      : reader(store, recOf(ref as InstanceRef), spec);
  }
  return out;
}

/** Logical identity of an input as it enters a fingerprint. */
export function inputHashes(refs: Readonly<Record<string, InstanceRef | readonly InstanceRef[]>>, records: ReadonlyMap<string, Pick<StageRecord, "outputs">>) {
  const out: Record<string, string | Record<string, string>> = {};
  for (const [port, ref] of Object.entries(refs)) {
    const h = (r: InstanceRef) => records.get(r.instance)!.outputs[r.output]!.logical;
    out[port] = Array.isArray(ref) ? Object.fromEntries((ref as InstanceRef[]).map((r) => [r.instance, h(r)])) : h(ref as InstanceRef);
  }
  return out;
}

export function makeOutputs(store: Store, ports: Ports, written: Map<string, OutputRecord>) {
  const out: Record<string, { write(v: unknown): Promise<void>; writeFrom?(file: string): Promise<void> }> = {};
  for (const [name, port] of Object.entries(ports)) {
    out[name] = {
      async write(value: unknown) {
        if (written.has(name)) throw new Error(`output '${name}' was written twice`);
        written.set(name, await encodeOutput(store, name, port, value));
      },
      ...(port.kind === "file" ? {
        async writeFrom(file: string) {
          if (written.has(name)) throw new Error(`output '${name}' was written twice`);
          const { hash, bytes } = await store.putFile(file).catch((e: NodeJS.ErrnoException) => {
            throw new Error(`output '${name}': cannot store ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
          });
          written.set(name, { kind: "file", object: hash, logical: hash, bytes, format: port.ext });
        },
      } : {}),
    };
  }
  return out;
}

async function encodeOutput(store: Store, name: string, port: Port, value: unknown): Promise<OutputRecord> {
  switch (port.kind) {
    case "table": {
      const isTable = value && typeof value === "object" && "schema" in value && "numRows" in value;
      let t: arrow.Table;
      try {
        t = isTable ? conformTable(value as arrow.Table, port.columns) : tableFromColumns(port.columns, value as Record<string, unknown>);
      } catch (e) { throw new Error(`output '${name}': ${(e as Error).message}`); }
      const format = port.format ?? "arrow";
      const bytes = format === "parquet" ? await encodeParquet(t) : encodeArrowIpc(t);
      const { hash } = await store.putBytes(bytes);
      const s = summarize(t);
      return {
        kind: "table", object: hash, logical: logicalHash(t, port.volatile), bytes: bytes.byteLength, format, rows: s.rows,
        schema: Object.fromEntries(Object.entries(port.columns).map(([k, v]) => [k, columnTypeToString(v)])), columns: s.columns,
      };
    }
    case "tensors": {
      const set = value as TensorSet;
      const bytes = encodeTensors(set);
      const { hash } = await store.putBytes(bytes);
      return { kind: "tensors", object: hash, logical: tensorsLogicalHash(set), bytes: bytes.byteLength, format: "arrow",
        schema: Object.fromEntries(Object.entries(set).map(([k, t]) => [k, `${t.dtype}[${t.shape.join(",")}]`])) };
    }
    case "json": {
      let text: string;
      try { text = canonicalJson(value); } catch (e) { throw new Error(`output '${name}': ${(e as Error).message}`); }
      const bytes = new TextEncoder().encode(text);
      const { hash } = await store.putBytes(bytes);
      return { kind: "json", object: hash, logical: hash, bytes: bytes.byteLength, format: "json" };
    }
    case "file": {
      const bytes = typeof value === "string" ? new TextEncoder().encode(value) : (value as Uint8Array);
      if (!(bytes instanceof Uint8Array)) throw new Error(`output '${name}': a file output takes a Uint8Array or string`);
      const { hash } = await store.putBytes(bytes);
      return { kind: "file", object: hash, logical: hash, bytes: bytes.byteLength, format: port.ext };
    }
  }
}

import { gunzipSync } from "node:zlib";

/**
 * IDX files (the MNIST family's format; Fashion-MNIST ships them gzipped): a 4-byte magic
 * `0x00 0x00 <type> <ndims>`, ndims big-endian uint32 sizes, then the values. Only unsigned
 * bytes (type 0x08) occur in the datasets used here. Every inconsistency is an error that says
 * what is wrong with which file.
 */
export interface IdxArray { readonly shape: readonly number[]; readonly data: Uint8Array }

export function readIdx(bytes: Uint8Array, name = "IDX file"): IdxArray {
  let buf = bytes;
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try { buf = gunzipSync(buf); } catch (e) { throw new Error(`${name}: gzip data is corrupt or truncated (${(e as Error).message})`); }
  }
  if (buf.length < 4) throw new Error(`${name}: ${buf.length} bytes is too short for an IDX header`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new Error(`${name}: not an IDX file (magic ${Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ")})`);
  if (buf[2] !== 0x08) throw new Error(`${name}: element type 0x${buf[2]!.toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const ndims = buf[3]!;
  if (ndims < 1 || ndims > 4) throw new Error(`${name}: ${ndims} dimensions is not plausible`);
  const head = 4 + 4 * ndims;
  if (buf.length < head) throw new Error(`${name}: truncated header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const n = shape.reduce((a, b) => a * b, 1);
  if (buf.length - head !== n) throw new Error(`${name}: header says [${shape.join("×")}] = ${n} values but the file holds ${buf.length - head}${buf.length - head < n ? " (truncated)" : ""}`);
  return { shape, data: buf.subarray(head) };
}

import { inflateSync } from "node:zlib";

/**
 * Reader for Qt resource bundles (`.rcc`, formats v1–v3), where GCompris keeps its photos.
 * Header: "qres", version, tree/data/names offsets (+ flags in v3). Tree nodes are 14 bytes (v1)
 * or 22 bytes (v2+, with an mtime). Names are u16 length, u32 hash, UTF-16BE. A file's data is
 * u32 size + bytes; zlib-compressed entries start with a u32 uncompressed length.
 */
export interface RccEntry { readonly path: string; readonly data: Buffer }

export function readRcc(buf: Buffer): RccEntry[] {
  if (buf.toString("latin1", 0, 4) !== "qres") throw new Error("not a Qt resource file (missing 'qres' magic)");
  const version = buf.readUInt32BE(4);
  const tree = buf.readUInt32BE(8), data = buf.readUInt32BE(12), names = buf.readUInt32BE(16);
  const nodeSize = version >= 2 ? 22 : 14;
  const name = (off: number) => {
    const len = buf.readUInt16BE(names + off);
    let s = "";
    for (let i = 0; i < len; i++) s += String.fromCharCode(buf.readUInt16BE(names + off + 6 + 2 * i));
    return s;
  };
  const out: RccEntry[] = [];
  const walk = (index: number, prefix: string) => {
    const at = tree + index * nodeSize;
    const flags = buf.readUInt16BE(at + 4);
    const nodeName = index === 0 ? "" : name(buf.readUInt32BE(at));
    const here = index === 0 ? "" : `${prefix}/${nodeName}`;
    if (flags & 2) {
      const count = buf.readUInt32BE(at + 6), first = buf.readUInt32BE(at + 10);
      for (let i = 0; i < count; i++) walk(first + i, here);
      return;
    }
    const dataOff = buf.readUInt32BE(at + 10);
    const size = buf.readUInt32BE(data + dataOff);
    let bytes = buf.subarray(data + dataOff + 4, data + dataOff + 4 + size);
    if (flags & 1) bytes = inflateSync(bytes.subarray(4));
    else if (flags & 4) throw new Error(`${here}: zstd-compressed entries are not supported`);
    out.push({ path: here, data: Buffer.from(bytes) });
  };
  walk(0, "");
  return out;
}

import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readRcc } from "../../src/data/rcc.js";

/** Writes a minimal Qt rcc v3 bundle: / → dir "res" → files a.webp (raw) and b.txt (zlib). */
function makeRcc(): Buffer {
  const names: Buffer[] = [];
  let namesLen = 0;
  const addName = (s: string) => {
    const b = Buffer.alloc(6 + 2 * s.length);
    b.writeUInt16BE(s.length, 0); b.writeUInt32BE(0, 2);
    for (let i = 0; i < s.length; i++) b.writeUInt16BE(s.charCodeAt(i), 6 + 2 * i);
    const off = namesLen; names.push(b); namesLen += b.length; return off;
  };
  const raw = Buffer.from("RIFF-fake-webp"), text = Buffer.from("hello hello hello");
  const z = Buffer.concat([Buffer.alloc(4), deflateSync(text)]); z.writeUInt32BE(text.length, 0);
  const data = Buffer.concat([Buffer.alloc(4), raw, Buffer.alloc(4), z]);
  data.writeUInt32BE(raw.length, 0); data.writeUInt32BE(z.length, 4 + raw.length);
  const node = (nameOff: number, flags: number, a: number, b: number, isDir: boolean) => {
    const n = Buffer.alloc(22);
    n.writeUInt32BE(nameOff, 0); n.writeUInt16BE(flags, 4);
    if (isDir) { n.writeUInt32BE(a, 6); n.writeUInt32BE(b, 10); } else { n.writeUInt32BE(b, 10); }
    return n;
  };
  const res = addName("res"), a = addName("a.webp"), bname = addName("b.txt");
  const tree = Buffer.concat([node(0, 2, 1, 1, true), node(res, 2, 2, 2, true), node(a, 0, 0, 0, false), node(bname, 1, 0, 4 + raw.length, false)]);
  const header = Buffer.alloc(24);
  header.write("qres", 0, "latin1"); header.writeUInt32BE(3, 4);
  const treeOff = 24, dataOff = treeOff + tree.length, namesOff = dataOff + data.length;
  header.writeUInt32BE(treeOff, 8); header.writeUInt32BE(dataOff, 12); header.writeUInt32BE(namesOff, 16);
  return Buffer.concat([header, tree, data, ...names]);
}

describe("Qt rcc reader", () => {
  it("walks the tree, returns raw and zlib entries with their paths", () => {
    const entries = readRcc(makeRcc());
    expect(entries.map((e) => e.path)).toEqual(["/res/a.webp", "/res/b.txt"]);
    expect(entries[0]!.data.toString()).toBe("RIFF-fake-webp");
    expect(entries[1]!.data.toString()).toBe("hello hello hello");
  });
  it("rejects a file that is not an rcc", () => {
    expect(() => readRcc(Buffer.from("not a resource file at all"))).toThrow(/missing 'qres' magic/);
  });
});

import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, openSync, readdirSync, closeSync, ftruncateSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeOutputs } from "../../src/engine/io.js";
import { readObjectFile, Store, type OutputRecord } from "../../src/engine/store.js";
import { port } from "../../src/sdk/ports.js";

/**
 * Objects over 2 GiB could not be read back: readFile refuses them. Objects are now read in
 * chunks into one buffer and hashed as they arrive. A real 2 GiB object takes ~15 s to hash on a
 * loaded test machine, so the chunked path is driven with small chunks; a sparse file bigger than
 * any buffer checks the clear error (it costs no disk and is refused before any read).
 */
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("reading objects in chunks", () => {
  it("returns every byte and the sha256 of the whole, whatever the chunk size (including sizes that do not divide the file)", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lcl-big-"));
    const data = randomBytes(20_003);
    const f = path.join(dir, "obj");
    writeFileSync(f, data);
    for (const chunkBytes of [1 << 20, 4096, 7, 20_003, 20_004]) {
      const r = await readObjectFile(f, { hash: true, chunkBytes });
      expect(Buffer.from(r.bytes).equals(data)).toBe(true);
      expect(r.hash).toBe(sha(data));
    }
    expect((await readObjectFile(f, { hash: false, chunkBytes: 7 })).hash).toBeUndefined();
    writeFileSync(f, new Uint8Array(0));
    expect((await readObjectFile(f, { hash: true })).hash).toBe(sha(new Uint8Array(0)));
  });

  it("the store still catches a flipped byte when reading an object back (and quarantines it)", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lcl-big-"));
    const store = new Store(path.join(dir, "store"));
    const data = randomBytes(50_000);
    const hash = sha(data);
    const bad = Buffer.from(data);
    bad[31_337]! ^= 1;
    // Written behind the store's back (a store verifies each object once per process, on put or first read).
    mkdirSync(path.dirname(store.objectPath(hash)), { recursive: true });
    writeFileSync(store.objectPath(hash), bad);
    await expect(store.readObject(hash)).rejects.toThrow(/corrupt object/);
    expect(store.hasObject(hash)).toBe(false);
  });

  it("an object larger than a Node buffer is refused with its path and how to read it instead (not readFile's 'greater than 2 GiB')", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lcl-big-"));
    const store = new Store(path.join(dir, "store"));
    const { hash } = await store.putBytes(new Uint8Array([1]));
    const fd = openSync(store.objectPath(hash), "r+");
    ftruncateSync(fd, 5 * 2 ** 30); // sparse: no disk used
    closeSync(fd);
    const later = new Store(path.join(dir, "store"));
    await expect(later.readObject(hash)).rejects.toThrow(new RegExp(`object ${store.objectPath(hash)} is ${5 * 2 ** 30} bytes.*ctx\\.inputs\\.<name>\\.path`));
  });
});

describe("storing a file output by stream (ctx.outputs.<file>.writeFrom)", () => {
  it("gives the same object and record as writing its bytes, never reads it into memory whole, and names the output when the file is missing", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lcl-big-"));
    const store = new Store(path.join(dir, "store"));
    const data = randomBytes(30_001);
    const src = path.join(dir, "made-by-a-tool.bin");
    writeFileSync(src, data);
    const fromFile = new Map<string, OutputRecord>(), fromBytes = new Map<string, OutputRecord>();
    const ports = { blob: port.file("bin") };
    await makeOutputs(store, ports, fromFile).blob!.writeFrom!(src);
    await makeOutputs(store, ports, fromBytes).blob!.write(data);
    expect(fromFile.get("blob")).toEqual(fromBytes.get("blob"));
    expect(fromFile.get("blob")).toMatchObject({ kind: "file", object: sha(data), bytes: data.length, format: "bin" });
    expect(Buffer.from(await store.readObject(sha(data))).equals(data)).toBe(true);
    expect(readdirSync(store.tmpDir)).toEqual([]); // the private copy was moved into place or removed
    await expect(makeOutputs(store, ports, new Map()).blob!.writeFrom!(path.join(dir, "nope")))
      .rejects.toThrow(/output 'blob': cannot store .*nope: no such file/);
  });
});

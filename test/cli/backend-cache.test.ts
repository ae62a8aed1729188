import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cachedBackendResolver, machineKey } from "../../src/cli/backend-cache.js";

/** The backend choice is remembered across processes (each resolver below is a new process's), per key, never a failure. */
describe("remembered backend selection", () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
  const tmpFile = () => { const d = mkdtempSync(path.join(os.tmpdir(), "lcl-backend-")); dirs.push(d); return path.join(d, "sub", "backend.json"); };

  it("selects once per machine key; a later process gets the same answer without selecting", async () => {
    const file = tmpFile();
    let calls = 0;
    const select = async (forced: string | undefined) => { calls++; return { name: forced ?? "wasm", version: "4.22.0+simd" }; };
    let key = "machine A";
    const opts = { file, key: (f: string | undefined) => `${key}|${f ?? ""}` };
    expect(await cachedBackendResolver(select, opts)(undefined)).toEqual({ name: "wasm", version: "4.22.0+simd" });
    expect(await cachedBackendResolver(select, opts)(undefined)).toEqual({ name: "wasm", version: "4.22.0+simd" });
    expect(calls).toBe(1);
    expect(await cachedBackendResolver(select, opts)("cpu")).toEqual({ name: "cpu", version: "4.22.0+simd" });
    expect(calls).toBe(2);
    key = "machine B"; // another host, Node or tfjs install
    await cachedBackendResolver(select, opts)(undefined);
    expect(calls).toBe(3);
  });

  it("never remembers a failure, and LCL_BACKEND_CACHE=0 always selects", async () => {
    const file = tmpFile();
    let calls = 0, fail = true;
    const select = async () => { calls++; if (fail) throw new Error("no backend"); return { name: "cpu", version: "x" }; };
    const opts = { file, key: () => "k" };
    await expect(cachedBackendResolver(select, opts)(undefined)).rejects.toThrow("no backend");
    fail = false;
    await cachedBackendResolver(select, opts)(undefined);
    expect(calls).toBe(2);
    process.env.LCL_BACKEND_CACHE = "0";
    try { await cachedBackendResolver(select, opts)(undefined); } finally { delete process.env.LCL_BACKEND_CACHE; }
    expect(calls).toBe(3);
  });

  it("the machine key changes with the forced backend and with the installed tfjs packages", () => {
    expect(machineKey(undefined)).toBe(machineKey(undefined));
    expect(machineKey("cpu")).not.toBe(machineKey(undefined));
    // A root where no tfjs package resolves reads as a different install.
    expect(machineKey(undefined, os.tmpdir())).not.toBe(machineKey(undefined));
  });
});

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import * as Barrel from "effect";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { LCL_ROOT } from "../helpers/rig.js";

/** bin/lcl.js answers `--version` itself (no CLI load); it must say exactly what effect/cli says. */
describe("start-up fast paths", () => {
  const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: LCL_ROOT, encoding: "utf8" });

  it("`lcl --version` from the bin fast path equals the full CLI's --version", () => {
    const fast = node([path.join(LCL_ROOT, "bin/lcl.js"), "--version"]);
    const full = node([path.join(LCL_ROOT, "dist/cli.mjs"), "--version"]);
    expect(fast).toBe(full);
    expect(fast).toMatch(/^lcl v\d+\.\d+\.\d+/);
  });

  it("`lcl -v` from the bin fast path equals the full CLI's -v", () => {
    expect(node([path.join(LCL_ROOT, "bin/lcl.js"), "-v"])).toBe(node([path.join(LCL_ROOT, "dist/cli.mjs"), "-v"]));
  });

  it("`--version` with other words still goes through the CLI", () => {
    // effect/cli treats `--version` after a subcommand differently; the fast path must not take it.
    const fast = node([path.join(LCL_ROOT, "bin/lcl.js"), "--version", "--help"]);
    const full = node([path.join(LCL_ROOT, "dist/cli.mjs"), "--version", "--help"]);
    expect(fast).toBe(full);
  });

  // scripts/build.mjs rewrites `import { X } from "effect"` to `effect/X`: the barrel loads every effect module.
  it("the bundles never import effect's barrel", () => {
    for (const f of ["cli", "sdk", "runner"]) {
      const text = readFileSync(path.join(LCL_ROOT, `dist/${f}.mjs`), "utf8");
      expect(text.match(/from\s*"effect";/g) ?? [], f).toEqual([]);
    }
  });

  // A static import in the bundle is loaded on every start; these are only needed once a stage runs (or a table is read).
  it("the CLI bundle loads no heavy compute package at start-up (TensorFlow.js, Arrow, Parquet, Vega, sharp, esbuild)", () => {
    const text = readFileSync(path.join(LCL_ROOT, "dist/cli.mjs"), "utf8");
    const statics = [...text.matchAll(/^import\s[^;]*?from\s*"([^"]+)";/gm)].map((m) => m[1]!);
    expect(statics.filter((s) => /^(@tensorflow\/|apache-arrow|parquet-wasm|vega|sharp|esbuild)/.test(s))).toEqual([]);
  });

  it("the SDK's Schema is the very module the barrel re-exports (one effect instance for stages and engine)", async () => {
    const sdk = (await import(pathToFileURL(path.join(LCL_ROOT, "dist/sdk.mjs")).href)) as { Schema: typeof Barrel.Schema };
    expect(sdk.Schema).toBe(Barrel.Schema);
    expect(sdk.Schema.Struct).toBe(Barrel.Schema.Struct);
  });
});

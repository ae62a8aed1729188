import { execFileSync } from "node:child_process";
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

  it("`--version` with other words still goes through the CLI", () => {
    // effect/cli treats `--version` after a subcommand differently; the fast path must not take it.
    const fast = node([path.join(LCL_ROOT, "bin/lcl.js"), "--version", "--help"]);
    const full = node([path.join(LCL_ROOT, "dist/cli.mjs"), "--version", "--help"]);
    expect(fast).toBe(full);
  });
});

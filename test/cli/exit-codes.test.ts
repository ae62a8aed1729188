import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { report } from "../../src/cli/errors.js";
import { ConfigError, CorruptObject, LockTimeout, NotFound, StageFailed, UsageError } from "../../src/engine/errors.js";

/** The exit codes README "Exit codes" documents, one per kind of failure, at the one boundary that maps them. */

let stderr: string;
beforeEach(() => { stderr = ""; vi.spyOn(process.stderr, "write").mockImplementation((s) => { stderr += String(s); return true; }); });
afterEach(() => vi.restoreAllMocks());

describe("exit codes (README table)", () => {
  it("2 for invalid config, unknown names and unusable choices", () => {
    expect(report(new ConfigError({ diagnostics: [{ file: "experiments.yaml", line: 3, message: "bad", fix: "good" }] }), false)).toBe(2);
    expect(stderr).toContain("experiments.yaml:3:1: bad");
    expect(stderr).toContain("fix: good");
    expect(report(new NotFound({ what: "experiment", name: "x" }), false)).toBe(2);
    expect(report(new UsageError({ message: "no gpu" }), false)).toBe(2);
  });

  it("1 for a failed stage, 3 for a corrupt object", () => {
    expect(report(new StageFailed({ instance: "scale", message: "boom" }), false)).toBe(1);
    expect(report(new CorruptObject({ hash: "a".repeat(64), path: "/x", actual: "b".repeat(64) }), false)).toBe(3);
  });

  it("4 when a lock could not be taken in time, naming who holds it", () => {
    expect(report(new LockTimeout({ lock: "/store/locks/maintenance", owner: "another lcl gc/verify" }), false)).toBe(4);
    expect(stderr).toContain("another lcl gc/verify");
  });

  it("70 for anything unexpected, with the stack only under --verbose", () => {
    const bug = new TypeError("x is undefined");
    expect(report(bug, false)).toBe(70);
    expect(stderr).toContain("x is undefined");
    expect(stderr).not.toContain("at ");
    expect(stderr).toContain("--verbose");
    stderr = "";
    expect(report(bug, true)).toBe(70);
    expect(stderr).toContain(bug.stack!.split("\n")[1]!.trim());
  });
});

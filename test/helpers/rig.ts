import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, readdirSync, existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A throwaway workspace wired like a lab's own repository (lcl as a dependency, its own
 * stages/ and pipelines/), driven through the real CLI — what users run is what we test.
 */
export const LCL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = path.join(LCL_ROOT, "bin/lcl.js");

export interface CliResult { code: number; stdout: string; stderr: string }

export class Rig {
  readonly root: string;
  constructor(files: Record<string, string> = {}, opts: { toyStages?: boolean } = {}) {
    this.root = mkdtempSync(path.join(os.tmpdir(), "lcl-test-"));
    mkdirSync(path.join(this.root, "node_modules"), { recursive: true });
    symlinkSync(LCL_ROOT, path.join(this.root, "node_modules", "lcl"), "dir");
    // A lab's workspace: an ESM package with lcl as a dependency.
    writeFileSync(path.join(this.root, "package.json"), JSON.stringify({ name: "lab-workspace", private: true, type: "module", dependencies: { lcl: "*" } }));
    mkdirSync(path.join(this.root, "stages"));
    mkdirSync(path.join(this.root, "pipelines"));
    if (opts.toyStages) for (const f of readdirSync(path.join(LCL_ROOT, "test/fixtures/stages"))) cpSync(path.join(LCL_ROOT, "test/fixtures/stages", f), path.join(this.root, "stages", f));
    for (const [f, text] of Object.entries(files)) this.write(f, text);
  }

  write(file: string, text: string) {
    const p = path.join(this.root, file);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  read(file: string) { return readFileSync(path.join(this.root, file), "utf8"); }
  exists(file: string) { return existsSync(path.join(this.root, file)); }
  path(...p: string[]) { return path.join(this.root, ...p); }

  spawn(args: string[], env: Record<string, string> = {}): ChildProcess {
    return spawn(process.execPath, [BIN, ...args], { cwd: this.root, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  }

  lcl(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = this.spawn(args, env);
      let stdout = "", stderr = "";
      child.stdout!.on("data", (d) => (stdout += d));
      child.stderr!.on("data", (d) => (stderr += d));
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  /** The newest run record. */
  lastRun(): { id: string; status: string; stages: Record<string, { status: string; fingerprint?: string; startedAt?: string; finishedAt?: string }> } {
    const dir = this.path("artifacts/runs");
    const f = readdirSync(dir).filter((x) => x.endsWith(".json")).sort().pop()!;
    return JSON.parse(readFileSync(path.join(dir, f), "utf8"));
  }
  statuses(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.lastRun().stages).map(([k, v]) => [k, v.status]));
  }

  dispose() { rmSync(this.root, { recursive: true, force: true }); }
}

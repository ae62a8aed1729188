import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";

/**
 * Stages without a declared isolation run on worker threads of lcl: one that computes without
 * ever yielding (a busy loop) must still be stopped by a timeout and by Ctrl-C. On lcl's own
 * thread neither could run until the loop ended. The stage marks its start and the end of its
 * loop in files, so a test sees whether the loop was cut short.
 */
const SPIN = `import { writeFileSync } from "node:fs";
import { threadId } from "node:worker_threads";
import { defineStage, param, port, Schema } from "lcl";
export default defineStage({ name: "t-spin", version: 1, description: "busy loop that never yields",
  params: Schema.Struct({ ms: param.int({ default: 0, min: 0 }), seed: param.int({ default: 0 }) }), inputs: {}, outputs: { out: port.json() },
  async run(ctx) {
    writeFileSync("spin-started", "");
    const end = Date.now() + ctx.params.ms;
    let x = ctx.params.seed;
    while (Date.now() < end) x = (x * 1103515245 + 12345) % 2147483648;
    writeFileSync("spin-finished", "");
    await ctx.outputs.out.write({ x, threadId, pid: process.pid });
  } });
`;

let rig: Rig;
afterEach(() => rig?.dispose());

const spinRig = (ms: number) => new Rig({
  "stages/t-spin.ts": SPIN,
  "pipelines/p.yaml": `nodes:\n  spin: { uses: t-spin, params: { ms: ${ms} } }\n`,
  "experiments.yaml": "experiments:\n  e: { pipeline: p }\n",
});

describe("a stage that computes without yielding", () => {
  it("is stopped at --timeout: the run fails with the limit long before the loop would end", async () => {
    // The limit counts from the stage's start, thread start-up included (up to ~2 s on a loaded machine).
    rig = spinRig(30_000);
    const r = await rig.lcl(["run", "--timeout", "0:05"]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/timed out after 5 s/);
    expect(rig.exists("spin-started")).toBe(true);
    expect(rig.exists("spin-finished")).toBe(false); // lcl has exited, so the loop can never finish now
    expect(rig.statuses()).toEqual({ spin: "failed" });
  });

  it("is stopped by Ctrl-C: lcl exits 130 within seconds and writes the run record", async () => {
    rig = spinRig(30_000);
    const child = rig.spawn(["run"]);
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const closed = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    const t0 = Date.now();
    while (!rig.exists("spin-started")) {
      if (Date.now() - t0 > 30_000) throw new Error(`stage never started: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const sent = Date.now();
    child.kill("SIGINT");
    const code = await closed;
    expect(code, stderr).toBe(130);
    expect(Date.now() - sent).toBeLessThan(8_000);
    expect(rig.exists("spin-finished")).toBe(false);
    expect(rig.lastRun().status).toBe("interrupted");
    expect(rig.statuses()).toEqual({ spin: "interrupted" });
  });
});

describe("stage threads", () => {
  it("run stages off lcl's own thread (threadId 0), in lcl's process, one thread reused per job slot", async () => {
    rig = new Rig({
      "stages/t-spin.ts": SPIN,
      "pipelines/p.yaml": "nodes:\n  s: { uses: t-spin }\n",
      "experiments.yaml": "experiments:\n  e:\n    pipeline: p\n    matrix:\n      s: { seed: [1, 2, 3] }\n",
    });
    const r = await rig.lcl(["run", "-j", "1"]);
    expect(r.code, r.stderr).toBe(0);
    const outs = [1, 2, 3].map((seed) => JSON.parse(rig.read(`artifacts/views/e/s[seed=${seed}]/out.json`)) as { x: number; threadId: number; pid: number });
    expect(outs.map((o) => o.x)).toEqual([1, 2, 3]);
    expect(new Set(outs.map((o) => o.threadId)).size).toBe(1);
    expect(outs[0]!.threadId).not.toBe(0);
    expect(new Set(outs.map((o) => o.pid)).size).toBe(1);
  });

  it("an error thrown after a stage has finished (a stray callback) ends only its idle thread, not lcl", async () => {
    rig = new Rig({
      "stages/t-late.ts": `import { defineStage, param, port, Schema } from "lcl";
export default defineStage({ name: "t-late", version: 1, description: "throws after finishing", params: Schema.Struct({ wait_ms: param.int({ default: 0 }) }), inputs: {}, outputs: { out: port.json() },
  async run(ctx) {
    if (ctx.params.wait_ms) await new Promise((r) => setTimeout(r, ctx.params.wait_ms));
    await ctx.outputs.out.write({ ok: true });
    if (!ctx.params.wait_ms) setTimeout(() => { throw new Error("stray callback"); }, 500);
  } });
`,
      "pipelines/p.yaml": "nodes:\n  stray: { uses: t-late }\n  slow: { uses: t-late, params: { wait_ms: 3000 } }\n",
      "experiments.yaml": "experiments:\n  e: { pipeline: p }\n",
    });
    const r = await rig.lcl(["run", "-j", "2"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ stray: "ran", slow: "ran" });
  });
});

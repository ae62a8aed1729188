import { existsSync, readdirSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";

let rigs: Rig[] = [];
afterEach(() => { for (const r of rigs) r.dispose(); rigs = []; });

const workspace = (params = "") => {
  const r = new Rig({
    "pipelines/p.yaml": `nodes:\n  loop: { uses: t-steps${params ? `, params: { ${params} }` : ""} }\n`,
    "experiments.yaml": "default: e\nexperiments:\n  e: { pipeline: p }\n",
  }, { toyStages: true });
  rigs.push(r);
  return r;
};
const waitFor = async (cond: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error("timed out"); await new Promise((r) => setTimeout(r, 25)); }
};
const checkpoints = (r: Rig) => (existsSync(r.path("artifacts/checkpoints")) ? readdirSync(r.path("artifacts/checkpoints")) : []);
async function output(r: Rig): Promise<{ acc: number; resumed: number | null }> {
  const rec = JSON.parse((await r.lcl(["show", "e", "loop", "--json"])).stdout)[0];
  const o = rec.outputs.out.object as string;
  return JSON.parse(readFileSync(r.path("artifacts/objects", o.slice(0, 2), o.slice(2)), "utf8"));
}

describe("checkpoints: long stages resume instead of starting over", () => {
  it("kill -9 mid-stage: `status` says it will resume, the rerun continues from the last checkpoint and ends exactly like an uninterrupted run", async () => {
    const clean = workspace();
    expect((await clean.lcl(["run"])).code).toBe(0);
    const reference = await output(clean);
    expect(reference.resumed).toBeNull();

    const rig = workspace();
    const child = rig.spawn(["run"]);
    await waitFor(() => checkpoints(rig).length > 0);
    await new Promise((r) => setTimeout(r, 300)); // a few steps past the first checkpoint
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    expect(checkpoints(rig)).toHaveLength(1);

    const status = await rig.lcl(["why", "e", "loop"]);
    expect(status.stdout + status.stderr).toMatch(/checkpoint.*resume/);
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/resumed from checkpoint at step (5|10|15|20|25|30|35)/);
    const resumed = await output(rig);
    expect(resumed.resumed).toBeGreaterThan(0);
    expect(resumed.acc).toBe(reference.acc); // bit-identical
    expect(checkpoints(rig)).toEqual([]); // a finished stage leaves no checkpoint behind
    const rec = JSON.parse((await rig.lcl(["show", "e", "loop", "--json"])).stdout)[0];
    expect(rec.resumedFrom.step).toBe(resumed.resumed);
    // The output's identity is the same as the uninterrupted run's: downstream would stay cached.
    const ref = JSON.parse((await clean.lcl(["show", "e", "loop", "--json"])).stdout)[0];
    expect(rec.fingerprint).toBe(ref.fingerprint);
  });

  it("Ctrl-C on a process-isolated stage lets it checkpoint where it is; a changed param never picks up that checkpoint", async () => {
    const rig = workspace("every: 0"); // no periodic checkpoints: only the one saved on interruption
    const child = rig.spawn(["run", "--isolate"]);
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    const logs = () => (existsSync(rig.path("artifacts/logs")) ? readdirSync(rig.path("artifacts/logs")) : []);
    await waitFor(() => /▶ loop/.test(err) && logs().length > 0); // the stage is running
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGINT");
    expect(await new Promise((r) => child.on("close", r))).toBe(130);
    expect(checkpoints(rig)).toHaveLength(1);

    rig.write("pipelines/p.yaml", "nodes:\n  loop: { uses: t-steps, params: { every: 0, steps: 41 } }\n");
    const other = await rig.lcl(["run"]);
    expect(other.code, other.stderr).toBe(0);
    expect((await output(rig)).resumed).toBeNull(); // different fingerprint: started from scratch
    rig.write("pipelines/p.yaml", "nodes:\n  loop: { uses: t-steps, params: { every: 0 } }\n");
    const back = await rig.lcl(["run", "--isolate"]);
    expect(back.code, back.stderr).toBe(0);
    expect((await output(rig)).resumed).toBeGreaterThan(0);
  });
});

import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { pipeline } from "./fixtures.js";

let rig: Rig;
afterEach(() => rig?.dispose());

describe("hostile or mis-encoded YAML", () => {
  it("an alias bomb is a config error (exit 2) at the file and position of the first alias, not an internal error", async () => {
    const ten = (x: string) => `[${Array(10).fill(x).join(", ")}]`;
    rig = new Rig({
      "pipelines/p.yaml": pipeline,
      "experiments.yaml": `default: base\nl1: &a ${ten("x")}\nl2: &b ${ten("*a")}\nl3: &c ${ten("*b")}\nl4: &d ${ten("*c")}\nexperiments:\n  base: { pipeline: p }\n`,
    }, { toyStages: true });
    const r = await rig.lcl(["plan"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/experiments\.yaml:3:\d+: YAML aliases expand to too much data/);
  });

  it("bytes that are not UTF-8 are an error at their line and column, not silently replaced by U+FFFD", async () => {
    rig = new Rig({ "pipelines/p.yaml": pipeline, "experiments.yaml": "" }, { toyStages: true });
    const head = Buffer.from("default: base\nexperiments:\n  base: { pipeline: p, description: \"caf");
    writeFileSync(rig.path("experiments.yaml"), Buffer.concat([head, Buffer.from([0xe9]), Buffer.from("\" }\n")]));
    const r = await rig.lcl(["plan"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/experiments\.yaml:3:\d+: not valid UTF-8: byte 0xe9/);
    const col = Number(/experiments\.yaml:3:(\d+)/.exec(r.stderr)![1]);
    expect(col).toBe("  base: { pipeline: p, description: \"caf".length + 1);
  });
});

describe("degenerate pipelines and sweeps", () => {
  it("`nodes: {}` is an error at `nodes`, not a run of 0 stages that writes a ref", async () => {
    rig = new Rig({ "pipelines/p.yaml": "nodes: {}\n", "experiments.yaml": "experiments:\n  base: { pipeline: p }\n" }, { toyStages: true });
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/pipelines\/p\.yaml:1:\d+: nodes: a pipeline needs at least one node/);
    expect(rig.exists("artifacts/refs")).toBe(false);
  });

  it("a sweep of 9 million variants is refused at once with its size, not a hang of `plan`", async () => {
    const values = (n: number) => `[${Array.from({ length: n }, (_, i) => i + 1).join(", ")}]`;
    rig = new Rig({ "pipelines/p.yaml": pipeline, "experiments.yaml": `experiments:\n  base:\n    pipeline: p\n    matrix:\n      src: { n: ${values(3000)}, offset: ${values(3000)} }\n` }, { toyStages: true });
    const t0 = Date.now();
    const r = await rig.lcl(["plan"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/9,000,000 variants \(3000 n × 3000 offset\); lcl handles at most 100,000/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});

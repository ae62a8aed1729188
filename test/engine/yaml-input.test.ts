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

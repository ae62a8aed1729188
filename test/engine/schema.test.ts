import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { files } from "./fixtures.js";

let rig: Rig;
afterEach(() => rig?.dispose());

describe("lcl schema", () => {
  it("writes JSON Schemas generated from the stage kinds' param schemas", async () => {
    rig = new Rig(files(), { toyStages: true });
    const r = await rig.lcl(["schema"]);
    expect(r.code, r.stderr).toBe(0);
    const exp = JSON.parse(readFileSync(rig.path(".lcl/experiments.schema.json"), "utf8"));
    const experiment = exp.properties.experiments.additionalProperties;
    expect(experiment.additionalProperties).toBe(false);
    expect(experiment.properties.pipeline.enum).toEqual(["p"]);
    const scale = experiment.properties.params.properties.scale;
    expect(scale.additionalProperties).toBe(false);
    expect(scale.properties.factor).toMatchObject({ type: "number", default: 2, description: "multiplier" });
    expect(experiment.properties.params.properties.src.properties.n).toMatchObject({ type: "integer", minimum: 1, default: 100 });
    // A sweep takes a list per param, or a list of param sets.
    expect(experiment.properties.matrix.properties.scale.anyOf[0].properties.factor).toMatchObject({ type: "array", items: { type: "number" } });

    const pipe = JSON.parse(readFileSync(rig.path(".lcl/pipeline.schema.json"), "utf8"));
    const node = pipe.properties.nodes.additionalProperties;
    expect(node.properties.uses.enum).toEqual(expect.arrayContaining(["t-source", "t-scale", "t-join", "toy-numbers"]));
    const forScale = node.allOf.find((x: any) => x.if.properties.uses.const === "t-scale");
    expect(Object.keys(forScale.then.properties.inputs.properties)).toEqual(["table"]);
    expect(forScale.then.properties.params.properties.fail).toMatchObject({ type: "boolean", default: false });
  });
});

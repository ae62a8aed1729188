import * as arrow from "apache-arrow";
import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { readTableFile } from "../../src/sdk/table-file.js";
import { Rig } from "../helpers/rig.js";

let rig: Rig;
afterEach(() => rig?.dispose());

const pipeline = `nodes:
  fashion: { uses: fashion-mnist, params: { train: 300, validation: 100, test: 100 } }
  random: { uses: frontend-random, params: { channels1: 8, channels2: 8 } }
  net: { uses: classifier, inputs: { frontend: random.frontend, frontend_architecture: random.architecture, train: fashion.train, validation: fashion.validation, test: fashion.test }, params: { frontend: trainable, width: 8, depth: 1, epochs: 1 } }
  net-adv: { uses: classifier, inputs: { frontend: random.frontend, frontend_architecture: random.architecture, train: fashion.train, validation: fashion.validation, test: fashion.test }, params: { frontend: trainable, width: 8, depth: 1, epochs: 1, adversarial: linf, adversarial_epsilon: 0.1, adversarial_steps: 2 } }
  ood: { uses: ood-eval, inputs: { model: net.model, architecture: net.architecture, test: fashion.test }, params: { corruptions: [gaussian_noise, contrast], severities: 2 } }
  ood-adv: { uses: ood-eval, inputs: { model: net-adv.model, architecture: net-adv.architecture, test: fashion.test }, params: { corruptions: [gaussian_noise, contrast], severities: 2 } }
  consistency: { uses: error-consistency, inputs: { trials: [ood.trials, ood-adv.trials] } }
`;

describe("adversarial baseline → per-trial OOD → error consistency", () => {
  it("trains adversarially, writes per-trial tables whose means are the accuracies, and joins models and human trials into κ", async () => {
    rig = new Rig({ "pipelines/p.yaml": pipeline, "experiments.yaml": "default: f\nexperiments:\n  f: { pipeline: p }\n" });
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const show = async (node: string) => JSON.parse((await rig.lcl(["show", "f", node, "--json"])).stdout)[0];
    const adv = await show("net-adv");
    expect(adv.metrics.test_robust_acc).toBeGreaterThanOrEqual(0);
    expect(adv.metrics.test_robust_acc).toBeLessThanOrEqual(adv.metrics.test_acc); // PGD never helps

    const view = (stage: string, out: string) => readTableFile(rig.path("artifacts/views/f", stage, out));
    const trials = await view("ood", "trials.parquet"), acc = await view("ood", "accuracy.parquet");
    expect(trials.numRows).toBe(100 * (1 + 2 * 2));
    const col = (t: arrow.Table, c: string): unknown[] => Array.from(t.getChild(c)!.toArray() as ArrayLike<unknown>);
    const tc = col(trials, "corruption"), ts = col(trials, "severity"), ok = [...Array(trials.numRows).keys()].map((i) => trials.getChild("correct")!.get(i) as boolean);
    const label = col(trials, "label"), pred = col(trials, "prediction");
    ok.forEach((v, i) => expect(v).toBe(label[i] === pred[i]));
    col(acc, "corruption").forEach((c, k) => {
      const rows = ok.filter((_, i) => tc[i] === c && ts[i] === col(acc, "severity")[k]);
      expect(rows.length).toBe(100);
      expect(rows.filter(Boolean).length / 100).toBeCloseTo(col(acc, "accuracy")[k] as number, 12);
    });

    const pairs = await view("consistency", "pairs.parquet");
    expect(col(pairs, "a")).toEqual(["ood"]);
    expect(col(pairs, "b")).toEqual(["ood-adv"]);
    expect(col(pairs, "conditions")[0]! as number + (col(pairs, "undefined_conditions")[0]! as number)).toBe(4); // clean left out by default

    // A "human" who is right exactly where the standard model is: κ with it is 1 in every defined condition.
    const human = { trial_id: [] as string[], subject: [] as string[], image: [] as string[], condition: [] as string[], response: [] as string[], correct: [] as boolean[] };
    for (let i = 0; i < trials.numRows; i++) {
      if (ts[i] === 0) continue;
      human.trial_id.push(`t${i}`); human.subject.push("s01"); human.image.push(String(col(trials, "image")[i]));
      human.condition.push(`${tc[i]}-${ts[i]}`); human.response.push(String(pred[i])); human.correct.push(ok[i]!);
    }
    writeFileSync(rig.path("human.arrow"), arrow.tableToIPC(arrow.tableFromArrays(human as any), "file"));
    rig.write("pipelines/p.yaml", pipeline.replace("inputs: { trials: [ood.trials, ood-adv.trials] } }", "inputs: { trials: [ood.trials, ood-adv.trials] }, params: { human_trials: human.arrow } }"));
    const r2 = await rig.lcl(["run"]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(rig.statuses()).toMatchObject({ net: "cached", "net-adv": "cached", ood: "cached", "ood-adv": "cached", consistency: "ran" });
    const withHuman = await view("consistency", "pairs.parquet");
    const k = (a: string, b: string) => col(withHuman, "kappa")[col(withHuman, "a").findIndex((x, i) => x === a && col(withHuman, "b")[i] === b)] as number;
    expect(k("ood", "human:s01")).toBeCloseTo(1, 12);
    expect(k("ood-adv", "human:s01")).toBeCloseTo(k("ood", "ood-adv"), 12);
    const png = readFileSync(rig.path("artifacts/views/f/consistency/plot.png"));
    expect(png.subarray(1, 4).toString()).toBe("PNG");

    // A malformed human file fails with the file and the column named.
    writeFileSync(rig.path("human.arrow"), arrow.tableToIPC(arrow.tableFromArrays({ trial_id: ["a"], image: ["1"] } as any), "file"));
    const bad = await rig.lcl(["run"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr + bad.stdout).toMatch(/human\.arrow: missing column\(s\) condition, response, correct/);
  }, 300_000);
});

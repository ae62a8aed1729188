import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, formatDiagnostic, type Diagnostic } from "../../src/engine/errors.js";
import { loadGraph, openSession } from "../../src/engine/session.js";
import { Rig } from "../helpers/rig.js";
import { pipeline } from "./fixtures.js";

/**
 * The malformed-input corpus: each case is a small workspace that must be rejected before
 * anything runs, with a message naming file:line:col and a fix.
 */
interface Case { name: string; experiments?: string; pipeline?: string; exp?: string; file: string; line: number; col?: number; message: RegExp; fix?: RegExp }

const EXP = "default: base\nexperiments:\n  base:\n    pipeline: p\n";
const cases: Case[] = [
  { name: "YAML syntax: unclosed flow map", experiments: "experiments:\n  base: { pipeline: p\n", file: "experiments.yaml", line: 3, message: /YAML syntax error/ },
  { name: "YAML: duplicate key", experiments: "experiments:\n  base:\n    pipeline: p\n    pipeline: q\n", file: "experiments.yaml", line: 4, message: /YAML syntax error.*[Uu]nique|duplicate/i, fix: /duplicate/ },
  { name: "YAML: tab indentation", experiments: "experiments:\n\tbase:\n", file: "experiments.yaml", line: 2, message: /YAML syntax error/ },
  { name: "unknown top-level key", experiments: "experimnts:\n  base: { pipeline: p }\n", file: "experiments.yaml", line: 1, col: 1, message: /unknown key 'experimnts'/, fix: /did you mean 'experiments'/ },
  { name: "unknown experiment key", experiments: EXP + "    paramz: {}\n", file: "experiments.yaml", line: 5, col: 5, message: /unknown key 'paramz'/, fix: /did you mean 'params'/ },
  { name: "unknown node key", pipeline: "nodes:\n  src:\n    usse: t-source\n", file: "pipelines/p.yaml", line: 3, message: /unknown key 'usse'|missing required key 'uses'/ },
  { name: "param of the wrong type", experiments: EXP + "    params:\n      scale: { factor: fast }\n", file: "experiments.yaml", line: 6, col: 24, message: /param 'factor': Expected number/, fix: /multiplier/ },
  { name: "param out of range", experiments: EXP + "    params:\n      src:\n        n: 0\n", file: "experiments.yaml", line: 7, col: 12, message: /param 'n': Expected a value greater than or equal to 1/ },
  { name: "param out of range in the pipeline file", pipeline: pipeline.replace("uses: t-source", "uses: t-source\n    params: { n: -3 }"), file: "pipelines/p.yaml", line: 6, message: /param 'n'/ },
  { name: "unknown param", experiments: EXP + "    params:\n      scale: { factr: 3 }\n", file: "experiments.yaml", line: 6, col: 16, message: /stage kind 't-scale' has no param 'factr'/, fix: /did you mean 'factor'/ },
  { name: "params for a node the pipeline lacks", experiments: EXP + "    params:\n      scael: { factor: 3 }\n", file: "experiments.yaml", line: 6, col: 7, message: /pipeline 'p' has no node 'scael'/, fix: /did you mean 'scale'/ },
  { name: "unknown stage kind", pipeline: pipeline.replace("uses: t-scale", "uses: t-scal"), file: "pipelines/p.yaml", line: 7, message: /unknown stage kind 't-scal'/, fix: /did you mean 't-scale'/ },
  { name: "missing input", pipeline: "nodes:\n  src: { uses: t-source }\n  scale: { uses: t-scale }\n", file: "pipelines/p.yaml", line: 3, message: /node 'scale' \(t-scale\) needs input 'table'/, fix: /inputs: \{ table:/ },
  { name: "dangling input", pipeline: pipeline.replace("table: src.table", "table: srx.table"), file: "pipelines/p.yaml", line: 8, col: 22, message: /unknown node 'srx'/, fix: /did you mean 'src.table'/ },
  { name: "unknown output", pipeline: pipeline.replace("table: src.table", "table: src.tabel"), file: "pipelines/p.yaml", line: 8, message: /node 'src' \(t-source\) has no output 'tabel'/, fix: /did you mean 'src.table'/ },
  { name: "unknown input port", pipeline: pipeline.replace("{ table: src.table }", "{ table: src.table, extra: src.table }"), file: "pipelines/p.yaml", line: 8, message: /has no input 'extra'/ },
  { name: "malformed input reference", pipeline: pipeline.replace("table: src.table", "table: src"), file: "pipelines/p.yaml", line: 8, message: /an input is written <node>.<output>/ },
  { name: "cycle", pipeline: "nodes:\n  a: { uses: t-scale, inputs: { table: b.table } }\n  b: { uses: t-scale, inputs: { table: a.table } }\n", file: "pipelines/p.yaml", line: 3, message: /inputs form a cycle: a → b → a|inputs form a cycle: b → a → b/, fix: /remove one/ },
  { name: "port kind mismatch", pipeline: pipeline + "  again:\n    uses: t-scale\n    inputs: { table: join.summary }\n", file: "pipelines/p.yaml", line: 14, message: /join.summary cannot feed again.table: it is a json, the input expects a table/ },
  { name: "column type mismatch", pipeline: "nodes:\n  ints: { uses: t-ints }\n  scale: { uses: t-scale, inputs: { table: ints.table } }\n", file: "pipelines/p.yaml", line: 3, message: /column value: provided int32, required float64/ },
  { name: "unknown pipeline", experiments: "experiments:\n  base: { pipeline: pp }\n", file: "experiments.yaml", line: 2, message: /pipeline 'pp' not found/, fix: /did you mean 'p'/ },
  { name: "extends an unknown experiment", experiments: EXP + "  child: { extends: bse }\n", exp: "child", file: "experiments.yaml", line: 5, message: /extends unknown experiment 'bse'/, fix: /did you mean 'base'/ },
  { name: "extends cycle", experiments: "experiments:\n  a: { extends: b }\n  b: { extends: a }\n", exp: "a", file: "experiments.yaml", line: 2, message: /'extends' forms a cycle/ },
  { name: "experiment without a pipeline", experiments: "experiments:\n  a: { description: x }\n", exp: "a", file: "experiments.yaml", line: 2, message: /names no pipeline/, fix: /pipeline: <name>/ },
  { name: "sweep value of the wrong type", experiments: EXP + "    matrix:\n      scale: { factor: [1, two] }\n", file: "experiments.yaml", line: 6, message: /param 'factor': Expected number/ },
  { name: "empty sweep", experiments: EXP + "    matrix:\n      scale: { factor: [] }\n", file: "experiments.yaml", line: 6, message: /has no values/ },
  { name: "default names a missing experiment", experiments: "default: bsae\nexperiments:\n  base: { pipeline: p }\n", file: "experiments.yaml", line: 1, col: 10, message: /default experiment 'bsae' is not defined/, fix: /did you mean 'base'/ },
  { name: "bad node name", pipeline: "nodes:\n  9src: { uses: t-source }\n", file: "pipelines/p.yaml", line: 2, message: /invalid name '9src'/, fix: /rename/ },
];

let rig: Rig;
beforeAll(() => { rig = new Rig({}, { toyStages: true }); });
afterAll(() => rig.dispose());

async function diagnosticsFor(c: Case): Promise<Diagnostic[]> {
  rig.write("experiments.yaml", c.experiments ?? EXP);
  rig.write("pipelines/p.yaml", c.pipeline ?? pipeline);
  try {
    await loadGraph(openSession(rig.root), [c.exp ?? "base"]);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.diagnostics];
    throw e;
  }
  return [];
}

describe("malformed input is rejected before running, with a positioned message and a fix", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const ds = await diagnosticsFor(c);
      const text = ds.map(formatDiagnostic).join("\n");
      const d = ds.find((x) => c.message.test(x.message));
      expect(d, `no diagnostic matching ${c.message} in:\n${text}`).toBeDefined();
      expect(d!.file, text).toBe(c.file);
      expect(d!.line, text).toBe(c.line);
      if (c.col !== undefined) expect(d!.col, text).toBe(c.col);
      if (c.fix) expect(d!.fix ?? "", text).toMatch(c.fix);
    });
  }

  it("the CLI prints file:line:col, exits 2, prints no stack, and runs nothing", async () => {
    rig.write("experiments.yaml", EXP + "    params:\n      scale: { factor: fast }\n");
    rig.write("pipelines/p.yaml", pipeline);
    const r = await rig.lcl(["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("experiments.yaml:6:24: experiments.base.params.scale.factor: param 'factor': Expected number");
    expect(r.stderr).toContain("nothing ran");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(rig.exists("artifacts/runs")).toBe(false);
    const verbose = await rig.lcl(["run", "--verbose"]);
    expect(verbose.code).toBe(2);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });
});

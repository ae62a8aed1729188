import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, formatDiagnostic, type Diagnostic } from "../../src/engine/errors.js";
import { loadGraph, openSession } from "../../src/engine/session.js";
import { Rig } from "../helpers/rig.js";
import { pipeline } from "./fixtures.js";

/**
 * The second malformed-config corpus (with config-errors.test.ts: over 100 configs). Each is
 * rejected before anything runs with file:line, a message that says what the key takes (not raw
 * schema text like "Expected object | null") and — for every one — a fix.
 */
interface Case { name: string; experiments?: string; pipeline?: string; exp?: string; file: string; line: number | undefined; message: RegExp; fix: RegExp }

const EMPTY = "";
const cases: Case[] = [
  { name: "uses path-like stages/", pipeline: "\ndescription: test pipeline\nnodes:\n  src:\n    uses: t-source\n  scale:\n    uses: stages/t-scale\n    inputs: { table: src.table }\n  join:\n    uses: t-join\n    inputs: { tables: scale.table }\n", file: "pipelines/p.yaml", line: 7, message: /'stages\/t-scale' is not a name/, fix: /write the name only: did you mean 't-sca/ },
  { name: "uses with .ts", pipeline: "\ndescription: test pipeline\nnodes:\n  src:\n    uses: t-source\n  scale:\n    uses: t-scale.ts\n    inputs: { table: src.table }\n  join:\n    uses: t-join\n    inputs: { tables: scale.table }\n", file: "pipelines/p.yaml", line: 7, message: /'t-scale\.ts' is not a name/, fix: /write the name only: did you mean 't-sca/ },
  { name: "pipeline path-like", experiments: "experiments:\n  base: { pipeline: ../x }\n", file: "experiments.yaml", line: 2, message: /'\.\.\/x' is not a name/, fix: /write the name only: did you mean 'x'\?/ },
  { name: "pipeline with .yaml", experiments: "experiments:\n  base: { pipeline: p.yaml }\n", file: "experiments.yaml", line: 2, message: /'p\.yaml' is not a name/, fix: /write the name only: did you mean 'p'\?/ },
  { name: "pipeline pipelines/p", experiments: "experiments:\n  base: { pipeline: pipelines/p }\n", file: "experiments.yaml", line: 2, message: /'pipelines\/p' is not a name/, fix: /write the name only: did you mean 'p'\?/ },
  { name: "nodes is a list", pipeline: "nodes:\n  - src\n", file: "pipelines/p.yaml", line: 2, message: /'nodes' takes a map of node name → \{ uses/, fix: /write a map of node name → \{ uses: <kind/ },
  { name: "nodes is a string", pipeline: "nodes: src\n", file: "pipelines/p.yaml", line: 1, message: /'nodes' takes a map of node name → \{ uses/, fix: /write a map of node name → \{ uses: <kind/ },
  { name: "node is a string", pipeline: "nodes:\n  src: t-source\n", file: "pipelines/p.yaml", line: 2, message: /'src' takes a map with `uses/, fix: /write a map with `uses: <stage kind>` \(a/ },
  { name: "node is null", pipeline: "nodes:\n  src:\n", file: "pipelines/p.yaml", line: 2, message: /'src' takes a map with `uses/, fix: /write a map with `uses: <stage kind>` \(a/ },
  { name: "params is a list", pipeline: "nodes:\n  src: { uses: t-source, params: [1] }\n", file: "pipelines/p.yaml", line: 2, message: /'params' takes a map of param/, fix: /write a map of param: value/ },
  { name: "params is a string", pipeline: "nodes:\n  src: { uses: t-source, params: n=3 }\n", file: "pipelines/p.yaml", line: 2, message: /'params' takes a map of param/, fix: /write a map of param: value/ },
  { name: "inputs is a list", pipeline: "nodes:\n  src: { uses: t-source }\n  scale: { uses: t-scale, inputs: [src.table] }\n", file: "pipelines/p.yaml", line: 3, message: /'inputs' takes a map of <input port>/, fix: /write a map of <input port>: <node>\.<out/ },
  { name: "input value number", pipeline: "nodes:\n  src: { uses: t-source }\n  scale: { uses: t-scale, inputs: { table: 3 } }\n", file: "pipelines/p.yaml", line: 3, message: /'table' takes <node>\.<output>, e\.g\. gen\.table/, fix: /write <node>\.<output>, e\.g\. gen\.table/ },
  { name: "uses number", pipeline: "nodes:\n  src: { uses: 3 }\n", file: "pipelines/p.yaml", line: 2, message: /'uses' takes a stage kind's name, e\.g\. toy-scale/, fix: /write a stage kind's name, e\.g\. toy-scal/ },
  { name: "uses missing", pipeline: "nodes:\n  src: { params: {} }\n", file: "pipelines/p.yaml", line: 2, message: /missing required key 'uses'/, fix: /add it/ },
  { name: "description number", pipeline: "description: [1]\nnodes:\n  src: { uses: t-source }\n", file: "pipelines/p.yaml", line: 1, message: /'description' takes text /, fix: /write text \(quote it if it has ':' or '#/ },
  { name: "experiments is a list", experiments: "experiments:\n  - base\n", file: "experiments.yaml", line: 2, message: /'experiments' takes a map of experiment name → \{ pipeline, p/, fix: /write a map of experiment name → \{ pipel/ },
  { name: "experiments missing", experiments: "default: base\n", file: "experiments.yaml", line: 1, message: /missing required key 'experiments'/, fix: /add it/ },
  { name: "experiment is a string", experiments: "experiments:\n  base: p\n", file: "experiments.yaml", line: 2, message: /'base' takes a map with `pipeline/, fix: /write a map with `pipeline: <name>` or `/ },
  { name: "experiment params list", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    params: [1]\n", file: "experiments.yaml", line: 5, message: /'params' takes a map of node → \{ param/, fix: /write a map of node → \{ param: value \}/ },
  { name: "experiment params for node is a list", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    params:\n      src: [1]\n", file: "experiments.yaml", line: 6, message: /'src' takes a map of param/, fix: /write a map of param: value/ },
  { name: "matrix is a list", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix: [1, 2]\n", file: "experiments.yaml", line: 5, message: /'matrix' takes a map of node → \{ param/, fix: /write a map of node → \{ param: \[values…\]/ },
  { name: "matrix value scalar", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix:\n      scale: { factor: 2 }\n", file: "experiments.yaml", line: 6, message: /'factor' takes a list of values, e\.g\. \[1, 2, 3\]/, fix: /write a list of values, e\.g\. \[1, 2, 3\]/ },
  { name: "matrix for unknown node", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix:\n      scael: { factor: [1, 2] }\n", file: "experiments.yaml", line: 6, message: /pipeline 'p' has no node 'scael'/, fix: /did you mean 'scale'\?/ },
  { name: "matrix unknown param", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix:\n      scale: { factr: [1, 2] }\n", file: "experiments.yaml", line: 6, message: /stage kind 't-scale' has no param 'factr'/, fix: /did you mean 'factor'\?/ },
  { name: "matrix repeats", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix:\n      scale: { factor: [1, 1] }\n", file: "experiments.yaml", line: 6, message: /sweep over 'factor' repeats a value/, fix: /list each value once/ },
  { name: "matrix empty list", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix:\n      scale: []\n", file: "experiments.yaml", line: 6, message: /a sweep needs at least one variant/, fix: /list one or more param sets/ },
  { name: "zip unequal", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    zip:\n      ax: { scale.factor: [1, 2], src.n: [3] }\n", file: "experiments.yaml", line: 6, message: /zip lists must be equally long/, fix: /give every param of the axis one value p/ },
  { name: "zip unknown node", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    zip:\n      ax: { scael.factor: [1, 2] }\n", file: "experiments.yaml", line: 6, message: /pipeline 'p' has no node 'scael'/, fix: /did you mean 'scale\.factor'\?/ },
  { name: "zip named like node", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    zip:\n      scale: { scale.factor: [1, 2] }\n", file: "experiments.yaml", line: 6, message: /zip axis 'scale' has the name of a node/, fix: /name the axis after what it varies, e\.g\./ },
  { name: "zip key not node.param", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    zip:\n      ax: { factor: [1, 2] }\n", file: "experiments.yaml", line: 6, message: /'factor' is not <node>\.<param>/, fix: /e\.g\. layer1\.objective/ },
  { name: "zip and matrix clash", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix:\n      scale: { factor: [1, 2] }\n    zip:\n      ax: { scale.factor: [1, 2] }\n", file: "experiments.yaml", line: 8, message: /scale\.factor is swept both here and in matrix\.scale/, fix: /sweep each param in one place/ },
  { name: "default is a number", experiments: "default: 3\nexperiments:\n  base: { pipeline: p }\n", file: "experiments.yaml", line: 1, message: /'default' takes the name of an experiment below/, fix: /write the name of an experiment below/ },
  { name: "bad experiment name", experiments: "experiments:\n  9base: { pipeline: p }\n", file: "experiments.yaml", line: 2, message: /invalid name '9base'/, fix: /rename it/ },
  { name: "experiment name with space", experiments: "experiments:\n  my exp: { pipeline: p }\n", file: "experiments.yaml", line: 2, message: /invalid name 'my exp'/, fix: /rename it/ },
  { name: "extends self", experiments: "experiments:\n  a: { extends: a }\n", exp: "a", file: "experiments.yaml", line: 2, message: /'extends' forms a cycle/, fix: /remove one of the extends links/ },
  { name: "param bool wrong", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    params:\n      scale: { fail: yes please }\n", file: "experiments.yaml", line: 6, message: /param 'fail'/, fix: /expected type boolean/ },
  { name: "param int float", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    params:\n      src: { n: 2.5 }\n", file: "experiments.yaml", line: 6, message: /param 'n'/, fix: /expected rows, type integer, ≥ 1, ≤ 9007/ },
  { name: "param string for number list", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    params:\n      src: { offset: [1] }\n", file: "experiments.yaml", line: 6, message: /param 'offset'/, fix: /expected type number/ },
  { name: "param null", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    params:\n      src: { n: null }\n", file: "experiments.yaml", line: 6, message: /param 'n'/, fix: /expected rows, type integer, ≥ 1, ≤ 9007/ },
  { name: "param object", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    params:\n      src: { n: { a: 1 } }\n", file: "experiments.yaml", line: 6, message: /param 'n'/, fix: /expected rows, type integer, ≥ 1, ≤ 9007/ },
  { name: "pipeline params wrong", pipeline: "\ndescription: test pipeline\nnodes:\n  src:\n    uses: t-source\n  scale:\n    uses: t-scale\n    params: { factor: x }\n    inputs: { table: src.table }\n  join:\n    uses: t-join\n    inputs: { tables: scale.table }\n", file: "pipelines/p.yaml", line: 8, message: /param 'factor'/, fix: /expected multiplier, type number/ },
  { name: "unknown param in pipeline", pipeline: "\ndescription: test pipeline\nnodes:\n  src:\n    uses: t-source\n  scale:\n    uses: t-scale\n    params: { factr: 2 }\n    inputs: { table: src.table }\n  join:\n    uses: t-join\n    inputs: { tables: scale.table }\n", file: "pipelines/p.yaml", line: 8, message: /stage kind 't-scale' has no param 'factr'/, fix: /did you mean 'factor'\?/ },
  { name: "input from itself", pipeline: "nodes:\n  a: { uses: t-scale, inputs: { table: a.table } }\n", file: "pipelines/p.yaml", line: 2, message: /inputs form a cycle/, fix: /a stage cannot depend on its own output;/ },
  { name: "join fed by scalar-ish", pipeline: "nodes:\n  src: { uses: t-source }\n  j: { uses: t-join, inputs: { tables: src.summary } }\n", file: "pipelines/p.yaml", line: 3, message: /node 'src' /, fix: /its outputs are: table/ },
  { name: "join without inputs", pipeline: "nodes:\n  j: { uses: t-join }\n", file: "pipelines/p.yaml", line: 2, message: /node 'j' /, fix: /add `inputs: \{ tables: <node>\.<output> \}/ },
  { name: "resources unknown key", pipeline: "nodes:\n  src: { uses: t-source, resources: { memory: 2G } }\n", file: "pipelines/p.yaml", line: 2, message: /unknown key 'memory'/, fix: /allowed keys here: cpus, mem, time, gpus/ },
  { name: "resources bad mem", pipeline: "nodes:\n  src: { uses: t-source, resources: { mem: lots } }\n", file: "pipelines/p.yaml", line: 2, message: /memory is a number with an optional unit K, M, G or T /, fix: /write a size such as 4G or 500M/ },
  { name: "resources bad time", pipeline: "nodes:\n  src: { uses: t-source, resources: { time: soon } }\n", file: "pipelines/p.yaml", line: 2, message: /time is SLURM's --time/, fix: /write minutes, HH:MM:SS or D-HH:MM, e\.g\./ },
  { name: "resources bad cpus", pipeline: "nodes:\n  src: { uses: t-source, resources: { cpus: -1 } }\n", file: "pipelines/p.yaml", line: 2, message: /Expected a value greater than or equal to 1/, fix: /write a whole number ≥ 1, e\.g\. 4/ },
  { name: "unknown top-level pipeline key", pipeline: "node:\n  src: { uses: t-source }\n", file: "pipelines/p.yaml", line: 1, message: /unknown key 'node'/, fix: /did you mean 'nodes'\?/ },
  { name: "empty pipeline file", pipeline: EMPTY, file: "pipelines/p.yaml", line: undefined, message: /missing required key 'nodes'/, fix: /add it/ },
  { name: "pipeline is a list", pipeline: "- a\n- b\n", file: "pipelines/p.yaml", line: 1, message: /the file takes a map with `nodes/, fix: /write a map with `nodes:` \(and optionall/ },
  { name: "experiments file is a scalar", experiments: "hello\n", file: "experiments.yaml", line: 1, message: /the file takes a map with `experiments/, fix: /write a map with `experiments:` \(and opt/ },
  { name: "experiments file empty", experiments: "", file: "experiments.yaml", line: undefined, message: /missing required key 'experiments'/, fix: /add it/ },
  { name: "YAML: bad indentation of mapping", experiments: "experiments:\n  base:\n     pipeline: p\n   description: x\n", file: "experiments.yaml", line: 4, message: /YAML syntax error/, fix: /indent nested keys consistently with spa/ },
  { name: "YAML: unclosed quote", experiments: "experiments:\n  base: { pipeline: \"p }\n", file: "experiments.yaml", line: 3, message: /YAML syntax error/, fix: /close the quote, bracket or brace that w/ },
  { name: "YAML: unclosed bracket", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix:\n      scale: { factor: [1, 2 }\n", file: "experiments.yaml", line: 6, message: /YAML syntax error/, fix: /indent nested keys consistently with spa/ },
  { name: "YAML: duplicate node", pipeline: "nodes:\n  src: { uses: t-source }\n  src: { uses: t-source }\n", file: "pipelines/p.yaml", line: 3, message: /YAML syntax error/, fix: /remove or rename one of the duplicate ke/ },
  { name: "YAML: alias to undefined anchor", experiments: "experiments:\n  base: *nope\n", file: "experiments.yaml", line: 2, message: /YAML alias \*nope has no anchor &nope before it/, fix: /define &nope earlier in the file, or wri/ },
  { name: "YAML: multiple documents", experiments: "experiments:\n  base: { pipeline: p }\n---\nx: 1\n", file: "experiments.yaml", line: 3, message: /YAML syntax error/, fix: /check the YAML syntax at this position/ },
  { name: "YAML: stray colon", pipeline: "nodes:\n  src: { uses: t-source }: x\n", file: "pipelines/p.yaml", line: 2, message: /invalid name ''/, fix: /rename it/ },
  { name: "unknown node in params, no guess", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    params:\n      zzzzzz: { n: 3 }\n", file: "experiments.yaml", line: 6, message: /pipeline 'p' has no node 'zzzzzz'/, fix: /nodes are: src, scale, join/ },
  { name: "unknown kind, no guess", pipeline: "\ndescription: test pipeline\nnodes:\n  src:\n    uses: t-source\n  scale:\n    uses: qqqqqqqq\n    inputs: { table: src.table }\n  join:\n    uses: t-join\n    inputs: { tables: scale.table }\n", file: "pipelines/p.yaml", line: 7, message: /unknown stage kind 'qqqqqqqq'/, fix: /available kinds: ablations, classifier, / },
  { name: "unknown output, no guess", pipeline: "\ndescription: test pipeline\nnodes:\n  src:\n    uses: t-source\n  scale:\n    uses: t-scale\n    inputs: { table: src.zzzzzz }\n  join:\n    uses: t-join\n    inputs: { tables: scale.table }\n", file: "pipelines/p.yaml", line: 8, message: /node 'src' /, fix: /its outputs are: table/ },
  { name: "input port wrong name", pipeline: "\ndescription: test pipeline\nnodes:\n  src:\n    uses: t-source\n  scale:\n    uses: t-scale\n    inputs: { tabel: src.table }\n  join:\n    uses: t-join\n    inputs: { tables: scale.table }\n", file: "pipelines/p.yaml", line: 6, message: /node 'scale' /, fix: /add `inputs: \{ table: <node>\.<output> \}`/ },
  { name: "two cycles", pipeline: "nodes:\n  a: { uses: t-scale, inputs: { table: b.table } }\n  b: { uses: t-scale, inputs: { table: c.table } }\n  c: { uses: t-scale, inputs: { table: a.table } }\n", file: "pipelines/p.yaml", line: 3, message: /inputs form a cycle/, fix: /a stage cannot depend on its own output;/ },
  { name: "files param leaves workspace", pipeline: "nodes:\n  f: { uses: t-files, params: { path: ../../etc } }\n", file: "pipelines/p.yaml", line: 2, message: /path '\.\.\/\.\.\/etc' leaves the workspace/, fix: /use a path inside the workspace \(symlink/ },
  { name: "files param missing", pipeline: "nodes:\n  f: { uses: t-files, params: { path: nowhere } }\n", file: "pipelines/p.yaml", line: 2, message: /no such file or folder 'nowhere' /, fix: /check the path; it is relative to the fo/ },
  { name: "files param absent", pipeline: "nodes:\n  f: { uses: t-files }\n", file: "pipelines/p.yaml", line: 2, message: /param 'path' of 't-files' is required and has no default/, fix: /set params\.path/ },
  { name: "$schema wrong type", pipeline: "$schema: 3\nnodes:\n  src: { uses: t-source }\n", file: "pipelines/p.yaml", line: 1, message: /'\$schema' takes text /, fix: /write text \(quote it if it has ':' or '#/ },
  { name: "experiment description list", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    description: [a]\n", file: "experiments.yaml", line: 5, message: /'description' takes text /, fix: /write text \(quote it if it has ':' or '#/ },
  { name: "extends a number", experiments: "experiments:\n  a: { extends: 3 }\n", exp: "a", file: "experiments.yaml", line: 2, message: /'extends' takes the name of another experiment/, fix: /write the name of another experiment/ },
  { name: "matrix list entry unknown param", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix:\n      src: [ { n: 3 }, { nn: 4 } ]\n", file: "experiments.yaml", line: 6, message: /stage kind 't-source' has no param 'nn'/, fix: /did you mean 'n'\?/ },
  { name: "matrix list entry bad value", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix:\n      src: [ { n: 0 } ]\n", file: "experiments.yaml", line: 6, message: /param 'n'/, fix: /expected rows, type integer, ≥ 1, ≤ 9007/ },
  { name: "zip empty", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    zip:\n      ax: {}\n", file: "experiments.yaml", line: 6, message: /zip axis 'ax' sets nothing/, fix: /list <node>\.<param>: \[values…\], two or m/ },
  { name: "zip list empty", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    zip:\n      ax: { scale.factor: [] }\n", file: "experiments.yaml", line: 6, message: /zip axis 'ax' has no values/, fix: /give at least one value per param/ },
  { name: "zip not a map", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    zip:\n      ax: [1, 2]\n", file: "experiments.yaml", line: 6, message: /'ax' takes a map of <node>\.<param>/, fix: /write a map of <node>\.<param>: \[values…\]/ },
  { name: "uses kind name case", pipeline: "\ndescription: test pipeline\nnodes:\n  src:\n    uses: t-source\n  scale:\n    uses: T-Scale\n    inputs: { table: src.table }\n  join:\n    uses: t-join\n    inputs: { tables: scale.table }\n", file: "pipelines/p.yaml", line: 7, message: /unknown stage kind 'T-Scale'/, fix: /did you mean 't-scale'\?/ },
  { name: "matrix list entry not a map", experiments: "default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix:\n      src: [3]\n", file: "experiments.yaml", line: 6, message: /'matrix'|'src'|takes/, fix: /write/ },
  { name: "input given as a list", pipeline: "nodes:\n  src: { uses: t-source }\n  scale: { uses: t-scale, inputs: { table: [src.table] } }\n", file: "pipelines/p.yaml", line: 3, message: /'table' of 't-scale' takes one <node>\.<output>, not a list/, fix: /only join inputs .* accept a list/ },
];

const EXP = "default: base\nexperiments:\n  base:\n    pipeline: p\n";
let rig: Rig;
beforeAll(() => { rig = new Rig({}, { toyStages: true }); });
afterAll(() => rig.dispose());

async function diagnosticsFor(c: Case): Promise<Diagnostic[]> {
  rig.write("experiments.yaml", c.experiments ?? EXP);
  rig.write("pipelines/p.yaml", c.pipeline ?? pipeline);
  try { await loadGraph(openSession(rig.root), [c.exp ?? "base"]); } catch (e) {
    if (e instanceof ConfigError) return [...e.diagnostics];
    throw e;
  }
  return [];
}

describe(`malformed configs (${cases.length}): position, a message in the YAML author's terms, and always a fix`, () => {
  it("holds at least 80 configs", () => expect(cases.length).toBeGreaterThanOrEqual(80));
  for (const c of cases) {
    it(c.name, async () => {
      const ds = await diagnosticsFor(c);
      const text = ds.map(formatDiagnostic).join("\n");
      const d = ds.find((x) => c.message.test(x.message));
      expect(d, `no diagnostic matching ${c.message} in:\n${text}`).toBeDefined();
      expect(d!.file, text).toBe(c.file);
      expect(d!.line, text).toBe(c.line);
      expect(d!.fix ?? "", text).toMatch(c.fix);
      for (const x of ds) expect(x.fix, `every diagnostic has a fix:\n${text}`).toBeTruthy();
      expect(text).not.toMatch(/Expected (object|array|string) \| null/); // raw schema wording
    });
  }
});

describe("the experiment named on the command line", () => {
  it("`lcl plan nope` is an unknown experiment with did-you-mean, not an unknown node", async () => {
    rig.write("experiments.yaml", "default: base\nexperiments:\n  base: { pipeline: p }\n  sweep: { extends: base }\n");
    rig.write("pipelines/p.yaml", pipeline);
    const r = await rig.lcl(["plan", "swep"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no experiment \(or node of the default experiment 'base'\) 'swep'/);
    expect(r.stderr).toMatch(/did you mean experiment 'sweep'\?/);
  });
});

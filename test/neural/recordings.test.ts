import { describe, expect, it } from "vitest";
import { tableFromColumns } from "../../src/engine/table/build.js";
import { expectedReliability, poisson, simulateTrials } from "../../src/neural/in-silico.js";
import { NEURONS_ALL, readRecording, recordingTables, RESPONSES_COLUMNS, STIMULI_ALL, type Recording } from "../../src/neural/recordings.js";
import { internalConsistency } from "../../src/metrics/ceiling.js";
import { makeRng } from "../../src/sdk/rng.js";

const tiny = (): Recording => {
  const S = 3, N = 2, R = 2;
  return {
    stimuli: { ids: ["a", "b", "c"], width: 2, height: 2, pixels: Float32Array.from({ length: S * 4 }, (_, i) => i / 12), family: ["f", "f", "g"], type: ["texture", "noise", "texture"] },
    neurons: { ids: ["n1", "n2"], region: ["V1", "V2"], cortex: Float64Array.of(0, 1, 2, 3) },
    repetitions: R,
    trials: Float64Array.from({ length: S * N * R }, (_, i) => i),
  };
};
const asTables = (rec: Recording) => {
  const t = recordingTables(rec);
  return { stimuli: tableFromColumns(STIMULI_ALL, t.stimuli), responses: tableFromColumns(RESPONSES_COLUMNS, t.responses), neurons: tableFromColumns(NEURONS_ALL, t.neurons) };
};

describe("recordings format", () => {
  it("round-trips through the three tables; all-null optional columns read as absent", () => {
    const back = readRecording(asTables(tiny()));
    expect(back.trials).toEqual(tiny().trials);
    expect(back.stimuli.family).toEqual(["f", "f", "g"]);
    expect(back.stimuli.tier).toBeUndefined();
    expect(back.stimuli.sample).toBeUndefined();
    expect(back.neurons.rf).toBeUndefined();
    expect(Array.from(back.neurons.cortex!)).toEqual([0, 1, 2, 3]);
    expect(back.stimuli.pixels).toEqual(tiny().stimuli.pixels);
  });

  it("names the table, row and problem for bad input", () => {
    const t = recordingTables(tiny());
    const bad = (edit: (c: ReturnType<typeof recordingTables>) => void) => {
      const c = recordingTables(tiny()); edit(c);
      return () => readRecording({ stimuli: tableFromColumns(STIMULI_ALL, c.stimuli), responses: tableFromColumns(RESPONSES_COLUMNS, c.responses), neurons: tableFromColumns(NEURONS_ALL, c.neurons) });
    };
    expect(t.responses.neuron_id.length).toBe(12);
    expect(bad((c) => { (c.responses.neuron_id as string[])[4] = "n9"; })).toThrow(/responses row 4: neuron_id 'n9' is not in neurons/);
    expect(bad((c) => { (c.responses.repetition as Int32Array)[1] = 0; })).toThrow(/row 1: a second response/);
    expect(bad((c) => { (c.stimuli.stimulus_id as string[])[2] = "a"; })).toThrow(/stimuli row 2: duplicate stimulus_id 'a'/);
    expect(bad((c) => { (c.stimuli.pixels as Float32Array[])[1] = new Float32Array(3); })).toThrow(/stimuli row 1 \('b'\): pixels has 3 values, width×height = 4/);
    expect(bad((c) => { (c.stimuli.tier as string[])[0] = "held-out"; })).toThrow(/tier 'held-out'/);
    // Dropping every trial of one neuron × stimulus is an error, dropping one repetition is not.
    const c = recordingTables(tiny());
    const keep = (c.responses.stimulus_id as string[]).map((s, i) => !(s === "b" && (c.responses.neuron_id as string[])[i] === "n2"));
    const filter = <T,>(a: ArrayLike<T>) => Array.from(a).filter((_, i) => keep[i]);
    const responses = { stimulus_id: filter(c.responses.stimulus_id as string[]), neuron_id: filter(c.responses.neuron_id as string[]), repetition: filter(c.responses.repetition as Int32Array), response: filter(c.responses.response as Float64Array) };
    expect(() => readRecording({ stimuli: tableFromColumns(STIMULI_ALL, c.stimuli), responses: tableFromColumns(RESPONSES_COLUMNS, responses), neurons: tableFromColumns(NEURONS_ALL, c.neurons) }))
      .toThrow(/no response of neuron 'n2' to stimulus 'b'/);
  });
});

describe("in-silico neurons", () => {
  it("Poisson draws have mean ≈ variance ≈ λ, small and large λ", () => {
    const rng = makeRng(1);
    for (const lam of [0.7, 4, 60]) {
      const x = Array.from({ length: 20000 }, () => poisson(lam, rng));
      const m = x.reduce((a, b) => a + b, 0) / x.length, v = x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length;
      expect(Math.abs(m - lam) / lam).toBeLessThan(0.03);
      expect(Math.abs(v - lam) / lam).toBeLessThan(0.06);
    }
  });

  it("the split-half Spearman–Brown ceiling estimates the closed-form reliability", () => {
    const S = 300, N = 20, R = 20, rng = makeRng(2);
    const rates = Float64Array.from({ length: S * N }, () => 2 + 6 * rng.next());
    const trials = simulateTrials(rates, S, N, R, rng.fork("trials"));
    const known = expectedReliability(rates, S, N, R);
    const { perNeuron } = internalConsistency(trials, S, N, R, rng.fork("ceiling"));
    for (let n = 0; n < N; n++) expect(Math.abs(perNeuron[n]! - known[n]!)).toBeLessThan(0.06);
  });
});

describe("recordings stage (real data in)", () => {
  it("imports Parquet files in the recordings format; a bad row fails the stage naming the file, row and fix", async () => {
    const { Rig } = await import("../helpers/rig.js");
    const { encodeParquet } = await import("../../src/engine/table/codec.js");
    const { writeFileSync } = await import("node:fs");
    const rig = new Rig({ "data/.keep": "", "pipelines/p.yaml": "nodes:\n  rec: { uses: recordings, params: { stimuli: data/stimuli.parquet, responses: data/responses.parquet, neurons: data/neurons.parquet } }\n", "experiments.yaml": "default: a\nexperiments:\n  a: { pipeline: p }\n" });
    try {
      const t = asTables(tiny());
      for (const k of ["stimuli", "responses", "neurons"] as const) writeFileSync(rig.path(`data/${k}.parquet`), await encodeParquet(t[k]));
      const ok = await rig.lcl(["run"]);
      expect(ok.code, ok.stderr).toBe(0);
      const rec = JSON.parse((await rig.lcl(["show", "a", "rec", "--json"])).stdout)[0];
      expect(rec.metrics).toMatchObject({ stimuli: 3, neurons: 2, repetitions: 2, neurons_V1: 1, neurons_V2: 1 });
      const c = recordingTables(tiny());
      (c.responses.neuron_id as string[])[5] = "n7";
      writeFileSync(rig.path("data/responses.parquet"), await encodeParquet(tableFromColumns(RESPONSES_COLUMNS, c.responses)));
      const bad = await rig.lcl(["run"]);
      expect(bad.code).not.toBe(0);
      expect(bad.stdout + bad.stderr).toMatch(/data\/responses\.parquet row 5: neuron_id 'n7' is not in data\/neurons\.parquet/);
    } finally { rig.dispose(); }
  });
});

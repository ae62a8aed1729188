import type * as arrow from "apache-arrow";
import { port, type TableReader, type TableWriter } from "../sdk/ports.js";

/**
 * The recordings format: how neural data (real or in silico) enters lcl. Three tables, Parquet
 * when they come from outside (DuckDB, pandas and R write them), Arrow inside the store:
 *
 *   stimuli    stimulus_id utf8 · width int32 · height int32 · pixels list<float32> (row-major
 *              grey, [0, 1]) · optional: family utf8, type utf8 ("texture" | "noise" | …),
 *              sample int32, tier utf8 ("train" | "validation" | "test"), source utf8 (id of
 *              the photograph the stimulus was made from — natural-images' id — so stages can
 *              refuse stimuli from a front-end's training images)
 *   responses  stimulus_id utf8 · neuron_id utf8 · repetition int32 · response float64
 *              (one row per trial: spike count or rate in the analysis window)
 *   neurons    neuron_id utf8 · region utf8 (e.g. V1, V2) · optional: animal utf8,
 *              cortex_x float64, cortex_y float64 (cortical/recording position, for a
 *              retinotopic readout), rf_x float64, rf_y float64 (known RF centre in normalised
 *              image coordinates [−1, 1], in-silico ground truth)
 *
 * Brain-Score's assemblies map onto it directly (presentation × neuroid × repetition, with
 * texture_family/texture_type/sample coordinates); so does neuralpredictors' FileTreeDataset
 * (images, responses, meta/neurons, meta/trials tiers).
 */
export const STIMULI_COLUMNS = { stimulus_id: "utf8", width: "int32", height: "int32", pixels: { list: "float32" } } as const;
export const RESPONSES_COLUMNS = { stimulus_id: "utf8", neuron_id: "utf8", repetition: "int32", response: "float64" } as const;
export const NEURONS_COLUMNS = { neuron_id: "utf8", region: "utf8" } as const;
/** Every column, as lcl's own stages write them (null/"" where a value does not apply). */
export const STIMULI_ALL = { ...STIMULI_COLUMNS, family: "utf8", type: "utf8", sample: "int32", tier: "utf8", source: "utf8" } as const;
export const NEURONS_ALL = { ...NEURONS_COLUMNS, animal: "utf8", cortex_x: "float64", cortex_y: "float64", rf_x: "float64", rf_y: "float64" } as const;

export class RecordingError extends Error { override name = "RecordingError"; }

export interface Stimuli {
  readonly ids: readonly string[];
  readonly width: number;
  readonly height: number;
  /** S × height × width, row-major. */
  readonly pixels: Float32Array;
  readonly family?: readonly string[];
  readonly type?: readonly string[];
  readonly sample?: readonly number[];
  readonly tier?: readonly string[];
  /** Per stimulus, the id of the image it was made from ("" when not from a photograph). */
  readonly source?: readonly string[];
}

export interface Neurons {
  readonly ids: readonly string[];
  readonly region: readonly string[];
  readonly animal?: readonly string[];
  /** N × 2 (x, y) when the table has cortex_x/cortex_y. */
  readonly cortex?: Float64Array;
  /** N × 2 ground-truth RF centres when known (in silico). */
  readonly rf?: Float64Array;
}

/** A validated recording: trials indexed [stimulus][neuron][repetition]; NaN where a trial is missing. */
export interface Recording {
  readonly stimuli: Stimuli;
  readonly neurons: Neurons;
  readonly repetitions: number;
  /** S × N × R. */
  readonly trials: Float64Array;
}

type Where = { stimuli: string; responses: string; neurons: string };
const FIX = "see the recordings format in src/neural/recordings.ts (README: 'Neural data')";

function column(t: arrow.Table, name: string, where: string, optional = false): unknown[] | undefined {
  const c = t.getChild(name);
  if (!c) {
    if (optional) return undefined;
    throw new RecordingError(`${where}: missing column '${name}' (has: ${t.schema.fields.map((f) => f.name).join(", ")}); ${FIX}`);
  }
  const values = [...c] as unknown[];
  // An optional column that is null/empty throughout is the same as an absent one.
  if (optional && values.every((v) => v === null || v === undefined || v === "")) return undefined;
  return values;
}

const str = (v: unknown) => (v === null || v === undefined ? "" : String(v));

/** Validate a stimuli table on its own (e.g. stimuli for model units, no recording). */
export function readStimuli(st: arrow.Table, where = "stimuli"): Stimuli {
  const sid = column(st, "stimulus_id", where)!.map(str);
  const widths = column(st, "width", where)!, heights = column(st, "height", where)!;
  const pix = st.getChild("pixels");
  if (!pix) throw new RecordingError(`${where}: missing column 'pixels' (list<float32>, row-major grey in [0, 1]); ${FIX}`);
  if (!sid.length) throw new RecordingError(`${where}: no stimuli`);
  const width = Number(widths[0]), height = Number(heights[0]);
  const seen = new Map<string, number>();
  const pixels = new Float32Array(sid.length * width * height);
  sid.forEach((id, i) => {
    if (!id) throw new RecordingError(`${where} row ${i}: empty stimulus_id`);
    if (seen.has(id)) throw new RecordingError(`${where} row ${i}: duplicate stimulus_id '${id}' (first at row ${seen.get(id)})`);
    seen.set(id, i);
    if (Number(widths[i]) !== width || Number(heights[i]) !== height) {
      throw new RecordingError(`${where} row ${i} ('${id}'): ${widths[i]}×${heights[i]} px, but row 0 is ${width}×${height}; resize all stimuli to one size`);
    }
    const v = (pix.get(i) as { toArray(): ArrayLike<number> } | null)?.toArray();
    if (!v || v.length !== width * height) throw new RecordingError(`${where} row ${i} ('${id}'): pixels has ${v?.length ?? 0} values, width×height = ${width * height}`);
    for (let k = 0; k < v.length; k++) {
      const x = Number(v[k]);
      if (!Number.isFinite(x)) throw new RecordingError(`${where} row ${i} ('${id}'): pixel ${k} is ${x}`);
      pixels[i * width * height + k] = x;
    }
  });
  const opt = (name: string) => column(st, name, where, true);
  const family = opt("family")?.map(str), type = opt("type")?.map(str), tier = opt("tier")?.map(str), sample = opt("sample")?.map(Number), source = opt("source")?.map(str);
  if (tier) tier.forEach((t, i) => { if (!["train", "validation", "test"].includes(t)) throw new RecordingError(`${where} row ${i}: tier '${t}' (expected train, validation or test)`); });
  return { ids: sid, width, height, pixels, ...(family && { family }), ...(type && { type }), ...(sample && { sample }), ...(tier && { tier }), ...(source && { source }) };
}

/** Validate the three tables and gather trials; every error names the table, row and column. */
export function readRecording(tables: { stimuli: arrow.Table; responses: arrow.Table; neurons: arrow.Table }, where: Where = { stimuli: "stimuli", responses: "responses", neurons: "neurons" }): Recording {
  const st = tables.stimuli, rs = tables.responses, ns = tables.neurons;
  const stimuli = readStimuli(st, where.stimuli), sid = stimuli.ids;
  const sIndex = new Map(sid.map((id, i) => [id, i]));

  // Neurons.
  const nid = column(ns, "neuron_id", where.neurons)!.map(str);
  const region = column(ns, "region", where.neurons)!.map(str);
  if (!nid.length) throw new RecordingError(`${where.neurons}: no neurons`);
  const nIndex = new Map<string, number>();
  nid.forEach((id, i) => {
    if (!id) throw new RecordingError(`${where.neurons} row ${i}: empty neuron_id`);
    if (nIndex.has(id)) throw new RecordingError(`${where.neurons} row ${i}: duplicate neuron_id '${id}'`);
    nIndex.set(id, i);
  });
  const pair = (a: string, b: string) => {
    const x = column(ns, a, where.neurons, true), y = column(ns, b, where.neurons, true);
    if (!x && !y) return undefined;
    if (!x || !y) throw new RecordingError(`${where.neurons}: '${x ? a : b}' without '${x ? b : a}'; give both or neither`);
    const out = new Float64Array(nid.length * 2);
    nid.forEach((id, i) => {
      out[2 * i] = Number(x[i]); out[2 * i + 1] = Number(y[i]);
      if (!Number.isFinite(out[2 * i]!) || !Number.isFinite(out[2 * i + 1]!)) throw new RecordingError(`${where.neurons} row ${i} ('${id}'): ${a}/${b} not finite`);
    });
    return out;
  };
  const cortex = pair("cortex_x", "cortex_y"), rf = pair("rf_x", "rf_y");
  const animal = column(ns, "animal", where.neurons, true)?.map(str);

  // Responses.
  const rsid = column(rs, "stimulus_id", where.responses)!, rnid = column(rs, "neuron_id", where.responses)!;
  const rep = column(rs, "repetition", where.responses)!, resp = column(rs, "response", where.responses)!;
  let R = 0;
  for (let i = 0; i < rep.length; i++) {
    const r = Number(rep[i]);
    if (!Number.isInteger(r) || r < 0) throw new RecordingError(`${where.responses} row ${i}: repetition ${rep[i]} (expected an integer ≥ 0)`);
    R = Math.max(R, r + 1);
  }
  const S = sid.length, N = nid.length;
  const trials = new Float64Array(S * N * R).fill(NaN);
  for (let i = 0; i < rsid.length; i++) {
    const s = sIndex.get(str(rsid[i])), n = nIndex.get(str(rnid[i]));
    if (s === undefined) throw new RecordingError(`${where.responses} row ${i}: stimulus_id '${str(rsid[i])}' is not in ${where.stimuli}`);
    if (n === undefined) throw new RecordingError(`${where.responses} row ${i}: neuron_id '${str(rnid[i])}' is not in ${where.neurons}`);
    const v = Number(resp[i]), k = (s * N + n) * R + Number(rep[i]);
    if (!Number.isFinite(v)) throw new RecordingError(`${where.responses} row ${i}: response ${resp[i]} is not a finite number; drop the trial instead`);
    if (!Number.isNaN(trials[k]!)) throw new RecordingError(`${where.responses} row ${i}: a second response for stimulus '${sid[s]}', neuron '${nid[n]}', repetition ${rep[i]}`);
    trials[k] = v;
  }
  for (let s = 0; s < S; s++) for (let n = 0; n < N; n++) {
    let any = false;
    for (let r = 0; r < R; r++) if (!Number.isNaN(trials[(s * N + n) * R + r]!)) { any = true; break; }
    if (!any) throw new RecordingError(`${where.responses}: no response of neuron '${nid[n]}' to stimulus '${sid[s]}'; every neuron needs ≥ 1 trial per stimulus (split the recording by neuron set otherwise)`);
  }
  return {
    stimuli,
    neurons: { ids: nid, region, ...(animal && { animal }), ...(cortex && { cortex }), ...(rf && { rf }) },
    repetitions: R,
    trials,
  };
}

/** Mean over available repetitions: S × N. */
export function meanResponses(rec: Recording): Float64Array {
  const S = rec.stimuli.ids.length, N = rec.neurons.ids.length, R = rec.repetitions;
  const out = new Float64Array(S * N);
  for (let k = 0; k < S * N; k++) {
    let s = 0, c = 0;
    for (let r = 0; r < R; r++) { const v = rec.trials[k * R + r]!; if (!Number.isNaN(v)) { s += v; c++; } }
    out[k] = s / c;
  }
  return out;
}

/** Columns for the three tables (STIMULI_ALL, RESPONSES_COLUMNS, NEURONS_ALL): the inverse of readRecording. */
export function recordingTables(rec: Recording) {
  const { stimuli: st, neurons: ns } = rec;
  const S = st.ids.length, N = ns.ids.length, R = rec.repetitions, P = st.width * st.height;
  const stimuli: Record<string, unknown> = {
    stimulus_id: [...st.ids], width: new Int32Array(S).fill(st.width), height: new Int32Array(S).fill(st.height),
    pixels: Array.from({ length: S }, (_, i) => st.pixels.slice(i * P, (i + 1) * P)),
    family: st.family ? [...st.family] : Array(S).fill(""), type: st.type ? [...st.type] : Array(S).fill(""),
    sample: st.sample ? [...st.sample] : Array(S).fill(null), tier: st.tier ? [...st.tier] : Array(S).fill(""),
    source: st.source ? [...st.source] : Array(S).fill(""),
  };
  const xy = (m: Float64Array | undefined, d: number) => (m ? Float64Array.from({ length: N }, (_, i) => m[2 * i + d]!) : Array(N).fill(null));
  const neurons: Record<string, unknown> = {
    neuron_id: [...ns.ids], region: [...ns.region], animal: ns.animal ? [...ns.animal] : Array(N).fill(""),
    cortex_x: xy(ns.cortex, 0), cortex_y: xy(ns.cortex, 1), rf_x: xy(ns.rf, 0), rf_y: xy(ns.rf, 1),
  };
  const sidCol: string[] = [], nidCol: string[] = [], repCol: number[] = [], respCol: number[] = [];
  for (let s = 0; s < S; s++) for (let n = 0; n < N; n++) for (let r = 0; r < R; r++) {
    const v = rec.trials[(s * N + n) * R + r]!;
    if (Number.isNaN(v)) continue;
    sidCol.push(st.ids[s]!); nidCol.push(ns.ids[n]!); repCol.push(r); respCol.push(v);
  }
  return { stimuli, neurons, responses: { stimulus_id: sidCol, neuron_id: nidCol, repetition: Int32Array.from(repCol), response: Float64Array.from(respCol) } };
}

/** The ports a stage declares to take a recording (extra columns are fine). */
export const recordingInputs = () => ({ stimuli: port.table(STIMULI_COLUMNS), responses: port.table(RESPONSES_COLUMNS), neurons: port.table(NEURONS_COLUMNS) });

/** The ports a stage declares to produce a recording, every column present (descriptions per stage). */
export const recordingOutputs = (describe: { stimuli?: string; responses?: string; neurons?: string } = {}) => ({
  stimuli: port.table(STIMULI_ALL, { description: describe.stimuli ?? "recordings format: stimuli" }),
  responses: port.table(RESPONSES_COLUMNS, { description: describe.responses ?? "recordings format: one row per trial" }),
  neurons: port.table(NEURONS_ALL, { description: describe.neurons ?? "recordings format: neurons" }),
});

/** Read and validate a recording from a stage's three input tables. */
export async function readRecordingInputs(inputs: { stimuli: TableReader; responses: TableReader; neurons: TableReader }, where?: Where): Promise<Recording> {
  const [stimuli, responses, neurons] = await Promise.all([inputs.stimuli.read(), inputs.responses.read(), inputs.neurons.read()]);
  return readRecording({ stimuli, responses, neurons }, where);
}

/** Write a recording to a stage's three output tables. */
export async function writeRecording(outputs: { stimuli: TableWriter; responses: TableWriter; neurons: TableWriter }, rec: Recording): Promise<void> {
  const t = recordingTables(rec);
  await outputs.stimuli.write(t.stimuli);
  await outputs.responses.write(t.responses);
  await outputs.neurons.write(t.neurons);
}

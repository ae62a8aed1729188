import { defineStage, param, readTableFile, Schema } from "lcl";
import * as path from "node:path";
import { readRecording, recordingOutputs, writeRecording } from "../src/neural/recordings.js";

/**
 * Real recordings into lcl: three Parquet (or Arrow) files in the recordings format (see
 * src/neural/recordings.ts and the README's "Neural data"), validated row by row, then stored
 * like every other output — so `neural-predictivity` scores a model against them exactly as it
 * does against in-silico populations. The files are hashed: replacing one reruns what depends on it.
 */
export default defineStage({
  name: "recordings",
  version: 1,
  description: "Import a neural recording (stimuli, responses, neurons as Parquet/Arrow files in the workspace) in the recordings format.",
  params: Schema.Struct({
    stimuli: param.string({ description: "stimulus table file, relative to the workspace" }),
    responses: param.string({ description: "trial response table file" }),
    neurons: param.string({ description: "neuron table file" }),
  }),
  files: (p) => [p.stimuli, p.responses, p.neurons],
  inputs: {},
  outputs: {
    ...recordingOutputs(),
  },
  async run(ctx) {
    const p = ctx.params;
    const file = (rel: string) => {
      const f = ctx.files.find((x) => x.endsWith(path.sep + path.normalize(rel)));
      if (!f) throw new Error(`${rel}: not found in the workspace`);
      return f;
    };
    const [stimuli, responses, neurons] = await Promise.all([p.stimuli, p.responses, p.neurons].map((f) => readTableFile(file(f))));
    const rec = readRecording({ stimuli: stimuli!, responses: responses!, neurons: neurons! }, { stimuli: p.stimuli, responses: p.responses, neurons: p.neurons });
    await writeRecording(ctx.outputs, rec);
    ctx.metric("stimuli", rec.stimuli.ids.length);
    ctx.metric("neurons", rec.neurons.ids.length);
    ctx.metric("repetitions", rec.repetitions);
    for (const r of [...new Set(rec.neurons.region)].sort()) ctx.metric(`neurons_${r}`, rec.neurons.region.filter((x) => x === r).length);
  },
});

import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { listPipelines, loadPipeline } from "../../engine/config.js";
import { experimentsJsonSchema, pipelineJsonSchema } from "../../engine/json-schema.js";
import type { StageKind } from "../../sdk/stage.js";
import { openSession } from "../../engine/session.js";

/** `lcl schema`: JSON Schemas for experiments.yaml and pipelines/*.yaml, generated from the stage kinds. */
export async function schema(o: { readonly dir?: string; readonly out: string }) {
  const s = openSession(o.dir);
  const kinds: StageKind[] = [];
  for (const n of s.registry.names()) kinds.push(await s.registry.load(n));
  const pipelines = listPipelines(s.ws).map((p) => loadPipeline(s.ws, p));
  const byName = new Map(kinds.map((k) => [k.name, k]));
  const outDir = path.resolve(s.ws.root, o.out);
  await mkdir(outDir, { recursive: true });
  const files = {
    "experiments.schema.json": experimentsJsonSchema(pipelines, (n) => byName.get(n)),
    "pipeline.schema.json": pipelineJsonSchema(kinds),
  };
  for (const [f, v] of Object.entries(files)) {
    await writeFile(path.join(outDir, f), JSON.stringify(v, null, 2) + "\n");
    process.stdout.write(`${path.relative(process.cwd(), path.join(outDir, f)) || f}\n`);
  }
}

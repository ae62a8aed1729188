/**
 * `node --import tsx bench/texture-layer1.ts <experiment> [frontend or layer1 node] [textures node]` —
 * issue 13 §4: why does layer 1 score a negative texture modulation index (V1: ≈ 0)? Reads a
 * stored front-end and texture stimuli (run `lcl run <experiment>` first) and recomputes layer 1's
 * mean MI with the SAME weights and stimuli under each block variant: pooling l2 (sqrt of the
 * blurred square) vs. energy (the blurred square), divisive normalisation on vs. off; plus the
 * rectified linear response before pooling. Units as texture-selectivity reads them: each channel
 * at the map's centre (and averaged over the central half, a second reading).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { modulationByFamily } from "../src/analysis/texture.js";
import { selectBackend, tensorflow } from "../src/compute/backend.js";
import { decodeTable } from "../src/engine/table/codec.js";
import { decodeTensors } from "../src/engine/tensors.js";
import type { BlockSpec, Pooling } from "../src/model/architecture.js";
import { centralMeans, stimulusResponses, type LayerMaps } from "../src/model/features.js";
import { parseFrontendArchitecture } from "../src/model/frontend.js";
import { readStimuli } from "../src/neural/recordings.js";

const [exp = "alignment", fnode = "frontend", tnode = "textures"] = process.argv.slice(2);
const object = (node: string, out: string) => {
  const r = spawnSync(process.execPath, ["bin/lcl.js", "show", exp, node, "--json"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`lcl show ${exp} ${node}: ${r.stderr}`);
  const o = (JSON.parse(r.stdout) as { outputs: Record<string, { object: string }> }[])[0]!.outputs[out]!.object;
  return path.join("artifacts/objects", o.slice(0, 2), o.slice(2));
};
// A front-end node (frontend-*) or a layer1-train node (its weights and block: layer 1 alone).
const isLayer = spawnSync(process.execPath, ["bin/lcl.js", "show", exp, fnode, "--json"], { encoding: "utf8" }).stdout.includes('"block"');
const arch = isLayer
  ? (() => { const b = JSON.parse(readFileSync(object(fnode, "block"), "utf8")); return parseFrontendArchitecture({ format: "lcl-v2-frontend", version: 1, input: { channels: 1 }, blocks: [b], output_channels: b.channels }, "block"); })()
  : parseFrontendArchitecture(JSON.parse(readFileSync(object(fnode, "architecture"), "utf8")), "architecture");
const stored = decodeTensors(readFileSync(object(fnode, isLayer ? "weights" : "frontend")));
const set = isLayer ? { "l1.w": stored.w!, "l1.b": stored.b! } : stored;
const st = readStimuli(await decodeTable(new Uint8Array(readFileSync(object(tnode, "stimuli"))), "arrow"));
const design = { family: st.family!, type: st.type!, sample: st.sample! };
const S = st.ids.length;
const tf = await tensorflow((await selectBackend(process.env.LCL_BACKEND)).name);

function meanMi(m: LayerMaps, central: number): number {
  const U = m.channels, resp = centralMeans(m, S, central);
  const { families, mi } = modulationByFamily(resp, U, design);
  let s = 0;
  for (const v of mi) s += v;
  return s / (U * families.length);
}
const b1 = arch.blocks[0]!;
console.log(`${exp}/${fnode}: layer 1 ${b1.channels} channels, stored block pooling=${b1.pooling ?? "l2"} norm=${b1.norm}; ${S} stimuli from ${tnode}`);
console.log("variant                      MI (centre)  MI (central half)");
const variants: [string, Partial<BlockSpec>][] = [];
for (const pooling of ["l2", "energy"] as Pooling[]) for (const norm of [true, false]) variants.push([`pooling=${pooling} norm=${norm}`, { pooling, norm }]);
// No pooling at all: the rectified linear response (σ → tiny, stride 1 so the centre is a conv output).
variants.push(["rectified linear, no pool", { pooling: "l2", norm: false, sigma: 1e-3, stride: 1 }]);
for (const [name, v] of variants) {
  const a = { ...arch, blocks: [{ ...b1, ...v }] };
  const [m] = stimulusResponses(tf, a, set, st.pixels, S, st.width);
  console.log(`${name.padEnd(28)} ${meanMi(m!, 0).toFixed(3).padStart(8)}  ${meanMi(m!, 0.5).toFixed(3).padStart(12)}`);
}

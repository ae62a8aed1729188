/**
 * `npm run bench:textures`: Portilla–Simoncelli cost at 64×64 and 128×128 (4 scales × 4
 * orientations, 7×7 neighbourhoods), single-threaded: pyramid analysis and synthesis, the full
 * statistics, one projection iteration (with the statistics for the convergence record) and one
 * refinement (L-BFGS) step; then the default stimulus set (15 families × 15 samples at 64 px, the
 * stage's defaults: 5 projection passes, refinement until every group is ≥ 25 dB or 80 steps) on
 * every core through the worker threads the stage uses (dist/texture-worker.mjs; `npm run prepare`
 * builds it), with the lowest final SNR per statistic group over the set.
 *
 * The set's families are chosen as the `textures` node of pipelines/alignment.yaml chooses them
 * (same photos, `include`, region 128 block-averaged to 64, one per photo) from the photos
 * `natural-images` caches under artifacts/cache (BENCH_PHOTOS=<dir> to point elsewhere; PNG/JPEG
 * anywhere below it). Without them it falls back to synthetic targets, which converge more slowly
 * than photos (often all 80 steps) and say so.
 * BENCH_REPS sets repetitions (default 20), BENCH_SET the number of syntheses in the set (default 225).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { crop, selectTextureFamilies, type Image } from "../src/data/textures.js";
import { makeRng } from "../src/sdk/rng.js";
import { synthesizeAll } from "../src/texture/parallel.js";
import { buildPyramid, reconstructPyramid } from "../src/texture/pyramid.js";
import { STATISTIC_GROUPS, textureStatistics, type PsStatistics } from "../src/texture/statistics.js";
import { synthesizeTexture } from "../src/texture/synthesis.js";

const REPS = Number(process.env.BENCH_REPS ?? 20), SET = Number(process.env.BENCH_SET ?? 225);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const time = (f: () => void, reps = REPS) => { f(); const t = performance.now(); for (let r = 0; r < reps; r++) f(); return (performance.now() - t) / reps; };
const synthetic = (n: number, seed: number) => { const rng = makeRng(seed); return Float64Array.from({ length: n * n }, (_, i) => Math.sin((i % n) / 2 + Math.floor(i / n) / 5) * (1 + 0.3 * rng.normal()) + 0.5 * rng.normal()); };
console.log(`load average ${os.loadavg().map((v) => v.toFixed(2)).join(" ")} on ${os.availableParallelism()} cores`);

for (const n of [64, 128]) {
  const img = synthetic(n, n), pyr = buildPyramid(img, n), target = textureStatistics(img, n);
  const analysis = time(() => buildPyramid(img, n)), synthesis = time(() => reconstructPyramid(pyr)), stats = time(() => textureStatistics(img, n));
  const reps = Math.max(2, Math.round(REPS / 4));
  const base = time(() => synthesizeTexture(target, n, makeRng(1), { iterations: 1, refinements: 0 }), 2);
  const projected = time(() => synthesizeTexture(target, n, makeRng(1), { iterations: 1 + reps, refinements: 0 }), 1);
  const perIteration = (projected - base) / reps;
  let steps = 0; // accepted steps; a rejected trial step costs an evaluation too, so this is the cost per step actually taken
  const refined = time(() => { steps = synthesizeTexture(target, n, makeRng(1), { iterations: 1, refinements: 2 * reps, stopSnr: Infinity }).history.length - 2; }, 1);
  const perRefinement = (refined - base) / Math.max(1, steps);
  console.log(`textures ${n}×${n}: pyramid analysis ${analysis.toFixed(2)} ms, synthesis ${synthesis.toFixed(2)} ms, PS statistics ${stats.toFixed(2)} ms per image (${REPS} reps); ${perIteration.toFixed(1)} ms per projection iteration (${reps}), ${perRefinement.toFixed(1)} ms per refinement step (${steps} steps)`);
}

/** The 15 families of the `textures` node, from cached photos; undefined when there are none. */
async function photoTargets(n: number): Promise<PsStatistics[] | undefined> {
  const dir = process.env.BENCH_PHOTOS ?? path.join(root, "artifacts", "cache", "stages", "natural-images");
  if (!existsSync(dir)) return undefined;
  const files: string[] = [];
  const walk = (d: string) => { for (const e of readdirSync(d)) { const p = path.join(d, e); if (statSync(p).isDirectory()) walk(p); else if (/\.(png|jpe?g)$/i.test(e)) files.push(p); } };
  walk(dir);
  const include = ["brick", "grass", "gravel", "mypaint-data-extras"], images: Image[] = [];
  for (const f of files.filter((f) => include.some((s) => f.includes(s))).sort()) {
    try {
      const { data, info } = await sharp(f).greyscale().raw().toBuffer({ resolveWithObject: true });
      images.push({ id: path.relative(dir, f), width: info.width, height: info.height, data: Float32Array.from(data, (v) => v / 255) });
    } catch { /* not an image sharp reads: skip */ }
  }
  if (images.length < 15) return undefined;
  const regions = selectTextureFamilies(images, 15, 2 * n, { include, prefer: ["brick", "grass", "gravel"], perImage: 1 });
  return regions.map((r) => {
    const c = crop(images.find((im) => im.id === r.image)!, r.x, r.y, r.side), x = new Float64Array(n * n);
    for (let y = 0; y < r.side; y++) for (let xx = 0; xx < r.side; xx++) { const i = (y >> 1) * n + (xx >> 1); x[i] = x[i]! + c[y * r.side + xx]! / 4; } // 2×2 block average, as the stage
    return textureStatistics(x, n);
  });
}

const n = 64, script = path.join(root, "dist", "texture-worker.mjs"), workers = os.availableParallelism();
const photos = await photoTargets(n), targets = photos ?? Array.from({ length: 15 }, (_, f) => textureStatistics(synthetic(n, 100 + f), n));
if (!photos) console.log("no cached texture photos (run `lcl run alignment texture-images` or set BENCH_PHOTOS): synthetic targets, which converge more slowly than photos");
const jobs = Array.from({ length: SET }, (_, j) => ({ target: targets[j % 15]!, n, seed: j, options: {} })); // a smaller BENCH_SET still spans the families
const t0 = performance.now();
const results = await synthesizeAll(jobs, { workers, script: existsSync(script) ? script : undefined });
const s = (performance.now() - t0) / 1000;
const steps = results.map((r) => r.history.length), mean = steps.reduce((a, b) => a + b, 0) / steps.length;
console.log(`stimulus set: ${SET} syntheses of ${n}×${n} from ${photos ? "15 photo families" : "15 synthetic families"} on ${workers} worker threads${existsSync(script) ? "" : " (no dist/texture-worker.mjs: in this thread)"}: ${s.toFixed(1)} s (${((s * 225) / SET).toFixed(0)} s for 225); convergence records per synthesis: mean ${mean.toFixed(1)}, max ${Math.max(...steps)}; load average now ${os.loadavg()[0]!.toFixed(2)}`);
console.log(`lowest final SNR per group (dB): ${STATISTIC_GROUPS.map((g) => `${g} ${Math.min(...results.map((r) => r.snr[g])).toFixed(1)}`).join(", ")}`);

/**
 * `npm run bench:textures`: time of the Portilla–Simoncelli building blocks per image at 64×64 and
 * 128×128 (4 scales × 4 orientations, 7×7 neighbourhoods): pyramid analysis, pyramid synthesis
 * and the full statistics. One synthesis iteration costs about one analysis + one synthesis +
 * the statistic projections, so analysis + synthesis is the floor of the time per iteration.
 * Single-threaded; BENCH_REPS sets repetitions (default 20).
 */
import { makeRng } from "../src/sdk/rng.js";
import { buildPyramid, reconstructPyramid } from "../src/texture/pyramid.js";
import { textureStatistics } from "../src/texture/statistics.js";

const REPS = Number(process.env.BENCH_REPS ?? 20);
const time = (f: () => void) => { f(); const t = performance.now(); for (let r = 0; r < REPS; r++) f(); return (performance.now() - t) / REPS; };
for (const n of [64, 128]) {
  const rng = makeRng(n), img = Float64Array.from({ length: n * n }, () => rng.normal());
  const pyr = buildPyramid(img, n);
  const analysis = time(() => buildPyramid(img, n)), synthesis = time(() => reconstructPyramid(pyr)), stats = time(() => textureStatistics(img, n));
  console.log(`textures ${n}×${n}: pyramid analysis ${analysis.toFixed(2)} ms, synthesis ${synthesis.toFixed(2)} ms, PS statistics ${stats.toFixed(2)} ms per image (${REPS} reps)`);
}

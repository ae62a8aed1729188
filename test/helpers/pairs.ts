import { deadLeaves } from "../../src/data/dead-leaves.js";
import { meanStd, samplePatch } from "../../src/data/deform.js";
import type { Pairs } from "../../src/model/pairs.js";
import { makeRng } from "../../src/sdk/rng.js";

/** Complexity-matched pairs (α = 0.25·R, ±15°, ±0.1 log-scale) cut from dead-leaves images, contrast-normalised. */
export function deadLeavesPairs(count: number, side: number, rf: number, seed = 1): Pairs {
  const rng = makeRng(seed);
  const images = Array.from({ length: 6 }, (_, i) => deadLeaves(128, 128, rng.fork(`image:${i}`)));
  const P = side * side, a = new Float32Array(count * P), b = new Float32Array(count * P);
  const amp = 0.25 * rf, margin = side + amp + 4;
  for (let n = 0; n < count; ) {
    const im = images[rng.int(images.length)]!;
    const cx = margin + rng.next() * (128 - 2 * margin), cy = margin + rng.next() * (128 - 2 * margin);
    const pa = samplePatch(im, cx, cy, side, { dx: 0, dy: 0, theta: 0, logScale: 0 });
    if (meanStd(pa).std < 0.03) continue;
    const pb = samplePatch(im, cx, cy, side, { dx: (rng.next() * 2 - 1) * amp, dy: (rng.next() * 2 - 1) * amp, theta: (rng.next() * 2 - 1) * 0.26, logScale: (rng.next() * 2 - 1) * 0.1 });
    for (const p of [pa, pb]) { const s = meanStd(p); for (let i = 0; i < P; i++) p[i] = (p[i]! - s.mean) / s.std; }
    a.set(pa, n * P); b.set(pb, n * P);
    n++;
  }
  return { count, side, a, b };
}

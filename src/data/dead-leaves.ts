import type { Rng } from "../sdk/rng.js";
import type { Image } from "./deform.js";

/**
 * A "dead leaves" image: occluding ellipses and rotated rectangles with a power-law size
 * distribution (density ∝ r⁻³), the classic model of natural-image statistics — scale-invariant,
 * ~1/f² power spectrum, sharp oriented edges. Tests train on it where real photos would need a
 * download; learning on it should still produce oriented, edge-like filters.
 */
export function deadLeaves(width: number, height: number, rng: Rng, opts: { rMin?: number; rMax?: number; shapes?: number } = {}): Image {
  const rMin = opts.rMin ?? 2, rMax = opts.rMax ?? Math.min(width, height) / 3;
  const data = new Float32Array(width * height).fill(0.5);
  const shapes = opts.shapes ?? Math.round((6 * width * height) / (rMin * rMax));
  for (let s = 0; s < shapes; s++) {
    // inverse-CDF sample of p(r) ∝ r⁻³ on [rMin, rMax]
    const u = rng.next();
    const r = 1 / Math.sqrt(1 / rMin ** 2 - u * (1 / rMin ** 2 - 1 / rMax ** 2));
    const cx = rng.next() * width, cy = rng.next() * height, grey = rng.next();
    const aspect = 0.3 + 0.7 * rng.next(), angle = rng.next() * Math.PI, rect = rng.next() < 0.5;
    const cos = Math.cos(angle), sin = Math.sin(angle), a = r, b = r * aspect;
    const x0 = Math.max(0, Math.floor(cx - r)), x1 = Math.min(width - 1, Math.ceil(cx + r));
    const y0 = Math.max(0, Math.floor(cy - r)), y1 = Math.min(height - 1, Math.ceil(cy + r));
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
      const dx = x - cx, dy = y - cy;
      const u1 = (dx * cos + dy * sin) / a, v1 = (-dx * sin + dy * cos) / b;
      if (rect ? Math.abs(u1) <= 1 && Math.abs(v1) <= 1 : u1 * u1 + v1 * v1 <= 1) data[y * width + x] = grey;
    }
  }
  return { width, height, data };
}

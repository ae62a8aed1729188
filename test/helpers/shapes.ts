import { makeRng } from "../../src/sdk/rng.js";

/** Three classes of 28×28 images a V1-like front-end separates easily: horizontal bars, vertical bars, a blob. */
export function shapes(n: number, seed: number): { pixels: Float32Array; y: Int32Array } {
  const rng = makeRng(seed), pixels = new Float32Array(n * 784), y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const c = k % 3, period = 4 + rng.next() * 3, phase = rng.next() * 6, cx = 10 + rng.next() * 8, cy = 10 + rng.next() * 8;
    y[k] = c;
    for (let i = 0; i < 28; i++) for (let j = 0; j < 28; j++) {
      const v = c === 0 ? Math.sin((i + phase) * (2 * Math.PI / period)) : c === 1 ? Math.sin((j + phase) * (2 * Math.PI / period)) : Math.exp(-((i - cy) ** 2 + (j - cx) ** 2) / 30) * 2 - 1;
      pixels[k * 784 + i * 28 + j] = Math.min(1, Math.max(0, 0.5 + 0.4 * v + 0.1 * rng.normal()));
    }
  }
  return { pixels, y };
}

import { describe, expect, it } from "vitest";
import { makeWhitener } from "../../src/data/whiten.js";

const n = 16;
const wave = (k: number) => Float32Array.from({ length: n * n }, (_, i) => Math.cos((2 * Math.PI * k * (i % n)) / n));
const rms = (p: Float32Array) => Math.sqrt(p.reduce((a, v) => a + v * v, 0) / p.length);

describe("spectral whitening", () => {
  const whiten = makeWhitener(n, 0.4);
  it("removes the mean (DC) and is linear", () => {
    for (const v of whiten(new Float32Array(n * n).fill(3))) expect(Math.abs(v)).toBeLessThan(1e-9);
    const a = wave(2), b = wave(5);
    const sum = whiten(Float32Array.from(a, (v, i) => v + 2 * b[i]!));
    const parts = [whiten(a), whiten(b)];
    sum.forEach((v, i) => expect(v).toBeCloseTo(parts[0]![i]! + 2 * parts[1]![i]!, 5));
  });
  it("scales a grating by the filter gain at its frequency: |f|·exp(−(|f|/f0)⁴)", () => {
    for (const k of [1, 3, 6]) {
      const f = k / n, gain = f * Math.exp(-((f / 0.4) ** 4));
      const out = whiten(wave(k));
      expect(rms(out) / rms(wave(k))).toBeCloseTo(gain, 4);
      // shape preserved: still the same cosine
      out.forEach((v, i) => expect(v).toBeCloseTo(gain * wave(k)[i]!, 4));
    }
  });
});

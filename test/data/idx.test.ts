import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readIdx } from "../../src/data/idx.js";

const idx = (shape: number[], values: number[], type = 0x08) => {
  const head = new Uint8Array(4 + 4 * shape.length);
  head.set([0, 0, type, shape.length]);
  const v = new DataView(head.buffer);
  shape.forEach((n, i) => v.setUint32(4 + 4 * i, n, false));
  return new Uint8Array([...head, ...values]);
};

describe("IDX reader", () => {
  it("reads shapes and values, gzipped or not", () => {
    const raw = idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const bytes of [raw, new Uint8Array(gzipSync(raw))]) {
      const a = readIdx(bytes);
      expect(a.shape).toEqual([2, 2, 3]);
      expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }
  });

  it("malformed files fail with a message naming the file and the problem", () => {
    expect(() => readIdx(idx([2, 3], [1, 2, 3]), "x.idx")).toThrow(/x\.idx: header says \[2×3\] = 6 values but the file holds 3 \(truncated\)/);
    expect(() => readIdx(new Uint8Array([1, 2, 3, 4, 5]), "y.idx")).toThrow(/y\.idx: not an IDX file/);
    expect(() => readIdx(idx([2], [1, 2], 0x0d), "z.idx")).toThrow(/element type 0xd is not supported/);
    expect(() => readIdx(new Uint8Array(gzipSync(idx([4], [1, 2, 3, 4]))).subarray(0, 12), "t.gz")).toThrow(/t\.gz: gzip data is corrupt or truncated/);
    expect(() => readIdx(new Uint8Array([0, 0, 8]), "s.idx")).toThrow(/too short/);
  });
});

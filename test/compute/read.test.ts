import { describe, expect, it } from "vitest";
import { tensorflow } from "../../src/compute/backend.js";
import { readAll } from "../../src/compute/read.js";

describe("readAll", () => {
  it("reads what a tidy returned and disposes it", async () => {
    const tf = await tensorflow("cpu");
    const before = tf.memory().numTensors;
    const ts = tf.tidy(() => [tf.add(tf.tensor1d([1, 2, 3]), 1), tf.mul(tf.tensor2d([[1, 2], [3, 4]]), 2)]);
    expect(tf.memory().numTensors).toBe(before + 2);
    const [a, b] = readAll(tf, ts);
    expect(Array.from(a!)).toEqual([2, 3, 4]);
    expect(Array.from(b!)).toEqual([2, 4, 6, 8]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

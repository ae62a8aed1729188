import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { tensorflow } from "../../src/compute/backend.js";
import { DEFAULT_BLOCKS } from "../../src/model/architecture.js";
import { initBlock } from "../../src/model/block.js";
import { accuracy, disposeParams, fit, initClassifier, pixelNormalisation, prepare, resnetModel, type ClassifierArchitecture, type Split } from "../../src/model/classifier.js";
import { blockInfo, type FrontendArchitecture } from "../../src/model/frontend.js";
import { makeRng } from "../../src/sdk/rng.js";
import { shapes } from "../helpers/shapes.js";


describe("classifier (LCL-V2Net backbone)", () => {
  it.each([["frozen", false], ["trainable", true]] as const)("front-end %s: training lowers the loss and beats chance on a tiny set", async (_, trainable) => {
    const tf = await tensorflow("wasm");
    const s1 = { ...DEFAULT_BLOCKS[0], channels: 8 }, s2 = { ...DEFAULT_BLOCKS[1], channels: 8 };
    const rng = makeRng(1);
    const l1 = initBlock(s1, 1, rng), l2 = initBlock(s2, 8, rng);
    const fe: FrontendArchitecture = { format: "lcl-v2-frontend", version: 1, input: { channels: 1 }, blocks: [blockInfo([s1], 1), blockInfo([s1, s2], 8)], output_channels: 8 };
    const norm = pixelNormalisation(tf, shapes(240, 2).pixels, 28, 32); // the training split's statistics
    const arch: ClassifierArchitecture = { format: "lcl-classifier", version: 1, input_size: 32, width: 8, depth: 1, classes: 3, frontend: fe, frontend_trainable: trainable, input_normalisation: norm };
    const split = (n: number, seed: number): Split => { const d = shapes(n, seed); return { x: prepare(tf, d.pixels, 28, 32, norm), y: d.y, n }; };
    const train = split(240, 2), val = split(60, 3);
    const before = tf.memory().numTensors;
    const p = initClassifier(tf, arch, {
      "l1.w": { dtype: "float32", shape: [7, 7, 1, 8], data: l1.w }, "l1.b": { dtype: "float32", shape: [8], data: l1.b },
      "l2.w": { dtype: "float32", shape: [3, 3, 8, 8], data: l2.w }, "l2.b": { dtype: "float32", shape: [8], data: l2.b },
    }, makeRng(4));
    const frontBefore = Float32Array.from(p["fe.l1.w"]!.dataSync() as Float32Array);
    const r = await Effect.runPromise(fit(tf, resnetModel(tf, p, arch), train, val, { epochs: 4, batch: 32, lr: 5e-3, patience: 4, seed: 1 }, { progress: () => {}, log: () => {} }));
    expect(r.curve.train_loss.at(-1)!).toBeLessThan(r.curve.train_loss[0]!);
    expect(accuracy(tf, resnetModel(tf, p, arch), val)).toBeGreaterThan(0.6); // chance: 1/3
    const frontAfter = p["fe.l1.w"]!.dataSync() as Float32Array;
    expect(Buffer.from(frontAfter.buffer).equals(Buffer.from(frontBefore.buffer))).toBe(!trainable); // frozen means frozen
    disposeParams(p);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});

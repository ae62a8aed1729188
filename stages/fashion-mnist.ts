import { defineStage, param, port, Schema } from "lcl";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fetchDebian } from "../src/data/debian.js";
import { readIdx } from "../src/data/idx.js";

/**
 * Fashion-MNIST (Zalando, MIT) from Debian's `dataset-fashion-mnist`, fetched into the store's
 * cache on first use (nothing installed). 28×28 grey clothing photos, 10 balanced classes.
 * Splits: a validation set carved from the training set (for early stopping), and the test set.
 */
const PKG = { name: "dataset-fashion-mnist", version: "0.0~git20200523.55506a9-1" };
export const CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

export default defineStage({
  name: "fashion-mnist",
  version: 1,
  description: "Fashion-MNIST (Debian dataset-fashion-mnist) → train / validation / test tables.",
  params: Schema.Struct({
    train: param.int({ default: 6000, min: 10, max: 60000, description: "training images (a seeded random subset)" }),
    validation: param.int({ default: 1000, min: 10, max: 20000, description: "validation images, disjoint from train" }),
    test: param.int({ default: 2000, min: 10, max: 10000, description: "test images" }),
    seed: param.int({ default: 0, min: 0 }),
  }),
  inputs: {},
  outputs: {
    train: port.table({ label: "int32", pixels: { list: "float32", size: 784 } }, { description: "pixels in [0,1], row-major 28×28" }),
    validation: port.table({ label: "int32", pixels: { list: "float32", size: 784 } }),
    test: port.table({ label: "int32", pixels: { list: "float32", size: 784 } }),
  },
  async run(ctx) {
    const p = ctx.params;
    if (p.train + p.validation > 60000) throw new Error(`train + validation = ${p.train + p.validation} exceeds the 60000 training images`);
    ctx.progress(0, 2, "fetching dataset-fashion-mnist (~31 MB)");
    const root = await fetchDebian(PKG, path.join(ctx.cacheDir, "debian"), ctx.log);
    const dir = path.join(root, "usr/share/datasets/fashion-mnist");
    const load = (split: "train" | "t10k") => {
      const images = readIdx(readFileSync(path.join(dir, `${split}-images-idx3-ubyte.gz`)), `${split}-images-idx3-ubyte.gz`);
      const labels = readIdx(readFileSync(path.join(dir, `${split}-labels-idx1-ubyte.gz`)), `${split}-labels-idx1-ubyte.gz`);
      if (images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) throw new Error(`${split} images: expected N×28×28, got ${images.shape.join("×")}`);
      if (labels.shape[0] !== images.shape[0]) throw new Error(`${split}: ${images.shape[0]} images but ${labels.shape[0]} labels`);
      return { images, labels };
    };
    const train = load("train"), test = load("t10k");
    ctx.progress(1, 2, "splitting");
    const rng = ctx.rng.fork("split");
    const order = (n: number) => { const o = Array.from({ length: n }, (_, i) => i); for (let i = n - 1; i > 0; i--) { const j = rng.int(i + 1); [o[i], o[j]] = [o[j]!, o[i]!]; } return o; };
    const table = (src: typeof train, idx: number[]) => ({
      label: Int32Array.from(idx, (i) => src.labels.data[i]!),
      pixels: idx.map((i) => Float32Array.from(src.images.data.subarray(i * 784, (i + 1) * 784), (v) => v / 255)),
    });
    const o = order(60000);
    await ctx.outputs.train.write(table(train, o.slice(0, p.train)));
    await ctx.outputs.validation.write(table(train, o.slice(p.train, p.train + p.validation)));
    await ctx.outputs.test.write(table(test, order(10000).slice(0, p.test)));
    ctx.metric("classes", 10);
  },
});

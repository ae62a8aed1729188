import { defineStage, port, Schema } from "lcl";
import { blockInfo, parseBlockInfo, unionImages, type FrontendArchitecture } from "../src/model/frontend.js";

/**
 * Packs trained layer 1 and layer 2 into one immutable front-end (LCL-V2): a tensor set and its
 * architecture, which a classifier loads frozen (LCL-V2Net). Also written in TensorFlow.js's
 * model.json + weights.bin layout (`tf.io` weights manifest; the blocks' computation is described
 * in `modelTopology`, since energy pooling and divisive normalisation are not Keras layers).
 */
export default defineStage({
  name: "frontend-freeze",
  version: 1,
  description: "Freeze layers 1 and 2 into one front-end artifact (+ a tfjs model.json/weights.bin export).",
  params: Schema.Struct({}),
  inputs: {
    layer1: port.tensors(), layer1_block: port.json(),
    layer2: port.tensors(), layer2_block: port.json(),
  },
  outputs: {
    frontend: port.tensors({ description: "l1.w, l1.b, l2.w, l2.b" }),
    architecture: port.json({ description: "format lcl-v2-frontend: blocks with receptive fields; training_images = the images it was trained on" }),
    model_json: port.file("json", { description: "tfjs layout: modelTopology + weightsManifest pointing at weights.bin" }),
    weights_bin: port.file("bin", { description: "the weights, float32 little-endian, in manifest order" }),
  },
  async run(ctx) {
    const b1 = parseBlockInfo(await ctx.inputs.layer1_block.read(), "input layer1_block");
    const b2 = parseBlockInfo(await ctx.inputs.layer2_block.read(), "input layer2_block");
    if (b2.in_channels !== b1.channels) {
      throw new Error(`layer 2 was trained on ${b2.in_channels} input channels but layer 1 has ${b1.channels}: wire both from the same experiment`);
    }
    const l1 = await ctx.inputs.layer1.read(), l2 = await ctx.inputs.layer2.read();
    const set = { "l1.w": l1.w!, "l1.b": l1.b!, "l2.w": l2.w!, "l2.b": l2.b! };
    const expect = { "l1.w": [b1.kernel, b1.kernel, b1.in_channels, b1.channels], "l2.w": [b2.kernel, b2.kernel, b2.in_channels, b2.channels] };
    for (const [k, shape] of Object.entries(expect)) {
      if (JSON.stringify(set[k as keyof typeof set].shape) !== JSON.stringify(shape)) throw new Error(`${k} has shape [${set[k as keyof typeof set].shape}], its block says [${shape}]`);
    }
    // Provenance (known only if both blocks record it): what stimulus-presenting stages check against.
    const trainedOn = b1.training_images && b2.training_images ? unionImages(b1.training_images, b2.training_images) : undefined;
    const arch: FrontendArchitecture = {
      format: "lcl-v2-frontend", version: 1, input: { channels: 1 },
      blocks: [b1, blockInfo([b1, b2], b1.channels, trainedOn)], output_channels: b2.channels,
      ...(trainedOn && { training_images: trainedOn }),
    };
    await ctx.outputs.frontend.write(set);
    await ctx.outputs.architecture.write(arch);
    const names = ["l1.w", "l1.b", "l2.w", "l2.b"] as const;
    const bytes = new Uint8Array(names.reduce((n, k) => n + set[k].data.byteLength, 0));
    let off = 0;
    for (const k of names) { const d = set[k].data; bytes.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), off); off += d.byteLength; }
    await ctx.outputs.weights_bin.write(bytes);
    await ctx.outputs.model_json.write(JSON.stringify({
      format: "lcl-v2-frontend", generatedBy: "lcl frontend-freeze", modelTopology: arch,
      weightsManifest: [{ paths: ["weights.bin"], weights: names.map((name) => ({ name, shape: set[name].shape, dtype: "float32" })) }],
    }, null, 1));
    ctx.metric("parameters", names.reduce((n, k) => n + set[k].data.length, 0));
    ctx.metric("rf1_px", b1.rf);
    ctx.metric("rf2_px", arch.blocks[1]!.rf);
  },
});

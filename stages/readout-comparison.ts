import { defineStage, port, Schema } from "lcl";
import sharp from "sharp";
import { SUMMARY_COLUMNS } from "../src/model/readout/report.js";
import { lineChart } from "../src/viz/chart.js";

/**
 * Lurz et al.'s transfer comparison (science.md §4.2 results 2–4): one row per arm and
 * training-set size — a core trained on several animals, then frozen with only a new readout
 * fitted on a new animal, against the same readout trained with its core from scratch on that
 * animal, and the factorized readout in both settings — with fraction oracle, correlation, FEVE
 * and RF recovery; and fraction oracle against the number of images per arm. Each input is a
 * join over a sweep (e.g. a zip over `train_images`).
 */
const summaries = (description: string) => port.table(SUMMARY_COLUMNS, { many: true, allowFailed: true, description });
const ARMS = ["transfer", "scratch", "transfer_factorized", "scratch_factorized", "pretrain"] as const;
const COLUMNS = { arm: "utf8", variant: "utf8", status: "utf8", readout: "utf8", core: "utf8", animals: "utf8", train_images: "int32", neurons: "int32", fraction_oracle: "float64", correlation: "float64", oracle: "float64", feve: "float64", mu_error: "float64", mu_r: "float64", mu_within: "float64" } as const;

export default defineStage({
  name: "readout-comparison",
  version: 1,
  description: "Join readout arms (transferred vs. from-scratch core; Gaussian vs. factorized) over training-set sizes: fraction oracle, correlation, FEVE, RF recovery; a plot.",
  headline: ["fo_*"],
  params: Schema.Struct({}),
  inputs: {
    transfer: summaries("readout-transfer summaries: frozen multi-animal core + new Gaussian readout"),
    scratch: summaries("gaussian-readout summaries on the new animal alone"),
    transfer_factorized: summaries("readout-transfer summaries with readout: factorized"),
    scratch_factorized: summaries("gaussian-readout summaries with readout: factorized"),
    pretrain: summaries("the core's own training (its animals, all their images)"),
  },
  outputs: {
    arms: port.table(COLUMNS, { format: "parquet", description: "one row per arm and variant" }),
    plot: port.file("png", { headline: true, description: "fraction oracle against training images, per arm" }),
  },
  async run(ctx) {
    const rows: Record<keyof typeof COLUMNS, unknown[]> = Object.fromEntries(Object.keys(COLUMNS).map((k) => [k, []])) as never;
    const series: { label: string; points: [number, number][] }[] = [];
    for (const arm of ARMS) {
      const pts: [number, number][] = [];
      for (const v of ctx.inputs[arm]) {
        rows.arm.push(arm); rows.variant.push(v.label);
        if (v.failed !== undefined) {
          rows.status.push(v.failed);
          for (const k of Object.keys(COLUMNS).slice(3)) rows[k as keyof typeof COLUMNS].push(null);
          continue;
        }
        const t = await v.input.read();
        const get = (c: string) => t.getChild(c)!.get(0) as unknown;
        rows.status.push("ok");
        for (const k of Object.keys(COLUMNS).slice(3)) rows[k as keyof typeof COLUMNS].push(get(k) ?? null);
        pts.push([Number(get("train_images")), Number(get("fraction_oracle"))]);
      }
      pts.sort((a, b) => a[0] - b[0]);
      if (pts.length && arm !== "pretrain") series.push({ label: arm.replace("_", " "), points: pts });
    }
    const num = (k: string) => Float64Array.from(rows[k as keyof typeof COLUMNS], (x) => (x === null ? NaN : Number(x)));
    await ctx.outputs.arms.write({
      ...rows, train_images: rows.train_images.map((x) => (x === null ? null : Number(x))), neurons: rows.neurons.map((x) => (x === null ? null : Number(x))),
      fraction_oracle: num("fraction_oracle"), correlation: num("correlation"), oracle: num("oracle"), feve: num("feve"), mu_error: num("mu_error"), mu_r: num("mu_r"), mu_within: num("mu_within"),
    });
    if (series.length) {
      const svg = lineChart({ title: "new animal: fraction oracle vs. training images", x: "training images (new animal)", y: "fraction oracle", series });
      await ctx.outputs.plot.write(new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer()));
    } else await ctx.outputs.plot.write(new Uint8Array(await sharp({ create: { width: 1, height: 1, channels: 3, background: "white" } }).png().toBuffer()));
    rows.arm.forEach((arm, i) => {
      const fo = rows.fraction_oracle[i];
      if (typeof fo === "number" && Number.isFinite(fo)) ctx.metric(`fo_${arm}_${rows.train_images[i]}`, fo);
    });
  },
});

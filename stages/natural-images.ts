import { defineStage, param, port, Schema } from "lcl";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { CORPUS, QUICK_PACKAGES } from "../src/data/corpus.js";
import { fetchDebian } from "../src/data/debian.js";
import { readRcc } from "../src/data/rcc.js";

/**
 * Natural photographs as luminance images. Default source: the freely licensed photos shipped in
 * Debian data packages (fetched and unpacked into the store's cache, nothing installed); or any
 * folder of JPEG/PNG/WebP. Every image is recorded with its source, licence, size and hash;
 * unreadable files are reported by name and skipped or fail the stage, never used silently.
 */
const IMAGE = /\.(jpe?g|png|webp)$/i;

interface Candidate { readonly source: string; readonly pkg: string; readonly version: string; readonly licence: string; readonly file: string; readonly bytes: () => Buffer }

export default defineStage({
  name: "natural-images",
  version: 1,
  description: "Natural photographs (Debian data packages or a folder) → luminance images with provenance.",
  params: Schema.Struct({
    source: param.choice(["debian", "folder"], { default: "debian", description: "where the photos come from" }),
    packages: param.choices(Object.keys(CORPUS) as [string, ...string[]], { default: [...QUICK_PACKAGES], description: "Debian packages to take photos from (source: debian)" }),
    folder: param.string({ default: "", description: "folder of JPEG/PNG/WebP, relative to the workspace (source: folder)" }),
    max_side: param.int({ default: 1024, min: 16, max: 16384, description: "downsample so the longer side is at most this many pixels" }),
    on_error: param.choice(["skip", "fail"], { default: "skip", description: "unreadable or truncated images: skip (reported) or fail the stage" }),
    limit: param.int({ default: 0, min: 0, description: "keep at most this many images (0 = all), in sorted order" }),
  }),
  files: (p) => (p.source === "folder" && p.folder ? [p.folder] : []),
  inputs: {},
  outputs: {
    images: port.table({ id: "utf8", source: "utf8", package: "utf8", version: "utf8", path: "utf8", licence: "utf8", width: "int32", height: "int32", sha256: "utf8" },
      { format: "parquet", description: "one row per image, with provenance" }),
    pixels: port.table({ id: "utf8", width: "int32", height: "int32", luminance: { list: "float32" } }, { description: "row-major luminance in [0, 1]" }),
  },
  async run(ctx) {
    const p = ctx.params;
    const candidates: Candidate[] = [];
    if (p.source === "folder") {
      if (!p.folder) throw new Error("source: folder needs `folder: <path>`");
      for (const file of ctx.files.filter((f) => IMAGE.test(f))) {
        candidates.push({ source: "folder", pkg: "", version: "", licence: "unknown (user folder)", file: path.relative(path.dirname(ctx.files[0] ?? file), file) || path.basename(file), bytes: () => readFileSync(file) });
      }
    } else {
      let i = 0;
      for (const name of p.packages) {
        const pkg = CORPUS[name]!;
        ctx.progress(i++, p.packages.length, `fetching ${name} (~${pkg.approxMB} MB)`);
        const root = await fetchDebian(pkg, path.join(ctx.cacheDir, "debian"), ctx.log);
        if (pkg.rcc) {
          for (const bundle of pkg.rcc) {
            for (const e of readRcc(readFileSync(path.join(root, bundle)))) {
              if (pkg.photos.some((re) => re.test(e.path))) candidates.push({ source: "debian", pkg: name, version: pkg.version, licence: pkg.licence, file: `${bundle}:${e.path}`, bytes: () => e.data });
            }
          }
        } else {
          for (const rel of walk(root)) {
            if (pkg.photos.some((re) => re.test(rel))) candidates.push({ source: "debian", pkg: name, version: pkg.version, licence: pkg.licence, file: rel, bytes: () => readFileSync(path.join(root, rel)) });
          }
        }
      }
    }
    candidates.sort((a, b) => (a.pkg + a.file).localeCompare(b.pkg + b.file));
    const chosen = p.limit ? candidates.slice(0, p.limit) : candidates;
    if (!chosen.length) throw new Error(p.source === "folder" ? `no JPEG/PNG/WebP images under '${p.folder}'` : "the selected packages contain no photos");

    const rows = { id: [] as string[], source: [] as string[], package: [] as string[], version: [] as string[], path: [] as string[], licence: [] as string[], width: [] as number[], height: [] as number[], sha256: [] as string[] };
    const pix = { id: [] as string[], width: [] as number[], height: [] as number[], luminance: [] as Float32Array[] };
    const skipped: string[] = [];
    for (const [k, c] of chosen.entries()) {
      ctx.progress(k, chosen.length, "decoding");
      const bytes = c.bytes();
      let decoded: { data: Buffer; info: { width: number; height: number } };
      try {
        decoded = await sharp(bytes, { failOn: "truncated" })
          .greyscale().resize({ width: p.max_side, height: p.max_side, fit: "inside", withoutEnlargement: true })
          .raw().toBuffer({ resolveWithObject: true });
      } catch (e) {
        const msg = `${c.file}: unreadable image (${(e as Error).message.split("\n")[0]})`;
        if (p.on_error === "fail") throw new Error(msg);
        ctx.log(`skipped ${msg}`);
        skipped.push(c.file);
        continue;
      }
      const hash = createHash("sha256").update(bytes).digest("hex");
      const id = `${c.pkg ? c.pkg + ":" : ""}${path.basename(c.file).replace(IMAGE, "")}-${hash.slice(0, 8)}`;
      rows.id.push(id); rows.source.push(c.source); rows.package.push(c.pkg); rows.version.push(c.version); rows.path.push(c.file);
      rows.licence.push(c.licence); rows.width.push(decoded.info.width); rows.height.push(decoded.info.height); rows.sha256.push(hash);
      pix.id.push(id); pix.width.push(decoded.info.width); pix.height.push(decoded.info.height);
      pix.luminance.push(Float32Array.from(decoded.data, (v) => v / 255));
    }
    if (!rows.id.length) throw new Error(`every image was unreadable: ${skipped.join(", ")}`);
    await ctx.outputs.images.write({ ...rows, width: Int32Array.from(rows.width), height: Int32Array.from(rows.height) });
    await ctx.outputs.pixels.write({ ...pix, width: Int32Array.from(pix.width), height: Int32Array.from(pix.height) });
    ctx.metric("images", rows.id.length);
    ctx.metric("skipped", skipped.length);
    ctx.metric("megapixels", pix.luminance.reduce((a, l) => a + l.length, 0) / 1e6);
  },
});

function* walk(root: string, rel = ""): Generator<string> {
  for (const e of readdirSync(path.join(root, rel)).sort()) {
    const r = rel ? `${rel}/${e}` : e;
    if (statSync(path.join(root, r)).isDirectory()) yield* walk(root, r);
    else yield r;
  }
}

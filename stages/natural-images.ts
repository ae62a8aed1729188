import { defineStage, param, port, Schema } from "lcl";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { CORPUS, imageId, QUICK_PACKAGES } from "../src/data/corpus.js";
import { fetchDebian } from "../src/data/debian.js";
import { readRcc } from "../src/data/rcc.js";

/**
 * Natural photographs as luminance images. Default source: the freely licensed photos shipped in
 * Debian data packages (fetched and unpacked into the store's cache, nothing installed); or any
 * folder of JPEG/PNG/WebP. Every image is recorded with its source, licence, size and hash;
 * unreadable files are reported by name and skipped or fail the stage, never used silently.
 * `exclude` holds photos out (whole packages or single images), e.g. the ones test stimuli are
 * cut from: stages that show stimuli to a front-end refuse stimuli from its training images.
 */
const IMAGE = /\.(jpe?g|png|webp)$/i;

interface Candidate { readonly source: string; readonly pkg: string; readonly version: string; readonly licence: string; readonly file: string; readonly bytes: () => Buffer; readonly sha256: () => string }

/** A candidate whose content hash is computed once, when first asked for. */
function candidate(c: Omit<Candidate, "sha256">): Candidate {
  let hash: string | undefined;
  return { ...c, sha256: () => (hash ??= createHash("sha256").update(c.bytes()).digest("hex")) };
}

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
    exclude: param.strings({ default: [], description: "hold out these packages or image ids (e.g. 'palapeli-data', 'palapeli-data:castle-1a2b3c4d'): the photos test stimuli come from must not be trained on" }),
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
        candidates.push(candidate({ source: "folder", pkg: "", version: "", licence: "unknown (user folder)", file: path.relative(path.dirname(ctx.files[0] ?? file), file) || path.basename(file), bytes: () => readFileSync(file) }));
      }
    } else {
      let i = 0;
      for (const name of p.packages.filter((n) => !p.exclude.includes(n))) {
        const pkg = CORPUS[name]!;
        ctx.progress(i++, p.packages.length, `fetching ${name} (~${pkg.approxMB} MB)`);
        const root = await fetchDebian(pkg, path.join(ctx.cacheDir, "debian"), ctx.log);
        if (pkg.rcc) {
          for (const bundle of pkg.rcc) {
            for (const e of readRcc(readFileSync(path.join(root, bundle)))) {
              if (pkg.photos.some((re) => re.test(e.path))) candidates.push(candidate({ source: "debian", pkg: name, version: pkg.version, licence: pkg.licence, file: `${bundle}:${e.path}`, bytes: () => e.data }));
            }
          }
        } else {
          for (const rel of walk(root)) {
            if (pkg.photos.some((re) => re.test(rel))) candidates.push(candidate({ source: "debian", pkg: name, version: pkg.version, licence: pkg.licence, file: rel, bytes: () => readFileSync(path.join(root, rel)) }));
          }
        }
      }
    }
    candidates.sort((a, b) => (a.pkg + a.file).localeCompare(b.pkg + b.file));
    // Excluded images are dropped before `limit`, so `limit` counts the images actually used.
    // A corpus package name holds out the whole package (it is not even fetched); anything else must be an image id.
    const unmatched = new Set(p.exclude.filter((e) => !(e in CORPUS)));
    const kept = !unmatched.size ? candidates : candidates.filter((c) => {
      const id = imageId(c.pkg, path.basename(c.file).replace(IMAGE, ""), c.sha256());
      if (!p.exclude.includes(id)) return true;
      unmatched.delete(id);
      return false;
    });
    if (unmatched.size) {
      throw new Error(`exclude: ${[...unmatched].map((e) => `'${e}'`).join(", ")} is neither a corpus package (${Object.keys(CORPUS).join(", ")}) nor the id of an image of this source; ids look like '${kept[0] ? imageId(kept[0].pkg, path.basename(kept[0].file).replace(IMAGE, ""), kept[0].sha256()) : "package:name-1a2b3c4d"}' (\`lcl show <experiment> <node>\` lists them)`);
    }
    const chosen = p.limit ? kept.slice(0, p.limit) : kept;
    if (!chosen.length) throw new Error(p.source === "folder" ? `no JPEG/PNG/WebP images under '${p.folder}'${p.exclude.length ? " that are not excluded" : ""}` : `the selected packages contain no photos${p.exclude.length ? " that are not excluded" : ""}`);

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
      const hash = c.sha256();
      const id = imageId(c.pkg, path.basename(c.file).replace(IMAGE, ""), hash);
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
    ctx.metric("excluded_by_id", candidates.length - kept.length);
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

// Bundles the CLI, the stage-author SDK, the child-process stage runner and the texture-synthesis
// worker (started by stages, which are bundled elsewhere, so it needs a fixed path) into dist/ so `lcl`
// starts without a TypeScript loader. Runs on `npm ci` (prepare) and from bin/lcl.js whenever
// src/ is newer. Files are written to a private folder and renamed into place, so concurrent
// `lcl` processes never import a half-written bundle.
import * as esbuild from "esbuild";
import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function build() {
  const out = path.join(root, "dist");
  const tmp = path.join(out, `.build-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    esbuild.buildSync({
      absWorkingDir: root,
      entryPoints: { cli: "src/cli/main.ts", sdk: "src/sdk/index.ts", runner: "src/engine/stage-process.ts", "texture-worker": "src/texture/worker.ts" },
      outdir: tmp, outExtension: { ".js": ".mjs" },
      bundle: true, platform: "node", format: "esm", target: "node20", packages: "external",
      sourcemap: "linked", logLevel: "warning", legalComments: "none",
    });
    // tfjs-core's Node entry (CJS) registers no gradients and its ESM gradient files are written
    // for bundlers (extensionless imports); bundling them once gives Node a loadable file. They
    // register into tfjs's global registry, shared with the CJS core.
    esbuild.buildSync({
      absWorkingDir: root,
      entryPoints: { "tfjs-gradients": "node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js" },
      outdir: tmp, outExtension: { ".js": ".mjs" }, bundle: true, platform: "node", format: "esm", target: "node20",
      logLevel: "warning", legalComments: "none",
    });
    // Maps first, bundles last: a reader that sees the new cli.mjs also finds its map.
    const files = readdirSync(tmp).sort((a, b) => Number(a.endsWith(".map")) - Number(b.endsWith(".map"))).reverse();
    for (const f of files) renameSync(path.join(tmp, f), path.join(out, f));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) build();

// Bundles the CLI and the stage-author SDK into dist/ so `lcl` starts without a TypeScript
// loader. Runs on `npm ci` (prepare) and automatically from bin/lcl.js when src/ is newer.
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function build() {
  esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: { cli: "src/cli/main.ts", sdk: "src/sdk/index.ts", runner: "src/engine/stage-process.ts" },
    outdir: "dist", outExtension: { ".js": ".mjs" },
    bundle: true, platform: "node", format: "esm", target: "node20", packages: "external",
    sourcemap: "linked", logLevel: "warning", legalComments: "none",
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) build();

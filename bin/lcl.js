#!/usr/bin/env node
// Entry point. Runs the bundled CLI (dist/cli.mjs), rebuilding it first when any source under
// src/ is newer — so a checkout is always current without a watch process or a loader.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// `lcl --version` (or -v) needs nothing but package.json: answering here skips loading the CLI (effect,
// effect/cli, the engine: ~0.7 s). Same text as effect/cli's own --version (test/cli/startup.test.ts).
if (process.argv.length === 3 && (process.argv[2] === "--version" || process.argv[2] === "-v")) {
  process.stdout.write(`lcl v${JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version}\n`);
  process.exit(0);
}

const bundle = path.join(root, "dist/cli.mjs");

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

let built = 0;
try { built = statSync(bundle).mtimeMs; } catch { /* not built yet */ }
if (built < newest(path.join(root, "src"))) {
  try {
    const { build } = await import("../scripts/build.mjs");
    await build();
  } catch (e) {
    if (!built) throw e; // no bundle at all: nothing to fall back to
    process.stderr.write(`lcl: could not rebuild dist/ (${e.message}); using the existing bundle\n`);
  }
}
if (process.argv.includes("--verbose")) process.setSourceMapsEnabled(true);
await import(bundle);

// Bundles (async: esbuild plugins need the async API) the CLI, the stage-author SDK, the child-process
// and worker-thread stage runners, and the worker threads stages start — training shards
// (src/model/shard-worker.ts) and texture synthesis (src/texture/worker.ts); stages are bundled
// elsewhere, so these need a fixed path — into dist/ so `lcl`
// starts without a TypeScript loader. Runs on `npm ci` (prepare) and from bin/lcl.js whenever
// src/ is newer. Files are written to a private folder and renamed into place, so concurrent
// `lcl` processes never import a half-written bundle.
import * as esbuild from "esbuild";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * `import { Effect, Schema } from "effect"` loads effect's barrel: all ~140 of its modules, about
 * half of lcl's start-up. Rewritten at bundle time to `import * as Effect from "effect/Effect"` (the
 * very module instance the barrel re-exports), so only the modules lcl uses are loaded. Names the
 * barrel does not re-export as a whole module (e.g. `pipe`) keep the barrel import.
 */
function effectDeepImports() {
  const barrel = readFileSync(path.join(root, "node_modules/effect/dist/index.js"), "utf8");
  const modules = new Map([...barrel.matchAll(/^export \* as (\w+) from "\.\/([\w/]+)\.js";/gm)].map((m) => [m[1], m[2]]));
  const rewrite = (text) => text
    .replace(/^import\s*\{([^}]*)\}\s*from\s*"effect";/gm, (all, list) => {
      const deep = [], rest = [];
      for (const spec of list.split(",").map((x) => x.trim()).filter(Boolean)) {
        const [name, alias = name] = spec.split(/\s+as\s+/);
        if (!spec.startsWith("type ") && modules.has(name)) deep.push(`import * as ${alias} from "effect/${modules.get(name)}";`);
        else rest.push(spec);
      }
      return [...deep, ...(rest.length ? [`import { ${rest.join(", ")} } from "effect";`] : [])].join(" ");
    })
    .replace(/^export\s*\{\s*(\w+)\s*\}\s*from\s*"effect";/gm, (all, name) => modules.has(name) ? `export * as ${name} from "effect/${modules.get(name)}";` : all);
  return {
    name: "effect-deep-imports",
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => ({ contents: rewrite(readFileSync(args.path, "utf8")), loader: "ts" }));
    },
  };
}

export async function build() {
  const out = path.join(root, "dist");
  const tmp = path.join(out, `.build-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: { cli: "src/cli/main.ts", sdk: "src/sdk/index.ts", runner: "src/engine/stage-process.ts", "shard-worker": "src/model/shard-worker.ts", thread: "src/engine/stage-thread.ts", "texture-worker": "src/texture/worker.ts" },
      outdir: tmp, outExtension: { ".js": ".mjs" },
      bundle: true, platform: "node", format: "esm", target: "node20", packages: "external",
      sourcemap: "linked", logLevel: "warning", legalComments: "none", plugins: [effectDeepImports()],
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

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await build();

/**
 * `npm run bench:report`: size and load time of `lcl report` for a generated toy sweep of the demo
 * pipeline — numbers × A offsets → scale × B factors each → one summary (A + A·B + 1 stages;
 * 20 × 49 → 1001 by default, BENCH_A/BENCH_B to change) — generated through the real CLI and
 * opened from disk in headless Chromium (Debian's `chromium`, or LCL_CHROMIUM). Prints numbers,
 * asserts nothing.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const A = Number(process.env.BENCH_A ?? 20), B = Number(process.env.BENCH_B ?? 49);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "bin/lcl.js");
const CHROMIUM = (process.env.LCL_CHROMIUM ? [process.env.LCL_CHROMIUM] : ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]).find((p) => existsSync(p));

const dir = mkdtempSync(path.join(os.tmpdir(), "lcl-bench-report-"));
try {
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(ROOT, path.join(dir, "node_modules/lcl"), "dir");
  mkdirSync(path.join(dir, "pipelines"));
  cpSync(path.join(ROOT, "pipelines/demo.yaml"), path.join(dir, "pipelines/demo.yaml"));
  const list = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i)).join(", ");
  writeFileSync(path.join(dir, "experiments.yaml"), `experiments:\n  sweep:\n    pipeline: demo\n    params: { numbers: { n: 1000 } }\n    matrix:\n      numbers: { offset: [${list(A, (i) => i)}] }\n      scale: { factor: [${list(B, (i) => 1 + i / 10)}] }\n`);
  const lcl = (...args: string[]) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    if (r.status !== 0) throw new Error(`lcl ${args.join(" ")} failed: ${r.stderr}`);
    return { s: (performance.now() - t) / 1000, out: r.stdout.trim() };
  };
  const stages = A + A * B + 1;
  console.log(`${stages} stages: running the sweep (toy stages)…`);
  console.log(`  lcl run: ${lcl("run", "sweep", "-q").s.toFixed(1)} s`);
  const file = path.join(dir, "report.html");
  const gen = lcl("report", "sweep", "-o", file);
  console.log(`  lcl report: ${gen.s.toFixed(1)} s wall (incl. CLI start), ${(statSync(file).size / (1 << 20)).toFixed(2)} MiB`);
  console.log(`  ${gen.out}`);
  if (!CHROMIUM) console.log("  no Chromium found: load time not measured (apt-get install chromium)");
  else {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    const times: { load: number; dcl: number; expand: number }[] = [];
    const errors: string[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
      const t0 = performance.now();
      await page.goto(`file://${file}`, { waitUntil: "load" });
      const load = performance.now() - t0;
      const nav = await page.evaluate(() => { const n = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming; return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd }; });
      // "expand all" on every stage section, then wait for layout: the worst case for a reader.
      const expand = await page.evaluate(async () => {
        const t = performance.now();
        (document.querySelector('nav button[data-act="open"]') as HTMLButtonElement).click();
        document.body.getBoundingClientRect();
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        return performance.now() - t;
      });
      times.push({ load: Math.max(load, nav.load), dcl: nav.dcl, expand });
      if (i === 0) await page.screenshot({ path: path.join(ROOT, "test-output/report-1000.png") }).catch(() => {});
      await page.close();
    }
    await browser.close();
    const med = (k: keyof (typeof times)[number]) => times.map((t) => t[k]).sort((a, b) => a - b)[1]!.toFixed(0);
    console.log(`  Chromium (median of 3): DOMContentLoaded ${med("dcl")} ms, load ${med("load")} ms, expand all ${med("expand")} ms; console errors: ${errors.length}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

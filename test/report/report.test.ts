import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LCL_ROOT, Rig } from "../helpers/rig.js";
import { experiments, failStage, pipeline, scienceStage } from "./fixtures.js";

/**
 * `lcl report` end to end: a workspace whose stages are ran, cached, failed, stale and pending,
 * reported through the real CLI, then opened from disk in headless Chromium (system package,
 * driven by playwright-core). Without Chromium the browser checks are skipped, saying so.
 */
const OUT = path.join(LCL_ROOT, "test-output/report");
// LCL_CHROMIUM names the browser (any Chrome/Chromium binary); set to a non-existent path it turns the browser checks off.
const CHROMIUM = (process.env.LCL_CHROMIUM ? [process.env.LCL_CHROMIUM] : ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]).find((p) => existsSync(p));
if (!CHROMIUM) console.warn(`lcl report browser tests SKIPPED: no Chromium at ${process.env.LCL_CHROMIUM ?? "/usr/bin/chromium"} (install Debian's \`chromium\`, or set LCL_CHROMIUM to a Chrome/Chromium binary)`);

let rig: Rig;
let report: string, big: string;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  rig = new Rig({ "stages/r-science.ts": scienceStage, "stages/r-fail.ts": failStage, "pipelines/sci.yaml": pipeline, "experiments.yaml": experiments("0, 1") });
  // 1st run: everything runs, `bad` fails (--keep-going finishes the rest).
  expect((await rig.lcl(["run", "sci", "-k", "-q"])).code).toBe(1);
  // 2nd run with one more seed: train[seed=2] runs, the rest is cached, `bad` fails again.
  rig.write("experiments.yaml", experiments("0, 1, 2"));
  expect((await rig.lcl(["run", "sci", "-k", "-q"])).code).toBe(1);
  expect((await rig.lcl(["run", "sci-b", "-k", "-q"])).code).toBe(1);
  // Then a param edit that is not run yet: numbers is stale, scale and summary wait for it.
  rig.write("experiments.yaml", experiments("0, 1, 2", 300));
  report = rig.path("sci.html");
  const r = await rig.lcl(["report", "sci", "--against", "sci-b", "-o", report]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/sci: 7 stages .*→ .*sci\.html/);
}, 120_000);
afterAll(() => rig?.dispose());

describe("lcl report (HTML)", () => {
  it("writes one self-contained file: no external scripts, styles, images or fetches", () => {
    const html = readFileSync(report, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/url\((["']?)https?:/i);
    expect(html).not.toMatch(/\bfetch\(|XMLHttpRequest/);
  });

  it("colours each stage by status and says why", () => {
    const html = readFileSync(report, "utf8");
    const status = (id: string) => new RegExp(`<details class="stage" id="[^"]+" data-status="([a-z]+)"[^>]*><summary><span[^>]*>[a-z]+</span> <b>${id.replace(/[[\]]/g, "\\$&")}</b>`).exec(html)?.[1];
    expect(status("train[seed=2]")).toBe("ran");
    expect(status("train[seed=0]")).toBe("cached");
    expect(status("bad")).toBe("failed");
    expect(status("numbers")).toBe("stale");
    expect(status("scale")).toBe("pending");
    expect(html).toContain("params.n: 200 → 300");
    expect(html).toContain("deliberate failure for the report test");
    expect(html).toContain("about to fail"); // the failed stage's log tail
    expect(html).toContain("ran: first run of this stage in this experiment");
    // Plots of every shape, rendered to SVG at generation time.
    for (const kind of ["curve", "lines", "summary", "histogram"]) expect(html).toContain(`data-plot="${kind}"`);
    // A sweep: its variants' curves overlaid, and its metrics against the sweep axis.
    expect(html).toContain("train.curve across variants: loss, accuracy by step");
    expect(html).toContain("train across variants: final_loss by seed");
    // The diff against sci-b: lr highlighted, unchanged fields collapsed.
    expect(html).toMatch(/<tr class="changed"><th>params\.lr<\/th><td>0\.1<\/td><td>0\.2<\/td><\/tr>/);
    expect(html).toMatch(/<summary>\d+ unchanged fields<\/summary>/);
  });

  it("refuses an unknown experiment with a clear message, exit 2 and no stack trace", async () => {
    const r = await rig.lcl(["report", "scii", "-o", rig.path("x.html")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no experiment 'scii'");
    expect(r.stderr).toContain("did you mean 'sci'?");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(rig.exists("x.html")).toBe(false);
    const bad = await rig.lcl(["report", "sci", "--against", "nothing-like-this", "-o", rig.path("x.html")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("no experiment or run 'nothing-like-this'");
  });

  it("collapses a sweep of 70+ stages into one box per node and caps previews", async () => {
    // numbers × 7 offsets → scale × 9 factors each → one summary: 7 + 63 + 1 = 71 stages.
    const exp = experiments("0") + `  wide:\n    pipeline: wide\n    params: { numbers: { n: 50 } }\n    matrix: { numbers: { offset: [0, 1, 2, 3, 4, 5, 6] }, scale: { factor: [1, 2, 3, 4, 5, 6, 7, 8, 9] } }\n`;
    rig.write("experiments.yaml", exp);
    rig.write("pipelines/wide.yaml", "nodes:\n  numbers: { uses: toy-numbers }\n  scale: { uses: toy-scale, inputs: { table: numbers.table } }\n  summary: { uses: toy-summary, inputs: { tables: scale.table } }\n");
    expect((await rig.lcl(["run", "wide", "-q"])).code).toBe(0);
    big = rig.path("wide.html");
    const r = await rig.lcl(["report", "wide", "-o", big]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(big, "utf8");
    expect(html.match(/class="dag-node"/g)).toHaveLength(3);
    expect(html.match(/<details class="stage"/g)).toHaveLength(71);
    expect(html).not.toMatch(/<details class="stage"[^>]* open>/);
    expect(html).toContain("Variants after the first 12");
    expect(statSync(big).size).toBeLessThan(2 << 20);
  }, 120_000);
});

describe.skipIf(!CHROMIUM)(`lcl report in headless Chromium${CHROMIUM ? "" : " (SKIPPED: no Chromium found; apt-get install chromium)"}`, () => {
  const open = async (file: string, shot: string) => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM!, headless: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (q) => problems.push(`request failed: ${q.url().slice(0, 100)}`));
    // Anything but the file itself and inline data is a network request the report must not make.
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file://") || url.startsWith("data:")) return route.continue();
      problems.push(`network: ${url}`);
      return route.abort();
    });
    const t0 = Date.now();
    await page.goto(`file://${file}`, { waitUntil: "load" });
    const loadMs = Date.now() - t0;
    // Open every section and load every (lazy) image, then check each decoded.
    await page.evaluate(() => {
      document.querySelectorAll("details").forEach((d) => { (d as HTMLDetailsElement).open = true; });
      document.querySelectorAll("img").forEach((i) => { (i as HTMLImageElement).loading = "eager"; });
    });
    const broken = await page.evaluate(async () => {
      const imgs = [...document.querySelectorAll("img")] as HTMLImageElement[];
      await Promise.all(imgs.map((i) => i.decode().catch(() => undefined)));
      return { count: imgs.length, broken: imgs.filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.alt) };
    });
    await page.screenshot({ path: path.join(OUT, shot), fullPage: true });
    return { page, browser, problems, loadMs, images: broken };
  };

  it("renders the DAG, every section and every image, with no console errors or network", async () => {
    const { page, browser, problems, images } = await open(report, "sci.png");
    try {
      expect(problems).toEqual([]);
      expect(images.count).toBeGreaterThanOrEqual(3); // train × 3 filter PNGs
      expect(images.broken).toEqual([]);
      const dag = await page.evaluate(() => {
        const svg = document.querySelector("#dag svg") as SVGSVGElement | null;
        const links = [...document.querySelectorAll("#dag-svg a.dag-node")].map((a) => a.getAttribute("href")!);
        return { w: svg?.getBoundingClientRect().width ?? 0, links, missing: links.filter((h) => !document.getElementById(h.slice(1))) };
      });
      expect(dag.w).toBeGreaterThan(100);
      expect(dag.links).toHaveLength(7);
      expect(dag.missing).toEqual([]);
      const sections = await page.evaluate(() => ({
        stages: [...document.querySelectorAll("details.stage")].map((d) => [d.querySelector("summary b")?.textContent, (d as HTMLElement).offsetHeight]),
        plots: [...document.querySelectorAll("figure.plot svg")].map((s) => s.getBoundingClientRect().width),
        diff: document.querySelectorAll("#diff tr.changed").length,
      }));
      expect(sections.stages.map((s) => s[0]).sort()).toEqual(["bad", "numbers", "scale", "summary", "train[seed=0]", "train[seed=1]", "train[seed=2]"].sort());
      for (const [id, h] of sections.stages) expect(h, `section ${id} has no height`).toBeGreaterThan(20);
      expect(sections.plots.length).toBeGreaterThanOrEqual(12);
      for (const w of sections.plots) expect(w).toBeGreaterThan(50);
      expect(sections.diff).toBeGreaterThan(0);
      // Clicking a box in the graph opens and shows its section.
      await page.evaluate(() => document.querySelectorAll("details").forEach((d) => { (d as HTMLDetailsElement).open = false; }));
      await page.click('#dag-svg a.dag-node[data-id="train[seed=2]"]');
      expect(await page.evaluate(() => (document.querySelector('details.stage[data-status="ran"]') as HTMLDetailsElement).open)).toBe(true);
    } finally { await browser.close(); }
    expect(existsSync(path.join(OUT, "sci.png"))).toBe(true);
  }, 60_000);

  it("keeps a 71-stage sweep light: loads fast and renders clean", async () => {
    const { browser, problems, loadMs } = await open(big, "wide.png");
    await browser.close();
    expect(problems).toEqual([]);
    expect(loadMs).toBeLessThan(10_000);
  }, 60_000);
});

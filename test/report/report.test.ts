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
    expect(html).toContain("train across variants: final_loss, final_accuracy by seed");
    // The diff against sci-b: lr highlighted, unchanged fields collapsed.
    expect(html).toMatch(/<tr class="changed"><th>params\.lr<\/th><td>0\.1<\/td><td>0\.2<\/td><\/tr>/);
    expect(html).toMatch(/<summary>\d+ unchanged fields<\/summary>/);
  });

  it("leads with results: headline metrics and key figures, then the comparison, graph, diff and closed stage sections", () => {
    const html = readFileSync(report, "utf8");
    const at = (id: string) => html.indexOf(`<section id="${id}"`);
    expect(at("results")).toBeGreaterThan(0);
    expect(at("results")).toBeLessThan(at("compare"));
    expect(at("compare")).toBeLessThan(at("dag"));
    expect(at("dag")).toBeLessThan(at("diff"));
    expect(at("diff")).toBeLessThan(at("stages"));
    const results = html.slice(at("results"), at("compare"));
    // The kind's declared headline, not every metric; the toy kinds (nothing declared) fold away beneath.
    expect(results).toContain('<th class="num">final_loss</th><th class="num">final_accuracy</th>');
    expect(results).not.toContain("not_headline");
    expect(results).toMatch(/<details class="inline others"><summary>\d+ other stages/);
    expect(results).toContain("3 variants over seed");
    // Key figures: the declared outputs of the first variant, linking to its stage section.
    expect(results).toMatch(/<figure class="keyfig" data-stage="train\[seed=0\]"><a href="#s-train-seed-0"><img /);
    expect(results).toMatch(/<figure class="keyfig plot" data-plot="curve" data-stage="train\[seed=0\]">/);
    expect(results).toMatch(/<figure class="keyfig plot" data-plot="lines" data-stage="train\[seed=0\]">/);
    expect(results).toContain("2 more variants in the details");
    expect(html).not.toMatch(/<details class="stage"[^>]* open>/);
  });

  /** Parse one row of a Markdown table: `| a | b |` → ["a", "b"]. */
  const mdRow = (line: string) => line.trim().replace(/^\||\|$/g, "").split(" | ").map((c) => c.trim());
  const mdTable = (md: string, heading: string) => {
    const lines = md.split("\n");
    const start = lines.findIndex((l) => l.startsWith(heading));
    expect(start, `no ${heading} in\n${md}`).toBeGreaterThanOrEqual(0);
    const rows = [];
    for (let i = start + 1; i < lines.length && !lines[i]!.startsWith("#"); i++) if (lines[i]!.startsWith("|")) rows.push(mdRow(lines[i]!));
    return { header: rows[0]!, rows: rows.slice(2) };
  };
  const parseCell = (c: string) => { const m = /^(-?[\d.e+-]+)(?: ± ([\d.e+-]+) \((\d+)\))?$/.exec(c); expect(m, `cell '${c}'`).not.toBeNull(); return { mean: Number(m![1]), h: m![2] ? Number(m![2]) : undefined, n: m![3] ? Number(m![3]) : 1 }; };
  const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(6e-4 * Math.abs(want) + 1e-9);
  const T975_DF2 = 4.303; // Student's t, 97.5 % quantile, 2 degrees of freedom (t-table)
  const stats = (xs: number[]) => { const m = xs.reduce((a, b) => a + b, 0) / xs.length; const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)); return { m, h: (T975_DF2 * sd) / Math.sqrt(xs.length) }; };
  const shown = async (exp: string, node: string) => JSON.parse((await rig.lcl(["show", exp, node, "--json"])).stdout) as { instance: string; metrics: Record<string, number> }[];

  it("--markdown round-trips the numbers lcl show prints: seed means ± 95 % CI, and A/B with Δ = B − A", async () => {
    const r = await rig.lcl(["report", "sci", "--markdown", "--against", "sci-b"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.exists("report.html")).toBe(false); // exports print; they write no HTML
    const a = await shown("sci", "train"), b = await shown("sci-b", "train");
    expect(a).toHaveLength(3);
    const t = mdTable(r.stdout, "### r-science");
    expect(t.header).toEqual(["stage", "final_loss", "final_accuracy"]);
    expect(t.rows[0]![0]).toBe("train");
    for (const [i, metric] of ["final_loss", "final_accuracy"].entries()) {
      const cell = parseCell(t.rows[0]![i + 1]!), want = stats(a.map((x) => x.metrics[metric]!));
      expect(cell.n).toBe(3);
      close(cell.mean, want.m);
      close(cell.h!, want.h);
    }
    // The toy summary (kind without a declaration): its metrics as lcl show has them.
    const toy = mdTable(r.stdout, "### toy-summary");
    const rec = (await shown("sci", "summary"))[0]!;
    toy.header.slice(1).forEach((k, i) => close(parseCell(toy.rows[0]![i + 1]!).mean, rec.metrics[k]!));
    // The comparison: A and B means side by side, Δ = B − A.
    const cmp = mdTable(r.stdout, "## sci against sci-b");
    const row = cmp.rows.find((x) => x[0] === "train" && x[2] === "final_loss")!;
    const ma = stats(a.map((x) => x.metrics.final_loss!)).m, mb = stats(b.map((x) => x.metrics.final_loss!)).m;
    close(parseCell(row[3]!).mean, ma);
    close(parseCell(row[4]!).mean, mb);
    close(Number(row[5]), mb - ma);
    expect(mb - ma).not.toBe(0); // lr differs, so the check above can fail
  });

  it("--json and lcl show --format markdown carry the same numbers; --only selects kinds", async () => {
    const j = await rig.lcl(["report", "sci", "--json", "--only", "r-science"]);
    expect(j.code, j.stderr).toBe(0);
    const out = JSON.parse(j.stdout);
    expect(out.groups.map((g: { kind: string }) => g.kind)).toEqual(["r-science"]);
    const a = await shown("sci", "train");
    const cell = out.groups[0].rows[0].cells.final_loss;
    expect(cell.values).toEqual(a.map((x) => x.metrics.final_loss));
    close(cell.ci[1] - cell.mean, stats(a.map((x) => x.metrics.final_loss!)).h);
    expect(out.figures.map((f: { output: string }) => f.output).sort()).toEqual(["curve", "filters", "ood"]);
    const md = await rig.lcl(["show", "sci", "train[seed=1]", "--format", "markdown"]);
    expect(md.code, md.stderr).toBe(0);
    const m = mdTable(md.stdout, "### train[seed=1]");
    const rec = a.find((x) => x.instance === "train[seed=1]")!;
    expect(m.header).toEqual(["metric", "value"]);
    for (const [k, v] of m.rows) close(Number(v), rec.metrics[k!]!);
    const ood = mdTable(md.stdout, "#### ood");
    expect(ood.header).toEqual(["corruption", "severity", "accuracy"]);
    expect(ood.rows).toHaveLength(15); // whole table, not the 5-row text preview
    close(Number(ood.rows[5]![2]), 0.9 - 0.1); // blur, severity 1 (the fixture's formula)
    const one = await rig.lcl(["show", "sci", "train[seed=1]", "--format", "markdown", "--output", "nope"]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("outputs are: block, curve, filters, ood, summary, units, or `metrics`");
    expect(one.stdout).toBe("");
  });

  it("refuses a malformed headline declaration with the file and the fix", async () => {
    rig.write("stages/r-badhead.ts", scienceStage.replace('name: "r-science"', 'name: "r-badhead"').replace('headline: ["final_loss", "final_acc*"]', 'headline: "final_loss"'));
    rig.write("pipelines/bh.yaml", "nodes:\n  t: { uses: r-badhead }\n");
    rig.write("experiments.yaml", experiments("0, 1, 2", 300) + "  bh:\n    pipeline: bh\n");
    const r = await rig.lcl(["plan", "bh"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("r-badhead.ts");
    expect(r.stderr).toContain("`headline` lists metric names");
    rig.write("experiments.yaml", experiments("0, 1, 2", 300));
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
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
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
    // What a reader sees on opening, before anything is expanded: results above the fold, key
    // figures drawn at a readable size, a graph that needs no sideways scrolling.
    const first = await page.evaluate(() => {
      const top = (sel: string) => document.querySelector(sel)?.getBoundingClientRect().top ?? Infinity;
      const wrap = document.querySelector(".dag-wrap") as HTMLElement | null;
      return {
        results: top("#results"), table: top("#results table.results"),
        figures: [...document.querySelectorAll("#results figure.keyfig")].map((f) => { const el = f.querySelector("img, svg")!; const r = el.getBoundingClientRect(); return { stage: f.getAttribute("data-stage"), w: r.width, h: r.height }; }),
        dagOverflow: wrap ? wrap.scrollWidth - wrap.clientWidth : 0,
        pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      };
    });
    await page.screenshot({ path: path.join(OUT, shot.replace(/\.png$/, "-top.png")) });
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
    // Every in-page link (graph boxes, result rows, figure links, the table of contents) has a target.
    const deadLinks = await page.evaluate(() => [...document.querySelectorAll('a[href^="#"]')].map((a) => a.getAttribute("href")!).filter((h) => h.length > 1 && !document.getElementById(decodeURIComponent(h.slice(1)))));
    await page.screenshot({ path: path.join(OUT, shot), fullPage: true });
    return { page, browser, problems, loadMs, images: broken, first, deadLinks };
  };

  it("renders the DAG, every section and every image, with no console errors or network", async () => {
    const { page, browser, problems, images, first, deadLinks } = await open(report, "sci.png");
    try {
      expect(problems).toEqual([]);
      expect(deadLinks).toEqual([]);
      expect(first.results).toBeLessThan(300);
      expect(first.table).toBeLessThan(900);
      expect(first.figures).toHaveLength(3); // train's filters, curve and ood (first variant)
      for (const f of first.figures) { expect(f.w, `${f.stage} figure width`).toBeGreaterThan(300); expect(f.h).toBeGreaterThan(50); }
      expect(first.dagOverflow).toBeLessThanOrEqual(0);
      expect(first.pageOverflow).toBeLessThanOrEqual(0);
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
    const { browser, problems, loadMs, deadLinks, first } = await open(big, "wide.png");
    await browser.close();
    expect(problems).toEqual([]);
    expect(deadLinks).toEqual([]);
    expect(first.dagOverflow).toBeLessThanOrEqual(0);
    expect(loadMs).toBeLessThan(10_000);
  }, 60_000);

  // The built-in science experiments, from whatever this checkout's store holds (run them first:
  // `npx lcl run quick`, `npx lcl run alignment-tiny`); a missing one is skipped, saying so.
  for (const exp of ["quick", "alignment", "alignment-tiny"]) {
    const stored = existsSync(path.join(LCL_ROOT, "artifacts/refs", `${exp}.json`));
    it.skipIf(!stored)(`reports the stored '${exp}' experiment: results above the fold, readable figures, live links${stored ? "" : ` (SKIPPED: no stored ${exp}; npx lcl run ${exp})`}`, async () => {
      const file = path.join(OUT, `${exp}.html`);
      const r = await rig.lcl(["report", exp, "-C", LCL_ROOT, "-o", file]);
      expect(r.code, r.stderr).toBe(0);
      const { browser, problems, first, deadLinks, images } = await open(file, `${exp}.png`);
      await browser.close();
      expect(problems).toEqual([]);
      expect(deadLinks).toEqual([]);
      expect(images.broken).toEqual([]);
      expect(first.table).toBeLessThan(900);
      expect(first.figures.length).toBeGreaterThan(0);
      for (const f of first.figures) { expect(f.w, `${f.stage} figure width`).toBeGreaterThan(300); expect(f.h).toBeGreaterThan(50); }
      expect(first.dagOverflow).toBeLessThanOrEqual(0);
    }, 120_000);
  }
});

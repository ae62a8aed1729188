import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { YamlSource, YamlValueCache } from "../../src/engine/yaml-source.js";

/** Clean YAML files' data is served from .lcl/cache (no parse); positions and errors still come from a real parse. */
describe("YAML value cache", () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
  const cacheFile = () => { const d = mkdtempSync(path.join(os.tmpdir(), "lcl-yaml-")); dirs.push(d); return path.join(d, "cache", "yaml.json"); };
  const text = "experiments:\n  base:\n    pipeline: p\n    params:\n      a: { n: 3 }\n";

  it("a later process reads the data from the cache, keyed by the file's text", () => {
    const file = cacheFile();
    expect(new YamlSource("experiments.yaml", text, new YamlValueCache(file)).toJS()).toEqual({ experiments: { base: { pipeline: "p", params: { a: { n: 3 } } } } });
    expect(existsSync(file)).toBe(true);
    // Proof the cache is what answers: an entry for this exact text with other data is returned as is.
    const sha = createHash("sha256").update(text).digest("hex");
    writeFileSync(file, JSON.stringify({ "experiments.yaml": { sha, value: { served: "from cache" } } }));
    expect(new YamlSource("experiments.yaml", text, new YamlValueCache(file)).toJS()).toEqual({ served: "from cache" });
    // Another text (an edit) is parsed again.
    const edited = text.replace("n: 3", "n: 4");
    expect(new YamlSource("experiments.yaml", edited, new YamlValueCache(file)).toJS()).toMatchObject({ experiments: { base: { params: { a: { n: 4 } } } } });
  });

  it("a cached file still gives exact positions for a diagnostic", () => {
    const file = cacheFile();
    new YamlSource("experiments.yaml", text, new YamlValueCache(file)).toJS();
    const cached = new YamlSource("experiments.yaml", text, new YamlValueCache(file));
    cached.toJS();
    const d = cached.diag(["experiments", "base", "params", "a", "n"], "bad");
    const lines = text.split("\n");
    const line = lines.findIndex((l) => l.includes("n: 3")) + 1;
    expect({ line: d.line, col: d.col }).toEqual({ line, col: lines[line - 1]!.indexOf("3") + 1 });
  });

  it("a file with a syntax error is never cached", () => {
    const file = cacheFile();
    const broken = "experiments:\n  base: { pipeline: p\n";
    expect(new YamlSource("experiments.yaml", broken, new YamlValueCache(file)).syntaxErrors.length).toBeGreaterThan(0);
    try { new YamlSource("experiments.yaml", broken, new YamlValueCache(file)).toJS(); } catch { /* may throw */ }
    expect(new YamlSource("experiments.yaml", broken, new YamlValueCache(file)).syntaxErrors.length).toBeGreaterThan(0);
  });
});

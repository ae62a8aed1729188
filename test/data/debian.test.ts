import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fetchDebian } from "../../src/data/debian.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A real .deb (built with dpkg-deb) already in the cache, as after a first download. */
function cachedDeb(name: string, version: string) {
  dir = mkdtempSync(path.join(tmpdir(), "lcl-deb-"));
  const src = path.join(dir, "src");
  mkdirSync(path.join(src, "DEBIAN"), { recursive: true });
  mkdirSync(path.join(src, "usr/share/lcl-test"), { recursive: true });
  writeFileSync(path.join(src, "DEBIAN/control"), `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: test\n`);
  for (let i = 0; i < 200; i++) writeFileSync(path.join(src, "usr/share/lcl-test", `f${i}.txt`), `file ${i}\n`.repeat(50));
  const cache = path.join(dir, "cache");
  mkdirSync(path.join(cache, "debs"), { recursive: true });
  execFileSync("dpkg-deb", ["--build", "-Zgzip", src, path.join(cache, "debs", `${name}_${version}_all.deb`)], { stdio: "ignore" });
  return cache;
}

describe("Debian data packages", () => {
  it("several stages asking for the same package at once all get one complete extraction (a sweep over seeds)", async () => {
    const cache = cachedDeb("lcl-test-data", "1.0-1");
    const roots = await Promise.all(Array.from({ length: 4 }, () => fetchDebian({ name: "lcl-test-data", version: "1.0-1" }, cache, () => {})));
    expect(new Set(roots).size).toBe(1);
    const files = readdirSync(path.join(roots[0]!, "usr/share/lcl-test"));
    expect(files).toHaveLength(200);
    expect(readFileSync(path.join(roots[0]!, "usr/share/lcl-test/f199.txt"), "utf8")).toBe("file 199\n".repeat(50));
    // no temporary folders left beside it
    expect(readdirSync(path.join(cache, "root"))).toEqual([path.basename(roots[0]!)]);
  });

  it("two processes extracting the same package at once both succeed", async () => {
    const cache = cachedDeb("lcl-test-data", "2.0-1");
    const script = `import { fetchDebian } from ${JSON.stringify(path.resolve("src/data/debian.ts"))}; console.log(await fetchDebian({ name: "lcl-test-data", version: "2.0-1" }, ${JSON.stringify(cache)}, () => {}));`;
    const tsx = path.resolve("node_modules/.bin/tsx"), file = path.join(dir, "fetch.mts");
    writeFileSync(file, script);
    const { spawn } = await import("node:child_process");
    const one = () => new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn(tsx, [file], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      c.stdout.on("data", (d) => (out += d)); c.stderr.on("data", (d) => (out += d));
      c.on("close", (code) => resolve({ code, out }));
    });
    const results = await Promise.all([one(), one(), one()]);
    for (const r of results) expect(r.code, r.out).toBe(0);
    const root = results[0]!.out.trim();
    expect(readdirSync(path.join(root, "usr/share/lcl-test"))).toHaveLength(200);
    expect(readdirSync(path.join(cache, "root"))).toEqual([path.basename(root)]);
  }, 60_000);
});

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { LCL_ROOT } from "../helpers/rig.js";

const semver = createRequire(import.meta.url)("semver") as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};

/**
 * A clean `npm ci` prints EBADENGINE for every installed package whose `engines.node` excludes the
 * running Node. lcl supports Node from its own `engines.node` minimum up to the current LTS, so
 * every package the lockfile installs must declare support for both ends.
 */
describe("dependencies support the Node lines lcl supports", () => {
  const pkg = JSON.parse(readFileSync(path.join(LCL_ROOT, "package.json"), "utf8")) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(path.join(LCL_ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { engines?: { node?: string } | string[]; os?: string[]; cpu?: string[] }>;
  };
  const oldest = semver.minVersion(pkg.engines.node)!.version;
  const lines = [oldest, "24.11.0"]; // lcl's minimum; the current LTS (Node 24)

  it.each(lines)("no installed package excludes Node %s", (node) => {
    const refusing = Object.entries(lock.packages)
      // Platform binaries for other OSes/CPUs are never installed here, so npm never checks them.
      .filter(([name, p]) => name !== "" && !p.os && !p.cpu)
      .flatMap(([name, p]) => {
        const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
        return range && !semver.satisfies(node, range) ? [`${name} (node ${range})`] : [];
      });
    expect(refusing).toEqual([]);
  });

  it("lcl's own range admits both lines", () => {
    for (const node of lines) expect(semver.satisfies(node, pkg.engines.node)).toBe(true);
  });
});

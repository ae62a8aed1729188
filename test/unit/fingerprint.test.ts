import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/engine/canonical.js";
import { describeChange, diffFingerprints, makeFingerprint, SCHEME, type FingerprintData } from "../../src/engine/fingerprint.js";

const base: FingerprintData = {
  scheme: SCHEME, stage: { kind: "k", version: 1 },
  code: { hash: "c", files: { "stages/k.ts": "a".repeat(64) }, packages: { effect: "4.1.0" } },
  params: { lr: 0.001, layers: [1, 2] }, env: { backend: "cpu@1", vars: {} }, files: {}, inputs: { table: "1".repeat(64) },
};

describe("fingerprints", () => {
  it("canonical JSON ignores key order and normalises -0", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: -0 }], c: 2 } })).toBe('{"a":{"c":2,"d":[1,{"y":0,"z":0}]},"b":1}');
    expect(makeFingerprint({ ...base, params: { layers: [1, 2], lr: 0.001 } }).hash).toBe(makeFingerprint(base).hash);
  });

  it("every field participates in the hash", () => {
    const h = makeFingerprint(base).hash;
    const variants: FingerprintData[] = [
      { ...base, scheme: SCHEME + 1 }, { ...base, stage: { kind: "k", version: 2 } },
      { ...base, code: { ...base.code, files: { "stages/k.ts": "b".repeat(64) } } }, { ...base, code: { ...base.code, packages: { effect: "4.1.1" } } },
      { ...base, params: { lr: 0.002, layers: [1, 2] } }, { ...base, env: { backend: "wasm@1", vars: {} } }, { ...base, env: { backend: "cpu@1", vars: { X: "1" } } },
      { ...base, files: { "data/a": "f".repeat(64) } }, { ...base, inputs: { table: "2".repeat(64) } },
    ];
    for (const v of variants) expect(makeFingerprint(v).hash).not.toBe(h);
  });

  it("the diff names each changed field in words", () => {
    const after: FingerprintData = { ...base, params: { lr: 0.002, layers: [1, 2] }, env: { backend: "wasm@1", vars: {} }, inputs: { table: "2".repeat(64) },
      code: { ...base.code, files: { "stages/k.ts": "b".repeat(64) } } };
    const lines = diffFingerprints(base, after, { "stages/k.ts": { "function step": "1", "const x": "2" } }, { "stages/k.ts": { "function step": "9", "const x": "2" } }).map(describeChange);
    expect(lines).toEqual(expect.arrayContaining([
      "params.lr: 0.001 → 0.002", "backend: cpu@1 → wasm@1", "code: stages/k.ts changed (function step)",
      `input table: ${"1".repeat(10)}… → ${"2".repeat(10)}…`,
    ]));
    expect(lines).toHaveLength(4);
  });
});

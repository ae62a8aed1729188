import { createHash } from "node:crypto";

/**
 * Canonical JSON: object keys sorted, no whitespace, -0 → 0. Fingerprints are hashed over this,
 * so equal content always gives equal hashes whatever order YAML or code produced the keys in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value, ""));
}

function sortDeep(v: unknown, at: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => sortDeep(x, `${at}[${i}]`));
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`canonical JSON cannot hold ${v}${at ? ` (at ${at})` : ""}: use null, or a string such as "${v}"`);
    return Object.is(v, -0) ? 0 : v;
  }
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortDeep(x, at ? `${at}.${k}` : k);
    }
    return out;
  }
  return v;
}

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

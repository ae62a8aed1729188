import { canonicalJson, sha256 } from "./canonical.js";
import type { CodeFingerprint, CodeDetail } from "./code-fingerprint.js";

/**
 * One plain JSON object per stage instance (wireit-style), hashed once. Bump SCHEME when the
 * meaning of any field changes, so old records are never mistaken for new ones.
 */
export const SCHEME = 2;

export interface FingerprintData {
  readonly scheme: number;
  readonly stage: { readonly kind: string; readonly version: number };
  readonly code: CodeFingerprint;
  readonly params: Readonly<Record<string, unknown>>;
  readonly env: { readonly backend?: string; readonly vars: Readonly<Record<string, string | null>> };
  /** Workspace files the stage declared it reads: path → sha256. */
  readonly files: Readonly<Record<string, string>>;
  /** Port → logical hash of the upstream output; join ports map variant label → hash. */
  readonly inputs: Readonly<Record<string, string | Readonly<Record<string, string>>>>;
}

export interface Fingerprint { readonly data: FingerprintData; readonly hash: string }

export function makeFingerprint(data: FingerprintData): Fingerprint {
  return { data, hash: sha256(canonicalJson(data)) };
}

/** One field-level difference between two fingerprints, ready to print. */
export interface Change {
  readonly field: string;
  readonly category: "scheme" | "stage" | "code" | "params" | "env" | "files" | "inputs";
  readonly before?: unknown;
  readonly after?: unknown;
  /** For code: the top-level declarations whose normalised text changed. */
  readonly detail?: string;
}

function flatten(v: unknown, prefix: string, out: Map<string, unknown>) {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const entries = Object.entries(v);
    if (entries.length === 0 && prefix) out.set(prefix, {});
    for (const [k, x] of entries) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, v);
}

/** Field-level diff. `code.hash` is omitted: the per-file entries say more. */
export function diffFingerprints(a: FingerprintData, b: FingerprintData, detailA?: CodeDetail, detailB?: CodeDetail): Change[] {
  const fa = new Map<string, unknown>(), fb = new Map<string, unknown>();
  const strip = (d: FingerprintData) => ({ ...d, code: { files: d.code.files, packages: d.code.packages } });
  flatten(strip(a), "", fa);
  flatten(strip(b), "", fb);
  const changes: Change[] = [];
  const keys = [...new Set([...fa.keys(), ...fb.keys()])];
  for (const k of keys) {
    const x = fa.get(k), y = fb.get(k);
    if (canonicalJson(x ?? null) === canonicalJson(y ?? null) && fa.has(k) === fb.has(k)) continue;
    const category = k.split(".")[0] as Change["category"];
    let detail: string | undefined;
    if (k.startsWith("code.files.")) {
      const file = k.slice("code.files.".length);
      const da = detailA?.[file], db = detailB?.[file];
      if (da && db) {
        let names = [...new Set([...Object.keys(da), ...Object.keys(db)])].filter((n) => da[n] !== db[n]);
        // An added or removed export also changes the module's export list: name the declarations, not the list.
        if (names.some((n) => !n.startsWith("export {"))) names = names.filter((n) => !n.startsWith("export {"));
        if (names.length) detail = names.map((n) => (!(n in da) ? `${n} added` : !(n in db) ? `${n} removed` : n)).join(", ");
      }
    }
    changes.push({ field: k, category, ...(fa.has(k) ? { before: x } : {}), ...(fb.has(k) ? { after: y } : {}), ...(detail ? { detail } : {}) });
  }
  return changes;
}

const short = (v: unknown) => {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return /^[0-9a-f]{64}$/.test(s ?? "") ? s!.slice(0, 10) + "…" : s;
};

/** `params.lr: 0.001 → 0.002`, `code: stages/x.ts changed (function step)`, `input table: a1b2… → c3d4…`. */
export function describeChange(c: Change): string {
  if (c.category === "code" && c.field.startsWith("code.files.")) {
    const file = c.field.slice("code.files.".length);
    if (c.before === undefined) return `code: ${file} added to the import closure`;
    if (c.after === undefined) return `code: ${file} no longer imported`;
    return `code: ${file} changed${c.detail ? ` (${c.detail})` : ""}`;
  }
  if (c.category === "code") return `package ${c.field.slice("code.packages.".length)}: ${short(c.before) ?? "—"} → ${short(c.after) ?? "—"}`;
  if (c.category === "inputs") {
    const [, port, ...variant] = c.field.split(".");
    const v = variant.length ? ` variant ${variant.join(".")}` : "";
    if (c.before === undefined) return `input ${port}${v}: added (${short(c.after)})`;
    if (c.after === undefined) return `input ${port}${v}: removed`;
    return `input ${port}${v}: ${short(c.before)} → ${short(c.after)}`;
  }
  if (c.field === "scheme") return `scheme: ${c.before ?? "—"} → ${c.after ?? "—"} (lcl's fingerprint format changed; results are recomputed once)`;
  if (c.category === "files") {
    const file = c.field.slice("files.".length);
    return `file ${file}: ${c.before === undefined ? "added" : c.after === undefined ? "removed" : `changed (${short(c.before)} → ${short(c.after)})`}`;
  }
  if (c.category === "env" && c.field === "env.backend") return `backend: ${short(c.before) ?? "—"} → ${short(c.after) ?? "—"}`;
  if (c.before === undefined) return `${c.field}: (unset) → ${short(c.after)}`;
  if (c.after === undefined) return `${c.field}: ${short(c.before)} → (unset)`;
  return `${c.field}: ${short(c.before)} → ${short(c.after)}`;
}

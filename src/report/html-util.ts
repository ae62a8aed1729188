/** Small text helpers shared by the report's renderers. */
export const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

export function fmt(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return v.length > 80 ? v.slice(0, 79) + "…" : v;
  if (typeof v === "object" && "length" in (v as object)) {
    const a = Array.from(v as ArrayLike<unknown>);
    return `[${a.slice(0, 4).map(fmt).join(", ")}${a.length > 4 ? `, … ${a.length}` : ""}]`;
  }
  const j = JSON.stringify(v);
  return j.length > 80 ? j.slice(0, 79) + "…" : j;
}

export const short = (h: string | undefined) => (h ? h.slice(0, 12) : "—");

export const bytes = (n: number) =>
  n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : n < 1 << 30 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / (1 << 30)).toFixed(2)} GiB`;

export const ms = (n: number) => {
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 59_950) return `${(n / 1000).toFixed(1)} s`;
  const s = Math.round(n / 1000);
  return `${Math.floor(s / 60)}m${s % 60}s`;
};

/** A stable, unique HTML id for a stage or node name (`scale[factor=2]` → `s-scale-factor-2`). */
export function anchorMaker(prefix: string) {
  const used = new Map<string, number>();
  return (name: string) => {
    const base = `${prefix}-${name.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "x"}`;
    const n = used.get(base) ?? 0;
    used.set(base, n + 1);
    return n ? `${base}-${n}` : base;
  };
}

import { esc } from "./html-util.js";

/**
 * The DAG as an inline SVG, laid out by hand: layers by depth (longest path from a source), order
 * within a layer by the mean position of its parents (one barycentre sweep), left to right.
 * Each box is a link to its section. No library: the shapes are boxes and Béziers, and a fixed
 * layout keeps the report byte-for-byte reproducible.
 */
export interface DagBox {
  readonly id: string;
  readonly label: string;
  readonly sub: string;
  readonly href: string;
  readonly deps: readonly string[];
  /** Status → count; one entry for a single stage, several for a collapsed sweep node. */
  readonly statuses: Readonly<Record<string, number>>;
}

export const STATUS_COLOURS: Readonly<Record<string, string>> = {
  cached: "#4c9f70", ran: "#3b7dd8", failed: "#d64545", stale: "#e0a030", missing: "#b0b0b0", pending: "#9b7fd0",
};
export const STATUS_ORDER = ["ran", "cached", "stale", "missing", "pending", "failed"] as const;

const W = 190, H = 40, GX = 60, GY = 14, PAD = 10;

export function dagSvg(boxes: readonly DagBox[]): string {
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen = new Set<string>()): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // cycles are rejected before here; be safe anyway
    seen.add(id);
    const b = byId.get(id);
    const d = b && b.deps.length ? 1 + Math.max(...b.deps.filter((x) => byId.has(x)).map((x) => depthOf(x, seen)), -1) : 0;
    depth.set(id, d);
    return d;
  };
  const layers: string[][] = [];
  for (const b of boxes) (layers[depthOf(b.id)] ??= []).push(b.id);
  const pos = new Map<string, { x: number; y: number }>();
  layers.forEach((layer, li) => {
    if (li > 0) {
      const centre = (id: string) => {
        const ps = byId.get(id)!.deps.map((d) => pos.get(d)?.y).filter((y): y is number => y !== undefined);
        return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : 0;
      };
      const keyed = layer.map((id, i) => ({ id, c: centre(id), i }));
      keyed.sort((a, b) => a.c - b.c || a.i - b.i);
      layer.splice(0, layer.length, ...keyed.map((k) => k.id));
    }
    layer.forEach((id, i) => pos.set(id, { x: PAD + li * (W + GX), y: PAD + i * (H + GY) }));
  });
  // Centre short layers vertically against the tallest.
  const tallest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  layers.forEach((layer) => {
    const shift = ((tallest - layer.length) * (H + GY)) / 2;
    for (const id of layer) pos.get(id)!.y += shift;
  });
  const width = PAD * 2 + layers.length * W + Math.max(0, layers.length - 1) * GX;
  const height = PAD * 2 + tallest * H + (tallest - 1) * GY;

  const edges: string[] = [];
  for (const b of boxes) for (const d of b.deps) {
    const p = pos.get(d), q = pos.get(b.id);
    if (!p || !q) continue;
    const x1 = p.x + W, y1 = p.y + H / 2, x2 = q.x, y2 = q.y + H / 2, mx = (x1 + x2) / 2;
    edges.push(`<path d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 4},${y2}" />`);
  }
  const nodes = boxes.map((b) => {
    const { x, y } = pos.get(b.id)!;
    const total = Object.values(b.statuses).reduce((a, n) => a + n, 0) || 1;
    // A stripe per status, proportional to its count: one colour for a stage, a bar for a sweep.
    let sx = 0;
    const stripes = STATUS_ORDER.filter((s) => b.statuses[s]).map((s) => {
      const w = (W * b.statuses[s]!) / total;
      const r = `<rect class="st-${s}" x="${(x + sx).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="6" fill="${STATUS_COLOURS[s]}"/>`;
      sx += w;
      return r;
    }).join("");
    const main = Object.entries(b.statuses).sort((a, c) => c[1] - a[1])[0]?.[0] ?? "missing";
    const tip = `${b.id} — ${Object.entries(b.statuses).map(([s, n]) => (total > 1 ? `${n} ${s}` : s)).join(", ")}`;
    return `<a href="#${esc(b.href)}" class="dag-node" data-status="${esc(main)}" data-id="${esc(b.id)}"><title>${esc(tip)}</title>` +
      `<rect x="${x}" y="${y}" width="${W}" height="${H}" rx="5" fill="#fff" stroke="${STATUS_COLOURS[main] ?? "#888"}" stroke-width="2"/>${stripes}` +
      `<text x="${x + 8}" y="${y + 22}" class="l">${esc(clip(b.label, 26))}</text>` +
      `<text x="${x + 8}" y="${y + 35}" class="s">${esc(clip(b.sub, 36))}</text></a>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" id="dag-svg" role="img" aria-label="stage graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#999"/></marker></defs>` +
    `<g class="edges" fill="none" stroke="#aaa" stroke-width="1.2" marker-end="url(#arrow)">${edges.join("")}</g>` +
    `<g class="nodes" font-family="system-ui, sans-serif">${nodes.join("")}</g></svg>`;
}

function clip(s: string, n: number) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }

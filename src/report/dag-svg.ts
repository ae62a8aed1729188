import { esc } from "./html-util.js";

/**
 * The DAG as an inline SVG, laid out by hand, top to bottom so it fits the page: layers by depth
 * (longest path from a source), each layer's boxes wrapped into rows of at most `perRow`, order
 * within a layer by barycentre sweeps down and up (kept when they reduce edge crossings).
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

const W = 172, H = 40, GX = 14, GY = 12, LAYER_GAP = 36, PAD = 10;
/** The widest the drawing gets (px): six boxes a row, inside the report's 1280-px column. */
export const MAX_WIDTH = 1200;
const PER_ROW = Math.floor((MAX_WIDTH - 2 * PAD + GX) / (W + GX));

export interface DagLayout {
  readonly pos: ReadonlyMap<string, { readonly x: number; readonly y: number }>;
  readonly layers: readonly (readonly string[])[];
  readonly width: number;
  readonly height: number;
  readonly box: { readonly w: number; readonly h: number };
}

/** Edge crossings between consecutive layers for a given order (the count the sweeps minimise). */
function crossings(layers: readonly (readonly string[])[], deps: (id: string) => readonly string[]): number {
  let n = 0;
  for (let li = 1; li < layers.length; li++) {
    const upper = new Map(layers[li - 1]!.map((id, i) => [id, i]));
    const edges: [number, number][] = [];
    layers[li]!.forEach((id, j) => { for (const d of deps(id)) { const i = upper.get(d); if (i !== undefined) edges.push([i, j]); } });
    for (let a = 0; a < edges.length; a++) for (let b = a + 1; b < edges.length; b++)
      if ((edges[a]![0] - edges[b]![0]) * (edges[a]![1] - edges[b]![1]) < 0) n++;
  }
  return n;
}

export function layoutDag(boxes: readonly DagBox[]): DagLayout {
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
  let layers: string[][] = [];
  for (const b of boxes) (layers[depthOf(b.id)] ??= []).push(b.id);
  layers = layers.map((l) => l ?? []);
  const parents = (id: string) => byId.get(id)?.deps.filter((d) => byId.has(d)) ?? [];
  const children = new Map<string, string[]>();
  for (const b of boxes) for (const d of parents(b.id)) children.set(d, [...(children.get(d) ?? []), b.id]);
  // Positions as fractions of a layer's width, so layers of different sizes (and long edges) compare.
  const frac = (ls: readonly (readonly string[])[]) => {
    const f = new Map<string, number>();
    for (const l of ls) l.forEach((id, i) => f.set(id, (i + 0.5) / l.length));
    return f;
  };
  const reorder = (ls: string[][], li: number, neighbours: (id: string) => readonly string[]) => {
    const f = frac(ls);
    const keyed = ls[li]!.map((id, i) => {
      const ps = neighbours(id).map((n) => f.get(n)!).filter((x) => x !== undefined);
      return { id, c: ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : f.get(id)!, i };
    });
    keyed.sort((a, b) => a.c - b.c || a.i - b.i);
    ls[li] = keyed.map((k) => k.id);
  };
  let best = layers.map((l) => [...l]), bestX = crossings(best, parents);
  for (let it = 0; it < 6 && bestX > 0; it++) {
    for (let li = 1; li < layers.length; li++) reorder(layers, li, parents);
    for (let li = layers.length - 2; li >= 0; li--) reorder(layers, li, (id) => children.get(id) ?? []);
    const x = crossings(layers, parents);
    if (x < bestX) { best = layers.map((l) => [...l]); bestX = x; }
  }
  layers = best;
  const widest = Math.min(PER_ROW, Math.max(1, ...layers.map((l) => l.length)));
  const width = PAD * 2 + widest * W + (widest - 1) * GX;
  const pos = new Map<string, { x: number; y: number }>();
  let y = PAD;
  for (const layer of layers) {
    for (let r = 0; r * PER_ROW < layer.length; r++) {
      const row = layer.slice(r * PER_ROW, (r + 1) * PER_ROW);
      const rowW = row.length * W + (row.length - 1) * GX;
      const x0 = (width - rowW) / 2;
      row.forEach((id, i) => pos.set(id, { x: Math.round(x0 + i * (W + GX)), y }));
      y += H + GY;
    }
    y += LAYER_GAP - GY;
  }
  return { pos, layers, width, height: Math.max(H + 2 * PAD, y - LAYER_GAP + PAD), box: { w: W, h: H } };
}

export function dagSvg(boxes: readonly DagBox[]): string {
  const { pos, width, height } = layoutDag(boxes);
  const edges: string[] = [];
  for (const b of boxes) for (const d of b.deps) {
    const p = pos.get(d), q = pos.get(b.id);
    if (!p || !q) continue;
    const x1 = p.x + W / 2, y1 = p.y + H, x2 = q.x + W / 2, y2 = q.y, my = (y1 + y2) / 2;
    edges.push(`<path d="M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2 - 4}" />`);
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
      `<text x="${x + 8}" y="${y + 22}" class="l">${esc(clip(b.label, 24))}</text>` +
      `<text x="${x + 8}" y="${y + 35}" class="s">${esc(clip(b.sub, 32))}</text></a>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" id="dag-svg" role="img" aria-label="stage graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#999"/></marker></defs>` +
    `<g class="edges" fill="none" stroke="#aaa" stroke-width="1.2" marker-end="url(#arrow)">${edges.join("")}</g>` +
    `<g class="nodes" font-family="system-ui, sans-serif">${nodes.join("")}</g></svg>`;
}

function clip(s: string, n: number) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }

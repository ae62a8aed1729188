/**
 * A small SVG line chart (sharp renders it to PNG): enough for accuracy-vs-severity curves and
 * ablation summaries without a plotting dependency.
 */
export interface ChartSpec {
  readonly title: string;
  readonly x: string;
  readonly y: string;
  readonly yRange?: readonly [number, number];
  /** Points [x, y] or [x, y, e]: e draws an error bar y ± e (e.g. the SD over seeds). */
  readonly series: readonly { readonly label: string; readonly points: readonly (readonly [number, number] | readonly [number, number, number])[] }[];
  readonly baseline?: { readonly label: string; readonly value: number };
}

const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);

export function lineChart(spec: ChartSpec): string {
  const W = 640, H = 400, L = 56, R = 170, T = 36, B = 44;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.flatMap((p) => (p[2] !== undefined ? [p[1] - p[2], p[1] + p[2]] : [p[1]]))).concat(spec.baseline ? [spec.baseline.value] : []);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = spec.yRange ?? [Math.min(...ys), Math.max(...ys)];
  const px = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const py = (y: number) => H - B - ((y - y0) / (y1 - y0 || 1)) * (H - T - B);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`, `<rect width="${W}" height="${H}" fill="white"/>`];
  out.push(`<text x="${W / 2 - R / 2}" y="20" text-anchor="middle" font-size="14">${esc(spec.title)}</text>`);
  for (let k = 0; k <= 5; k++) {
    const y = y0 + ((y1 - y0) * k) / 5;
    out.push(`<line x1="${L}" x2="${W - R}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/><text x="${L - 6}" y="${py(y) + 4}" text-anchor="end">${y.toFixed(2)}</text>`);
  }
  // Every distinct x gets a tick when there are few (severities, conditions); otherwise 6 even ticks.
  const distinct = [...new Set(xs)].sort((a, b) => a - b);
  const ticks = distinct.length <= 12 ? distinct : Array.from({ length: 6 }, (_, k) => x0 + ((x1 - x0) * k) / 5);
  const fmtTick = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x1 - x0) || 1)))));
  for (const x of ticks) out.push(`<text x="${px(x)}" y="${H - B + 16}" text-anchor="middle">${fmtTick(x)}</text>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${esc(spec.x)}</text>`);
  out.push(`<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(spec.y)}</text>`);
  out.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>`);
  if (spec.baseline) out.push(`<line x1="${L}" x2="${W - R}" y1="${py(spec.baseline.value)}" y2="${py(spec.baseline.value)}" stroke="#000" stroke-dasharray="4 3"/>`);
  spec.series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length]!;
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${s.points.map((p) => `${px(p[0])},${py(p[1])}`).join(" ")}"/>`);
    for (const p of s.points) {
      out.push(`<circle cx="${px(p[0])}" cy="${py(p[1])}" r="2.5" fill="${c}"/>`);
      if (p[2] !== undefined && p[2] > 0) {
        const x = px(p[0]), lo = py(p[1] - p[2]), hi = py(p[1] + p[2]);
        out.push(`<path d="M${x} ${lo}V${hi}M${x - 4} ${lo}H${x + 4}M${x - 4} ${hi}H${x + 4}" stroke="${c}" stroke-width="1.5" fill="none"/>`);
      }
    }
    out.push(`<rect x="${W - R + 12}" y="${T + i * 18}" width="12" height="3" fill="${c}"/><text x="${W - R + 30}" y="${T + i * 18 + 5}">${esc(s.label)}</text>`);
  });
  if (spec.baseline) out.push(`<line x1="${W - R + 12}" x2="${W - R + 24}" y1="${T + spec.series.length * 18 + 2}" y2="${T + spec.series.length * 18 + 2}" stroke="#000" stroke-dasharray="4 3"/><text x="${W - R + 30}" y="${T + spec.series.length * 18 + 6}">${esc(spec.baseline.label)}</text>`);
  out.push("</svg>");
  return out.join("\n");
}

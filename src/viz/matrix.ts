/**
 * A symmetric matrix as an SVG heat map (sharp renders it to PNG): pairwise similarities such as
 * error consistency κ. Diverging colours around 0 (blue < 0 < red), NaN cells grey and marked
 * "n/a", the value printed in every cell.
 */
export interface MatrixSpec {
  readonly title: string;
  readonly labels: readonly string[];
  /** values[i][j]; NaN = undefined (drawn grey). */
  readonly values: readonly (readonly number[])[];
  /** |value| at which the colour saturates. */
  readonly range?: number;
}

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);

function colour(v: number, range: number): string {
  if (!Number.isFinite(v)) return "#ccc";
  const t = Math.max(-1, Math.min(1, v / range));
  const mix = (a: number) => Math.round(255 - (255 - a) * Math.abs(t));
  return t >= 0 ? `rgb(${mix(214)},${mix(39)},${mix(40)})` : `rgb(${mix(31)},${mix(119)},${mix(180)})`;
}

export function matrixChart(spec: MatrixSpec): string {
  const n = spec.labels.length, cell = Math.max(36, Math.min(64, Math.floor(480 / Math.max(1, n))));
  const L = 12 + 7 * Math.max(4, ...spec.labels.map((l) => l.length)), T = 40 + L * 0.75, W = L + n * cell + 20, H = T + n * cell + 20;
  const range = spec.range ?? 1;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`, `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(spec.title)}</text>`];
  spec.labels.forEach((l, i) => {
    out.push(`<text x="${L - 6}" y="${T + i * cell + cell / 2 + 4}" text-anchor="end">${esc(l)}</text>`);
    out.push(`<text transform="translate(${L + i * cell + cell / 2 + 4} ${T - 6}) rotate(-45)" text-anchor="start">${esc(l)}</text>`);
  });
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const v = spec.values[i]?.[j] ?? NaN, x = L + j * cell, y = T + i * cell;
    out.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${colour(v, range)}" stroke="white"/>`);
    out.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="11">${Number.isFinite(v) ? v.toFixed(2) : "n/a"}</text>`);
  }
  out.push("</svg>");
  return out.join("");
}

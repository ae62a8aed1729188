import sharp from "sharp";

/**
 * Tiles of equal size drawn into one greyscale PNG: learned filters, patch pairs, a layer's
 * strongest-driving patches. "signed" maps 0 to mid-grey and ±max|v| of each tile to black/white
 * (how filters are shown); "range" stretches each tile from its min to its max (how images are).
 */
export interface GridOptions {
  readonly cols: number;
  readonly zoom?: number;
  readonly gap?: number;
  readonly scale?: "signed" | "range";
  /** Extra gap after every `group` tiles in a row (e.g. 2 for A|B pairs). */
  readonly group?: number;
}

export async function tileGrid(tiles: readonly Float32Array[], side: number, o: GridOptions): Promise<Uint8Array> {
  const zoom = o.zoom ?? 4, gap = o.gap ?? 2, cell = side * zoom, cols = Math.max(1, Math.min(o.cols, tiles.length));
  const rows = Math.max(1, Math.ceil(tiles.length / cols));
  const groupGap = o.group ? gap * 2 : 0;
  const xOf = (c: number) => gap + c * (cell + gap) + (o.group ? Math.floor(c / o.group) * groupGap : 0);
  const W = xOf(cols), H = gap + rows * (cell + gap);
  const img = new Uint8Array(W * H).fill(255);
  tiles.forEach((t, k) => {
    let lo = Infinity, hi = -Infinity;
    for (const v of t) { if (v < lo) lo = v; if (v > hi) hi = v; }
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    const map = o.scale === "range"
      ? (v: number) => (hi > lo ? ((v - lo) / (hi - lo)) * 255 : 128)
      : (v: number) => (m > 0 ? 127.5 + (v / m) * 127.5 : 128);
    const ox = xOf(k % cols), oy = gap + Math.floor(k / cols) * (cell + gap);
    for (let y = 0; y < cell; y++) for (let x = 0; x < cell; x++) img[(oy + y) * W + ox + x] = Math.round(map(t[Math.floor(y / zoom) * side + Math.floor(x / zoom)]!));
  });
  return new Uint8Array(await sharp(img, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer());
}

/** Minimal ANSI styling; off when not a TTY or NO_COLOR is set (CI logs stay clean). */
const on = !!process.stdout.isTTY && !process.env.NO_COLOR;
const wrap = (open: number, close: number) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
export const c = {
  bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), blue: wrap(34, 39), cyan: wrap(36, 39),
};
export const isTTY = on;
export const ms = (n: number) => {
  if (n < 1000) return `${Math.round(n)}ms`;
  if (n < 59_950) return `${(n / 1000).toFixed(1)}s`;
  const s = Math.round(n / 1000); // round once, so 119.6 s reads 2m0s, not 1m60s
  return `${Math.floor(s / 60)}m${s % 60}s`;
};
export const short = (h: string | undefined) => (h ? h.slice(0, 10) : "—");
export const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : n < 1 << 30 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / (1 << 30)).toFixed(2)} GiB`);

/**
 * `npm run bench:patches`: patch pairs per second of the `patches` stage (through the real CLI,
 * on synthetic 1024×768 images), next to a vectorised NumPy implementation of the same sampling
 * (rotation + scale + translation, bilinear) measured in the same run when NumPy is available.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

const N = Number(process.env.BENCH_PAIRS ?? 20000), SIZE = 16;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = mkdtempSync(path.join(os.tmpdir(), "lcl-bench-patches-"));
mkdirSync(path.join(dir, "node_modules"));
symlinkSync(ROOT, path.join(dir, "node_modules/lcl"), "dir");
mkdirSync(path.join(dir, "photos"));
for (let k = 0; k < 4; k++) {
  const w = 1024, h = 768, px = new Uint8Array(w * h);
  for (let i = 0; i < px.length; i++) px[i] = (Math.sin(i * 0.013 + k) * 60 + Math.cos(i / w / 7) * 50 + 128) | 0;
  writeFileSync(path.join(dir, "photos", `p${k}.png`), await sharp(px, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer());
}
mkdirSync(path.join(dir, "pipelines"));
writeFileSync(path.join(dir, "pipelines/b.yaml"), `nodes:\n  images: { uses: natural-images, params: { source: folder, folder: photos } }\n  pairs: { uses: patches, inputs: { pixels: images.pixels }, params: { count: ${N}, size: ${SIZE}, downsample: 1, min_contrast: 0 } }\n`);
writeFileSync(path.join(dir, "experiments.yaml"), "experiments:\n  b: { pipeline: b }\n");
execFileSync(process.execPath, [path.join(ROOT, "bin/lcl.js"), "run", "-q"], { cwd: dir, stdio: "inherit" });
const rec = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, "bin/lcl.js"), "show", "pairs", "--json"], { cwd: dir, encoding: "utf8" }))[0];
const ours = rec.metrics.pairs_per_s as number;
console.log(`patches: ${N} pairs of ${SIZE}×${SIZE}: lcl ${ours.toFixed(0)} pairs/s (peak RSS ${rec.metrics.peak_rss_mb.toFixed(0)} MB)`);

const python = ["python3", "/usr/bin/python3"].find((py) => spawnSync(py, ["-c", "import numpy"]).status === 0);
if (python) {
  const r = spawnSync(python, ["-c", `
import numpy as np, time
rng = np.random.default_rng(0); img = rng.random((768, 1024)).astype(np.float32); n, s = ${N}, ${SIZE}
t = time.perf_counter()
cx = rng.uniform(30, 1024 - 30, n); cy = rng.uniform(30, 768 - 30, n)
th = rng.uniform(-0.26, 0.26, n); sc = np.exp(rng.uniform(-0.1, 0.1, n)); dx = rng.uniform(-1.75, 1.75, n); dy = rng.uniform(-1.75, 1.75, n)
u, v = np.meshgrid(np.arange(s) - (s - 1) / 2, np.arange(s) - (s - 1) / 2)
def sample(x, y):
    x = np.clip(x, 0, 1023); y = np.clip(y, 0, 767); x0 = np.floor(x).astype(int); y0 = np.floor(y).astype(int)
    x1 = np.minimum(x0 + 1, 1023); y1 = np.minimum(y0 + 1, 767); fx = x - x0; fy = y - y0
    return (img[y0, x0] * (1 - fx) + img[y0, x1] * fx) * (1 - fy) + (img[y1, x0] * (1 - fx) + img[y1, x1] * fx) * fy
a = sample(cx[:, None, None] + u, cy[:, None, None] + v)
c, sn = (np.cos(th) * sc)[:, None, None], (np.sin(th) * sc)[:, None, None]
b = sample(cx[:, None, None] + c * u - sn * v + dx[:, None, None], cy[:, None, None] + sn * u + c * v + dy[:, None, None])
print(n / (time.perf_counter() - t))
`], { encoding: "utf8" });
  if (r.status === 0) { const np = Number(r.stdout); console.log(`numpy (vectorised, same sampling) ${np.toFixed(0)} pairs/s → lcl/numpy ${(ours / np).toFixed(2)}×`); }
  else console.log(`numpy peer failed: ${r.stderr.split("\n").slice(-2).join(" ")}`);
} else console.log("numpy not found: install python3-numpy to compare");
rmSync(dir, { recursive: true, force: true });

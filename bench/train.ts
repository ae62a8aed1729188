/**
 * `npm run bench:train`: one LCL-V2 layer-1 training step — batch 128 pairs (256 patches of
 * 32×32), 7×7×32 conv, ReLU, L2 energy pooling (σ=1, stride 2), divisive normalisation, the
 * default spectral objective, Adam — through lcl's own training loop (src/model/train.ts) on the
 * chosen backend at 1 worker and at every core, and exactly the same function in PyTorch on CPU
 * (lcl's Gaussian matrices, shipped over) at 1 thread and at every core, when python3-torch is
 * installed (Debian: `apt-get install python3-torch`). Prints ms/step, both ratios, the scaling
 * efficiency, whether N workers reproduce 1 worker's weights, the gradient agreement with
 * PyTorch, peak RSS and the load average (a ratio means little on a loaded machine).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as tfc from "@tensorflow/tfjs-core";
import { gaussianMatrix } from "../src/compute/ops.js";
import { blockForward } from "../src/model/block.js";
import { readoutFeatures } from "../src/model/features.js";
import { objective } from "../src/model/objectives.js";
import { Effect } from "effect";
import { selectBackend, tensorflow } from "../src/compute/backend.js";
import { trainBlock, type PairData } from "../src/model/train.js";
import { DEFAULT_BLOCKS } from "../src/model/architecture.js";
import { initBlock } from "../src/model/block.js";
import { disposeParams, fit, initClassifier, resnetModel, type ClassifierArchitecture } from "../src/model/classifier.js";
import { blockInfo, type FrontendArchitecture } from "../src/model/frontend.js";
import { makeRng } from "../src/sdk/rng.js";

const B = 128, S = 32, K = 7, C = 32, SHARDS = 4, STEPS = Number(process.env.BENCH_STEPS ?? 12);
const CORES = os.availableParallelism();
const backend = (await selectBackend(process.env.LCL_BACKEND)).name;
const tf = await tensorflow(backend);
const pool = new Float32Array(4 * B * S * S).map((_, i) => Math.sin(i * 12.9898) * 0.5 + Math.sin(i * 0.37)); // deterministic, not constant
const data: PairData = {
  count: 2 * B, shape: [S, S, 1],
  rows: (idx) => {
    const x = new Float32Array(2 * idx.length * S * S);
    idx.forEach((j, k) => { x.set(pool.subarray(j * S * S, (j + 1) * S * S), k * S * S); x.set(pool.subarray((j + 2 * B) * S * S, (j + 2 * B + 1) * S * S), (idx.length + k) * S * S); });
    return x;
  },
};
const spec = { kernel: K, channels: C, sigma: 1, stride: 2, norm: true };
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
async function lcl(workers: number) {
  const r = await Effect.runPromise(trainBlock(tf, data, {
    spec, inChannels: 1, steps: STEPS + 2, batch: B, lr: 1e-3, weightDecay: 0, warmup: 0,
    objective: { name: "spectral", lambda: 1, barlowLambda: 5e-3, tau: 0.1 }, checkpointEvery: 0, seed: 1, shards: SHARDS, workers,
  }, { progress() {}, log() {} }));
  return { ms: median(Array.from({ length: STEPS }, (_, i) => (r.curve.wall_s[i + 2]! - r.curve.wall_s[i + 1]!) * 1000)), w: r.w, workers: r.workers };
}
const load = () => os.loadavg()[0]!.toFixed(1);
// Debian's python3-torch lives under /usr/bin/python3, which a pyenv/venv python3 may shadow.
const python = ["/usr/bin/python3", "python3"].find((py) => spawnSync(py, ["-c", "import torch"]).status === 0);
// BENCH_PART=classifier or layer1 runs one of the two steps (default: both).
const PART = process.env.BENCH_PART ?? "all";
if (PART !== "all" && PART !== "layer1" && PART !== "classifier") throw new Error(`BENCH_PART=${PART}: expected layer1, classifier or all`);
if (PART !== "classifier") await layerStep();

async function layerStep() {
  console.log(`one layer-1 training step: batch ${B} pairs (${2 * B} patches ${S}×${S}), ${K}×${K}×${C} conv, L2 pooling (σ 1, stride 2), divisive norm (σ 2), spectral loss, Adam; median of ${STEPS}; ${CORES} cores, load ${load()}`);
  const one = await lcl(1);
  console.log(`  lcl (${backend}, 1 worker)        ${one.ms.toFixed(0).padStart(6)} ms/step`);
  const all = CORES > 1 ? await lcl(CORES) : one;
  if (CORES > 1) {
    const same = Buffer.from(all.w.buffer).equals(Buffer.from(one.w.buffer));
    console.log(`  lcl (${backend}, ${all.workers} workers)       ${all.ms.toFixed(0).padStart(6)} ms/step   scaling efficiency ${((100 * one.ms) / (all.ms * all.workers)).toFixed(0)}% (aim ≥ 85% at 2)   weights vs 1 worker: ${same ? "bit-identical" : "DIFFERENT"}`);
  }

  if (!python) {
    console.log("  PyTorch: not installed — skipped (Debian: apt-get install python3-torch)");
  } else {
    // The same function as blockForward: valid conv, ReLU, energy pooling with lcl's own Gaussian
    // matrices (σ, edge-renormalised, stride 2), divisive norm blurred with 2σ, then the spectral loss.
    const conv = S - K + 1, pooled = Math.floor((conv - 1) / 2) + 1;
    const torch = (threads: number) => spawnSync(python, ["-c", `
import math, time, resource, torch
import torch.nn.functional as F
torch.manual_seed(0); torch.set_num_threads(${threads})
B, S, K, C, STEPS = ${B}, ${S}, ${K}, ${C}, ${STEPS}
x = torch.randn(2 * B, 1, S, S)
w = (torch.randn(C, 1, K, K) * math.sqrt(2 / (K * K))).requires_grad_(); b = torch.zeros(C, requires_grad=True)
opt = torch.optim.AdamW([w, b], 1e-3, weight_decay=0)
g2 = torch.tensor(${JSON.stringify(Array.from(gaussianMatrix(conv, 1, 2)))}).reshape(${conv}, ${pooled})
g1 = torch.tensor(${JSON.stringify(Array.from(gaussianMatrix(pooled, 2, 1)))}).reshape(${pooled}, ${pooled})
blur = lambda t, g: g.T @ (t @ g)   # separable: columns, then rows (lcl's gaussianPool); PyTorch's faster form here, ~2x a depthwise conv with border renormalisation
def step():
    opt.zero_grad()
    u = F.relu(F.conv2d(x, w, b))
    p = torch.sqrt(blur(u * u, g2) + 1e-6)
    p = p / (torch.sqrt(blur((p * p).mean(1, keepdim=True), g1) + 1e-12) + 1e-3)
    z = p.mean((2, 3)); za, zb = z[:B], z[B:]
    ua = za - za.mean(0); ua = ua / torch.sqrt((ua * ua).sum(1, keepdim=True) + 1e-12)
    ub = zb - zb.mean(0); ub = ub / torch.sqrt((ub * ub).sum(1, keepdim=True) + 1e-12)
    gram = ua @ ub.T; d = (ua * ub).sum(1)
    loss = -2 * d.mean() + ((gram ** 2).sum() - (d ** 2).sum()) / (B * (B - 1))
    loss.backward(); opt.step()
step(); step(); ts = []
for _ in range(STEPS):
    t = time.perf_counter(); step(); ts.append((time.perf_counter() - t) * 1000)
print(sorted(ts)[len(ts) // 2], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
`], { encoding: "utf8" });
    gradientCheck(python);
    const threads = [...new Set([1, CORES])];
    const peer: { threads: number; ms: number }[] = [];
    for (const t of threads) {
      const r = torch(t);
      if (r.status !== 0) { console.log(`  PyTorch failed: ${r.stderr.trim().split("\n").pop()}`); break; }
      const [ms, rss] = r.stdout.trim().split(" ").map(Number) as [number, number];
      const ours = t === 1 ? one : all;
      peer.push({ threads: t, ms });
      console.log(`  PyTorch (CPU, ${t} thread${t > 1 ? "s" : " "})     ${ms.toFixed(0).padStart(6)} ms/step   ratio lcl/PyTorch ${(ours.ms / ms).toFixed(2)}× (${ours.workers} worker${ours.workers > 1 ? "s" : ""} vs ${t} thread${t > 1 ? "s" : ""})   peak RSS ${rss.toFixed(0)} MiB`);
    }
    againstBest(all, peer);
  }
}

/** The ratio that counts: lcl on every core against PyTorch at its fastest thread count (not always all cores). */
function againstBest(ours: { ms: number; workers: number }, peer: readonly { threads: number; ms: number }[]) {
  if (!peer.length) return;
  const best = peer.reduce((a, b) => (b.ms < a.ms ? b : a));
  console.log(`  lcl (${ours.workers} workers) vs PyTorch at its best (${best.threads} thread${best.threads > 1 ? "s" : ""}, ${best.ms.toFixed(0)} ms): ${(ours.ms / best.ms).toFixed(2)}× (aim ≤ 1.5×)`);
}
if (PART !== "layer1") await classifierStep();
console.log(`  lcl peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (main thread + workers); load at the end ${load()}`);

/**
 * One classifier step (LCL-V2Net, the `classifier` stage's defaults): batch 64 of 32×32 images →
 * frozen two-block front-end (7×7×32, 3×3×64, pooling and normalisation as above) → 1×1
 * bottleneck to 32 → 2 residual blocks of two 3×3 convs → global average pool → 10 logits,
 * cross-entropy, Adam. lcl through `fit` (the one loop, 4 shards) at 1 worker and at every core,
 * PyTorch the same function at 1 thread and at every core. The front-end is frozen and the images
 * are not augmented, so both compute its output once per image before training (fit's frozen
 * stem) and a step starts at the bottleneck; adversarial training cannot do that (its inputs
 * change every step) and runs the whole network.
 */
async function classifierStep() {
  const N = 64, SZ = 32, W = 32, DEPTH = 2, CLASSES = 10, STEPS_C = STEPS;
  const [b1, b2] = DEFAULT_BLOCKS;
  const rng = makeRng(2), l1 = initBlock(b1, 1, rng), l2 = initBlock(b2, b1.channels, rng);
  const fe: FrontendArchitecture = { format: "lcl-v2-frontend", version: 1, input: { channels: 1 }, blocks: [blockInfo([b1], 1), blockInfo([b1, b2], b1.channels)], output_channels: b2.channels };
  const arch: ClassifierArchitecture = { format: "lcl-classifier", version: 1, input_size: SZ, width: W, depth: DEPTH, classes: CLASSES, frontend: fe, frontend_trainable: false, input_normalisation: { mean: 0, std: 1 } };
  const p = initClassifier(tf, arch, {
    "l1.w": { dtype: "float32", shape: [b1.kernel, b1.kernel, 1, b1.channels], data: l1.w }, "l1.b": { dtype: "float32", shape: [b1.channels], data: l1.b },
    "l2.w": { dtype: "float32", shape: [b2.kernel, b2.kernel, b1.channels, b2.channels], data: l2.w }, "l2.b": { dtype: "float32", shape: [b2.channels], data: l2.b },
  }, makeRng(3));
  const n = N * (STEPS_C + 2);
  const train = { x: Float32Array.from({ length: n * SZ * SZ }, (_, i) => Math.sin(i * 0.013) + Math.cos(i * 7.1)), y: Int32Array.from({ length: n }, (_, i) => i % CLASSES), n };
  const val = { x: train.x.subarray(0, 8 * SZ * SZ), y: train.y.subarray(0, 8), n: 8 };
  const time = async (workers: number) => {
    const stamps: number[] = [];
    const r = await Effect.runPromise(fit(tf, resnetModel(tf, p, arch), train, val, { epochs: 1, batch: N, lr: 1e-3, patience: 1, seed: 1, shards: SHARDS, workers }, { progress: () => stamps.push(performance.now()), log() {} }));
    return { ms: median(stamps.slice(2).map((t, i) => t - stamps[i + 1]!)), workers: r.workers };
  };
  const one = await time(1), all = CORES > 1 ? await time(CORES) : one;
  const agreement = python ? classifierGradientCheck(python, p, arch) : undefined;
  disposeParams(p);
  console.log(`one classifier step: batch ${N} of ${SZ}×${SZ}, frozen front-end (${b1.kernel}×${b1.kernel}×${b1.channels}, ${b2.kernel}×${b2.kernel}×${b2.channels}), bottleneck ${W}, ${DEPTH} residual blocks, ${CLASSES} classes, cross-entropy, Adam; median of ${STEPS_C}; front-end output computed once per image on both sides; load ${load()}`);
  console.log(`  lcl (${backend}, 1 worker)        ${one.ms.toFixed(0).padStart(6)} ms/step`);
  if (CORES > 1) console.log(`  lcl (${backend}, ${all.workers} workers)       ${all.ms.toFixed(0).padStart(6)} ms/step   scaling efficiency ${((100 * one.ms) / (all.ms * all.workers)).toFixed(0)}%`);
  if (agreement) console.log(agreement);
  if (!python) return;
  const side1 = SZ - b1.kernel + 1, p1 = Math.floor((side1 - 1) / b1.stride) + 1, side2 = p1 - b2.kernel + 1, p2 = Math.floor((side2 - 1) / b2.stride) + 1;
  const mat = (m: Float32Array, r: number, c: number) => `torch.tensor(${JSON.stringify(Array.from(m))}).reshape(${r}, ${c})`;
  const peer: { threads: number; ms: number }[] = [];
  for (const threads of [...new Set([1, CORES])]) {
    const r = spawnSync(python, ["-c", `
import time, torch
import torch.nn.functional as F
torch.manual_seed(0); torch.set_num_threads(${threads})
N, SZ, W, DEPTH, CLASSES = ${N}, ${SZ}, ${W}, ${DEPTH}, ${CLASSES}
x = torch.randn(N, 1, SZ, SZ); y = torch.arange(N) % CLASSES
fe = [(torch.randn(${b1.channels}, 1, ${b1.kernel}, ${b1.kernel}) * 0.2, torch.zeros(${b1.channels}), ${mat(gaussianMatrix(side1, b1.sigma, b1.stride), side1, p1)}, ${mat(gaussianMatrix(p1, 2 * b1.sigma, 1), p1, p1)}),
      (torch.randn(${b2.channels}, ${b1.channels}, ${b2.kernel}, ${b2.kernel}) * 0.05, torch.zeros(${b2.channels}), ${mat(gaussianMatrix(side2, b2.sigma, b2.stride), side2, p2)}, ${mat(gaussianMatrix(p2, 2 * b2.sigma, 1), p2, p2)})]
blur = lambda t, g: g.T @ (t @ g)
def block(t, w, b, g, gn):
    u = F.relu(F.conv2d(t, w, b))
    p = torch.sqrt(blur(u * u, g) + 1e-6)
    return p / (torch.sqrt(blur((p * p).mean(1, keepdim=True), gn) + 1e-12) + 1e-3)
P = lambda *s: (torch.randn(*s) * 0.05).requires_grad_()
bw, bb = P(W, ${b2.channels}, 1, 1), P(W)
res = [(P(W, W, 3, 3), P(W), P(W, W, 3, 3), P(W)) for _ in range(DEPTH)]
hw, hb = P(CLASSES, W), P(CLASSES)
params = [bw, bb, hw, hb] + [t for r in res for t in r]
opt = torch.optim.Adam(params, 1e-3)
# The front-end is frozen and the images are not augmented: both sides compute it once per image.
with torch.no_grad():
    feats = x
    for w, b, g, gn in fe: feats = block(feats, w, b, g, gn)
def step():
    opt.zero_grad()
    t = F.relu(F.conv2d(feats, bw, bb))
    for w1, b1, w2, b2 in res:
        h = F.relu(F.conv2d(t, w1, b1, padding=1)); t = F.relu(t + F.conv2d(h, w2, b2, padding=1))
    loss = F.cross_entropy(t.mean((2, 3)) @ hw.T + hb, y)
    loss.backward(); opt.step()
step(); step(); ts = []
for _ in range(${STEPS_C}):
    t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1000)
print(sorted(ts)[len(ts) // 2])
`], { encoding: "utf8" });
    if (r.status !== 0) { console.log(`  PyTorch failed: ${r.stderr.trim().split("\n").pop()}`); return; }
    const ms = Number(r.stdout);
    const ours = threads === 1 ? one : all;
    console.log(`  PyTorch (CPU, ${threads} thread${threads > 1 ? "s" : " "})     ${ms.toFixed(0).padStart(6)} ms/step   ratio lcl/PyTorch ${(ours.ms / ms).toFixed(2)}× (${ours.workers} worker${ours.workers > 1 ? "s" : ""} vs ${threads} thread${threads > 1 ? "s" : ""})`);
    peer.push({ threads, ms });
  }
  againstBest(all, peer);
}

/**
 * The same loss and weight gradient in both frameworks on the same x and w, with the pooling
 * written identically (the Gaussian matrices are shipped over): the largest relative difference
 * of dL/dw and dL/db, which should be at float32 rounding level.
 */
function gradientCheck(python: string) {
  const n = 16, s = 20, k = 7, c = 8;
  const x = Float32Array.from({ length: 2 * n * s * s }, (_, i) => Math.sin(i * 0.731) + Math.cos(i * 0.0173));
  const w = Float32Array.from({ length: k * k * c }, (_, i) => Math.sin(i * 1.37) * 0.2);
  const b = Float32Array.from({ length: c }, (_, i) => 0.01 * i);
  const spec = { kernel: k, channels: c, sigma: 1, stride: 2, norm: true };
  const { loss, gw, gb } = tf.tidy(() => {
    const xt = tf.tensor4d(x, [2 * n, s, s, 1]);
    const f = (wt: tfc.Tensor, bt: tfc.Tensor) => {
      const z = readoutFeatures(tf, blockForward(tf, xt, { w: wt as tfc.Tensor4D, b: bt as tfc.Tensor1D }, spec), "mean");
      return objective(tf, tf.slice(z, [0, 0], [n, -1]), tf.slice(z, [n, 0], [n, -1])).loss;
    };
    const { value, grads } = tf.valueAndGrads(f)([tf.tensor4d(w, [k, k, 1, c]), tf.tensor1d(b)]);
    return { loss: value.dataSync()[0]!, gw: grads[0]!.dataSync() as Float32Array, gb: grads[1]!.dataSync() as Float32Array };
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), "lcl-bench-"));
  const conv = s - k + 1, pooled = Math.floor((conv - 1) / 2) + 1;
  const files = { x, w, b, g2: gaussianMatrix(conv, 1, 2), g1: gaussianMatrix(pooled, 2, 1) };
  for (const [name, arr] of Object.entries(files)) writeFileSync(path.join(dir, name), new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
  const r = spawnSync(python, ["-c", `
import numpy as np, torch, torch.nn.functional as F
d = ${JSON.stringify(dir)}
ld = lambda f, *shape: torch.from_numpy(np.fromfile(d + "/" + f, dtype=np.float32).reshape(shape))
n, s, k, c, conv, pooled = ${n}, ${s}, ${k}, ${c}, ${conv}, ${pooled}
x = ld("x", 2 * n, s, s, 1).permute(0, 3, 1, 2)
w = ld("w", k, k, 1, c).permute(3, 2, 0, 1).clone().requires_grad_()
b = ld("b", c).clone().requires_grad_()
g2, g1 = ld("g2", conv, pooled), ld("g1", pooled, pooled)
blur = lambda t, g: torch.einsum("nchw,hi,wj->ncij", t, g, g)   # separable: rows then columns
u = F.relu(F.conv2d(x, w, b))
p = torch.sqrt(blur(u * u, g2) + 1e-6)
p = p / (torch.sqrt(blur((p * p).mean(1, keepdim=True), g1) + 1e-12) + 1e-3)
z = p.mean((2, 3)); za, zb = z[:n], z[n:]
ua = za - za.mean(0); ua = ua / torch.sqrt((ua * ua).sum(1, keepdim=True) + 1e-12)
ub = zb - zb.mean(0); ub = ub / torch.sqrt((ub * ub).sum(1, keepdim=True) + 1e-12)
gram = ua @ ub.T; dg = (ua * ub).sum(1)
loss = -2 * dg.mean() + ((gram ** 2).sum() - (dg ** 2).sum()) / (n * (n - 1))
loss.backward()
print(loss.item()); print(" ".join(map(str, w.grad.permute(2, 3, 1, 0).reshape(-1).tolist()))); print(" ".join(map(str, b.grad.tolist())))
`], { encoding: "utf8" });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) { console.log(`  gradient check vs PyTorch failed to run: ${r.stderr.trim().split("\n").pop()}`); return; }
  const [tl, tw, tb] = r.stdout.trim().split("\n");
  const rel = (a: Float32Array, bs: string) => {
    const t = bs.split(" ").map(Number);
    const scale = Math.max(...t.map(Math.abs));
    return Math.max(...Array.from(a, (v, i) => Math.abs(v - t[i]!))) / scale;
  };
  console.log(`  gradient vs PyTorch (same x, w; loss ${loss.toFixed(6)} vs ${Number(tl).toFixed(6)}): max relative difference dL/dw ${rel(gw, tw!).toExponential(1)}, dL/db ${rel(gb, tb!).toExponential(1)}`);
}

/**
 * The classifier step's loss and gradients (every trainable parameter, from the front-end's
 * output on: the path fit trains) in lcl against an independent float64 PyTorch implementation
 * of the same network on the same features, labels and weights: the largest relative difference.
 */
function classifierGradientCheck(python: string, p: Record<string, tfc.Variable>, arch: ClassifierArchitecture): string {
  const n = 16, stem = resnetModel(tf, p, arch).frozenStem!();
  const [h, w, c] = stem.rest.inputShape;
  const images = Float32Array.from({ length: n * arch.input_size ** 2 }, (_, i) => Math.sin(i * 0.37) + Math.cos(i * 0.011));
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % arch.classes);
  const trainable = Object.entries(p).filter(([, v]) => v.trainable);
  const { feats, loss, grads } = tf.tidy(() => {
    const f = stem.apply(tf.tensor4d(images, [n, arch.input_size, arch.input_size, 1]));
    const { value, grads } = tf.variableGrads(() => {
      const logits = stem.rest.logits(f, true);
      return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, tf.oneHot(tf.tensor1d(labels, "int32"), arch.classes)), 1))) as tfc.Scalar;
    }, trainable.map(([, v]) => v));
    return { feats: f.dataSync() as Float32Array, loss: value.dataSync()[0]!, grads: trainable.map(([, v]) => grads[v.name]!.dataSync() as Float32Array) };
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), "lcl-bench-clf-"));
  const save = (name: string, a: Float32Array | Int32Array) => writeFileSync(path.join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  save("feats", feats); save("labels", labels);
  trainable.forEach(([name, v]) => save(name, Float32Array.from(v.dataSync() as Float32Array)));
  const shapes = Object.fromEntries(trainable.map(([name, v]) => [name, v.shape]));
  const r = spawnSync(python, ["-c", `
import json, numpy as np, torch, torch.nn.functional as F
d, shapes = ${JSON.stringify(dir)}, json.loads(${JSON.stringify(JSON.stringify(shapes))})
ld = lambda f, *shape: torch.from_numpy(np.fromfile(d + "/" + f, dtype=np.float32).astype(np.float64).reshape(shape))
P = {k: ld(k, *s).requires_grad_() for k, s in shapes.items()}
conv_w = lambda t: t.permute(3, 2, 0, 1)   # [kh,kw,cin,cout] -> [cout,cin,kh,kw]
x = ld("feats", ${n}, ${h}, ${w}, ${c}).permute(0, 3, 1, 2)
y = torch.from_numpy(np.fromfile(d + "/labels", dtype=np.int32).astype(np.int64))
t = F.relu(F.conv2d(x, conv_w(P["bottleneck.w"]), P["bottleneck.b"]))
for r in range(${arch.depth}):
    hh = F.relu(F.conv2d(t, conv_w(P[f"res{r}.w1"]), P[f"res{r}.b1"], padding=1))
    t = F.relu(t + F.conv2d(hh, conv_w(P[f"res{r}.w2"]), P[f"res{r}.b2"], padding=1))
loss = F.cross_entropy(t.mean((2, 3)) @ P["head.w"] + P["head.b"], y)
loss.backward()
print(loss.item())
for k in shapes: print(k, " ".join(map(str, P[k].grad.reshape(-1).tolist())))
`], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) return `  classifier gradient check vs PyTorch failed to run: ${r.stderr.trim().split("\n").pop()}`;
  const [tl, ...rows] = r.stdout.trim().split("\n");
  let worst = 0, where = "";
  rows.forEach((row) => {
    const [name, ...vals] = row.split(" "), ref = vals.map(Number), ours = grads[trainable.findIndex(([k]) => k === name)]!;
    const scale = Math.max(...ref.map(Math.abs)), diff = Math.max(...ref.map((v, i) => Math.abs(v - ours[i]!))) / scale;
    if (diff > worst) { worst = diff; where = name!; }
  });
  return `  classifier gradient vs PyTorch float64 (same features, labels, weights; loss ${loss.toFixed(6)} vs ${Number(tl).toFixed(6)}): max relative difference ${worst.toExponential(1)} (${where}), over all ${trainable.length} trainable tensors`;
}

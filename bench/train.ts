/**
 * `npm run bench:train`: one LCL-V2 layer-1 training step — batch 128 pairs (256 patches of
 * 32×32), 7×7×32 conv, ReLU, L2 energy pooling (σ=1, stride 2), divisive normalisation, the
 * default spectral objective, Adam — through lcl's own training loop (src/model/train.ts) on the
 * chosen backend, and the same step in PyTorch on CPU in the same run when python3-torch is
 * installed (Debian: `apt-get install python3-torch`). Prints ms/step and the ratio.
 */
import { spawnSync } from "node:child_process";
import { Effect } from "effect";
import { selectBackend, tensorflow } from "../src/compute/backend.js";
import { trainBlock } from "../src/model/train.js";

const B = 128, S = 32, K = 7, C = 32, STEPS = Number(process.env.BENCH_STEPS ?? 12);
const backend = (await selectBackend(process.env.LCL_BACKEND)).name;
const tf = await tensorflow(backend);
const pool = new Float32Array(4 * B * S * S).map((_, i) => Math.sin(i * 12.9898) * 0.5 + Math.sin(i * 0.37)); // deterministic, not constant
const data = {
  count: 2 * B,
  input: (idx: Int32Array) => {
    const x = new Float32Array(2 * idx.length * S * S);
    idx.forEach((j, k) => { x.set(pool.subarray(j * S * S, (j + 1) * S * S), k * S * S); x.set(pool.subarray((j + 2 * B) * S * S, (j + 2 * B + 1) * S * S), (idx.length + k) * S * S); });
    return tf.tensor4d(x, [2 * idx.length, S, S, 1]);
  },
};
const spec = { kernel: K, channels: C, sigma: 1, stride: 2, norm: true };
const r = await Effect.runPromise(trainBlock(tf, data, {
  spec, inChannels: 1, steps: STEPS + 2, batch: B, lr: 1e-3, weightDecay: 0, warmup: 0,
  objective: { name: "spectral", lambda: 1, barlowLambda: 5e-3, tau: 0.1 }, checkpointEvery: 0, seed: 1,
}, { progress() {}, log() {} }));
const per = Array.from({ length: STEPS }, (_, i) => (r.curve.wall_s[i + 2]! - r.curve.wall_s[i + 1]!) * 1000).sort((a, b) => a - b);
const ours = per[Math.floor(per.length / 2)]!;
console.log(`one layer-1 training step: batch ${B} pairs (${2 * B} patches ${S}×${S}), ${K}×${K}×${C} conv, L2 pooling, divisive norm, spectral loss, Adam; median of ${STEPS}`);
console.log(`  lcl (${backend})            ${ours.toFixed(0).padStart(6)} ms/step`);

// Debian's python3-torch lives under /usr/bin/python3, which a pyenv/venv python3 may shadow.
const python = ["python3", "/usr/bin/python3"].find((py) => spawnSync(py, ["-c", "import torch"]).status === 0);
if (!python) {
  console.log("  PyTorch: not installed — skipped (Debian: apt-get install python3-torch)");
} else {
  const torch = (threads: number) => spawnSync(python, ["-c", `
import math, time, torch
import torch.nn.functional as F
torch.manual_seed(0); torch.set_num_threads(${threads})
B, S, K, C, STEPS = ${B}, ${S}, ${K}, ${C}, ${STEPS}
x = torch.randn(2 * B, 1, S, S)
w = (torch.randn(C, 1, K, K) * math.sqrt(2 / (K * K))).requires_grad_(); b = torch.zeros(C, requires_grad=True)
opt = torch.optim.AdamW([w, b], 1e-3, weight_decay=0)
g = torch.exp(-torch.arange(-2, 3, dtype=torch.float32) ** 2 / 2); g = g / g.sum()
g2 = (g[:, None] * g[None, :])[None, None]
def blur(t, stride):  # per-channel Gaussian blur (5×5, σ=1), edges zero-padded
    c = t.shape[1]
    return F.conv2d(t, g2.expand(c, 1, 5, 5), stride=stride, padding=2, groups=c)
def step():
    opt.zero_grad()
    u = F.relu(F.conv2d(x, w, b))
    p = torch.sqrt(blur(u * u, 2) + 1e-6)
    p = p / (torch.sqrt(blur((p * p).mean(1, keepdim=True), 1) + 1e-12) + 1e-3)
    z = p.mean((2, 3)); za, zb = z[:B], z[B:]
    ua = za - za.mean(0); ua = ua / ua.norm(dim=1, keepdim=True); ub = zb - zb.mean(0); ub = ub / ub.norm(dim=1, keepdim=True)
    gram = ua @ ub.T; d = (ua * ub).sum(1)
    loss = -2 * d.mean() + ((gram ** 2).sum() - (d ** 2).sum()) / (B * (B - 1))
    loss.backward(); opt.step()
step(); step(); ts = []
for _ in range(STEPS):
    t = time.perf_counter(); step(); ts.append((time.perf_counter() - t) * 1000)
print(sorted(ts)[len(ts) // 2])
`], { encoding: "utf8" });
  // PyTorch's step time on this machine swings by 2–3× between runs; medians of several steps, both thread counts.
  for (const threads of [1, 2]) {
    const r = torch(threads);
    if (r.status !== 0) { console.log(`  PyTorch failed: ${r.stderr.trim().split("\n").pop()}`); break; }
    const ms = Number(r.stdout);
    console.log(`  PyTorch (CPU, ${threads} thread${threads > 1 ? "s" : " "})  ${ms.toFixed(0).padStart(6)} ms/step   ratio lcl/PyTorch ${(ours / ms).toFixed(2)}×${threads === 2 ? "   (aim ≤ 1.5×; wasm runs on one thread)" : ""}`);
  }
}

/**
 * `npm run bench:compute`: one layer-1 training step (batch 128 × 32×32×1, 7×7×32 conv, ReLU,
 * energy pooling, decorrelation-style loss, Adam), on wasm with lcl's im2col ops and on the cpu
 * backend with tf.conv2d, and with PyTorch on the same shapes when python3-torch is installed.
 */
import { spawnSync } from "node:child_process";
import type * as tfc from "@tensorflow/tfjs-core";
import { tensorflow, type Tf } from "../src/compute/backend.js";
import { conv2d, energyPool } from "../src/compute/ops.js";

const B = 128, S = 32, K = 7, C = 32, STEPS = Number(process.env.BENCH_STEPS ?? 5);

function stepper(tf: Tf, ours: boolean) {
  const x = tf.randomNormal([B, S, S, 1], 0, 1, "float32", 1) as tfc.Tensor4D;
  const w = tf.variable(tf.randomNormal([K, K, 1, C], 0, 0.1, "float32", 2));
  const opt = tf.train.adam(1e-3);
  const loss = () => {
    const y = tf.relu(ours ? conv2d(tf, x, w as unknown as tfc.Tensor4D) : tf.conv2d(x, w as unknown as tfc.Tensor4D, 1, "valid")) as tfc.Tensor4D;
    const p = energyPool(tf, y, 1, 2);
    // decorrelation of channels across positions and images (a C×C Gram matrix)
    const z = tf.reshape(p, [-1, C]);
    const zc = tf.sub(z, tf.mean(z, 0));
    const gram = tf.div(tf.matMul(zc, zc, true, false), z.shape[0]);
    return tf.mean(tf.square(gram)) as tfc.Scalar;
  };
  return () => { const t = performance.now(); tf.tidy(() => { opt.minimize(loss); }); return performance.now() - t; };
}

async function time(name: string, ours: boolean) {
  const tf = await tensorflow(name);
  const step = stepper(tf, ours);
  step(); // warm-up
  const ms = Array.from({ length: STEPS }, step).sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)]!;
}

console.log(`one layer-1 training step: batch ${B} × ${S}×${S}×1, ${K}×${K}×${C} conv, energy pool, Adam; median of ${STEPS}`);
const wasm = await time("wasm", true);
console.log(`  wasm + lcl im2col ops    ${wasm.toFixed(0).padStart(7)} ms/step`);
const cpu = await time("cpu", false);
console.log(`  cpu + tf.conv2d          ${cpu.toFixed(0).padStart(7)} ms/step   (wasm is ${(cpu / wasm).toFixed(1)}× faster)`);
// Debian's python3-torch lives under /usr/bin/python3, which a pyenv/venv python3 may shadow.
const python = ["python3", "/usr/bin/python3"].find((py) => spawnSync(py, ["-c", "import torch"]).status === 0) ?? "python3";
const torch = spawnSync(python, ["-c", `
import torch, time
torch.manual_seed(0); torch.set_num_threads(2)
x = torch.randn(${B}, 1, ${S}, ${S}); w = torch.randn(${C}, 1, ${K}, ${K}, requires_grad=True)
opt = torch.optim.Adam([w], 1e-3)
def step():
    opt.zero_grad(); y = torch.relu(torch.nn.functional.conv2d(x, w)); p = torch.sqrt(torch.nn.functional.avg_pool2d(y*y, 2) + 1e-6)
    z = p.permute(0, 2, 3, 1).reshape(-1, ${C}); zc = z - z.mean(0); g = zc.T @ zc / z.shape[0]; l = (g*g).mean(); l.backward(); opt.step()
step(); ts = []
for _ in range(${STEPS}):
    t = time.perf_counter(); step(); ts.append((time.perf_counter() - t) * 1000)
print(sorted(ts)[len(ts)//2])
`], { encoding: "utf8" });
if (torch.status === 0) console.log(`  PyTorch (2 threads)      ${Number(torch.stdout).toFixed(0).padStart(7)} ms/step   (ratio wasm/PyTorch ${(wasm / Number(torch.stdout)).toFixed(1)}×)`);
else console.log("  PyTorch: not installed (Debian: apt-get install python3-torch) — skipped");

/**
 * `npm run bench:neural` — one Brain-Score-sized PLS mapping (science.md §3.2.5): S stimuli ×
 * P model features (a layer's full activations) → Q neurons, 25 components, fitted on 90 % and
 * predicting the rest. lcl maps the features to exact S×S coordinates first (Cholesky of the Gram
 * matrix) and runs NIPALS there; scikit-learn's PLSRegression(25, scale=False) — what
 * Brain-Score calls — runs on the raw features in the same run when python3-sklearn is installed
 * (Debian: apt-get install python3-sklearn). Prints time per fit, the ratio, and how far the two
 * predictions differ (they should agree to the power iteration's tolerance).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fitPls, matrix, predictPls } from "../src/metrics/pls.js";
import { gramCoordinates, selectRows } from "../src/metrics/predictivity.js";
import { makeRng } from "../src/sdk/rng.js";

const S = 450, P = 10816, Q = 100, K = 25, RUNS = 3;
const rng = makeRng(7);
// Features with a decaying spectrum (like a conv layer's), neurons = sparse mixtures + noise.
const latent = 60;
const Z = Float64Array.from({ length: S * latent }, () => rng.normal());
const L = Float64Array.from({ length: latent * P }, (_, k) => rng.normal() / (1 + Math.floor(k / P)));
const X = new Float32Array(S * P);
for (let i = 0; i < S; i++) for (let l = 0; l < latent; l++) { const z = Z[i * latent + l]!; if (z) for (let p = 0; p < P; p++) X[i * P + p]! += z * L[l * P + p]!; }
for (let k = 0; k < X.length; k++) X[k]! += 0.5 * rng.normal();
const Y = new Float64Array(S * Q);
for (let i = 0; i < S; i++) for (let q = 0; q < Q; q++) { let s = 0; for (let j = 0; j < 5; j++) s += X[i * P + ((q * 97 + j * 1013) % P)]!; Y[i * Q + q] = s + rng.normal(); }
const train = Array.from({ length: Math.round(S * 0.9) }, (_, i) => i), test = Array.from({ length: S - train.length }, (_, i) => train.length + i);

const times: number[] = [];
let ours: Float64Array | undefined;
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  const T = gramCoordinates(X, S, P);
  const m = fitPls(selectRows(T, train), selectRows(matrix(S, Q, Y), train), K);
  ours = predictPls(m, selectRows(T, test)).data;
  times.push(performance.now() - t0);
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const lclMs = median(times);
console.log(`PLS(${K}) mapping: ${S} stimuli × ${P} features → ${Q} neurons, fit on ${train.length}, predict ${test.length}; median of ${RUNS}`);
console.log(`  lcl (Gram coordinates + NIPALS)     ${lclMs.toFixed(0).padStart(7)} ms/fit`);

const python = ["python3", "/usr/bin/python3"].find((py) => spawnSync(py, ["-c", "import sklearn"]).status === 0);
if (!python) {
  console.log("  scikit-learn: not installed — skipped (Debian: apt-get install python3-sklearn)");
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lcl-bench-"));
  writeFileSync(path.join(dir, "X"), new Uint8Array(X.buffer));
  writeFileSync(path.join(dir, "Y"), new Uint8Array(Y.buffer));
  const r = spawnSync(python, ["-c", `
import time, numpy as np
from sklearn.cross_decomposition import PLSRegression
X = np.fromfile("${dir}/X", dtype=np.float32).reshape(${S}, ${P}).astype(np.float64)
Y = np.fromfile("${dir}/Y", dtype=np.float64).reshape(${S}, ${Q})
ts = []
for _ in range(${RUNS}):
    t = time.perf_counter()
    m = PLSRegression(n_components=${K}, scale=False).fit(X[:${train.length}], Y[:${train.length}])
    pred = m.predict(X[${train.length}:])
    ts.append((time.perf_counter() - t) * 1000)
pred.astype(np.float64).tofile("${dir}/pred")
print(sorted(ts)[len(ts) // 2])
`], { encoding: "utf8" });
  if (r.status !== 0) console.log(`  scikit-learn failed: ${r.stderr.trim().split("\n").pop()}`);
  else {
    const skMs = Number(r.stdout);
    const theirs = new Float64Array(readFileSync(path.join(dir, "pred")).buffer.slice(0));
    let maxDiff = 0, sd = 0, mean = 0;
    for (const v of theirs) mean += v / theirs.length;
    for (const v of theirs) sd += (v - mean) ** 2 / theirs.length;
    for (let k = 0; k < theirs.length; k++) maxDiff = Math.max(maxDiff, Math.abs(theirs[k]! - ours![k]!));
    console.log(`  scikit-learn PLSRegression (raw)    ${skMs.toFixed(0).padStart(7)} ms/fit   ratio lcl/sklearn ${(lclMs / skMs).toFixed(2)}×`);
    console.log(`  predictions: max |lcl − sklearn| = ${(maxDiff / Math.sqrt(sd)).toExponential(2)} × SD of the predictions`);
  }
}

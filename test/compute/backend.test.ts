import { describe, expect, it } from "vitest";
import { BACKENDS, BackendUnavailable, selectBackend, tensorflow, type Tf } from "../../src/compute/backend.js";
import { Rig } from "../helpers/rig.js";

/** A few steps of gradient descent on a one-layer net: enough to exercise ops, gradients and RNG. */
function train(tf: Tf, steps: number): Float32Array {
  const x = tf.randomNormal([16, 8], 0, 1, "float32", 7);
  const target = tf.randomNormal([16, 4], 0, 1, "float32", 8);
  const init = tf.randomNormal([8, 4], 0, 0.5, "float32", 9);
  const w = tf.variable(init);
  init.dispose(); // the variable holds its own reference
  const loss = () => tf.mean(tf.square(tf.sub(tf.relu(tf.matMul(x, w)), target))) as import("@tensorflow/tfjs-core").Scalar;
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(loss, [w]);
      w.assign(tf.sub(w, tf.mul(grads[w.name]!, 0.1)));
    });
  }
  const out = w.dataSync().slice() as Float32Array;
  tf.dispose([x, target, w]);
  return out;
}

describe("compute backend", () => {
  it("picks the first working backend in the order node-gpu → node → wasm → cpu and says why the others are out", async () => {
    const s = await selectBackend();
    const firstOk = s.probes.findIndex((p) => p.available);
    expect(s.probes.map((p) => p.name)).toEqual([...BACKENDS]);
    expect(s.name).toBe(BACKENDS[firstOk]);
    for (const p of s.probes.slice(0, firstOk)) expect(p.reason).toBeTruthy();
    expect(["node-gpu", "node", "wasm"]).toContain(s.name); // wasm always works here, so cpu is never the pick
  });

  it("forcing: an unknown name lists the choices; an unavailable one says why", async () => {
    await expect(selectBackend("tpu")).rejects.toThrow(/unknown backend 'tpu'; choose one of node-gpu, node, wasm, cpu/);
    const all = await selectBackend();
    const node = all.probes.find((p) => p.name === "node")!;
    if (!node.available && node.reason !== "not tried (a better one works)") {
      const err = await selectBackend("node").catch((e) => e);
      expect(err).toBeInstanceOf(BackendUnavailable);
      expect(err.message).toContain("backend 'node' is not available here");
    }
  });

  for (const name of ["cpu", "wasm"] as const) {
    it(`${name}: same backend and seed give bitwise identical results; tensors do not leak over 100 steps`, async () => {
      const tf = await tensorflow(name);
      expect(tf.getBackend()).toBe(name);
      const a = train(tf, 5), b = train(tf, 5);
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      const before = tf.memory().numTensors;
      train(tf, 100);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("gradients of the ops used so far agree between wasm and cpu", async () => {
    const cpu = train(await tensorflow("cpu"), 3);
    const wasm = train(await tensorflow("wasm"), 3);
    for (let i = 0; i < cpu.length; i++) expect(wasm[i]!).toBeCloseTo(cpu[i]!, 4);
  });

  it("lcl doctor reports every backend, and a bad --backend is a clear usage error", async () => {
    const rig = new Rig({ "pipelines/p.yaml": "nodes:\n  a: { uses: t-source }\n", "experiments.yaml": "experiments:\n  e: { pipeline: p }\n" }, { toyStages: true });
    try {
      const d = await rig.lcl(["doctor", "--json", "--seconds", "0.2"]);
      expect(d.code, d.stderr).toBe(0);
      const r = JSON.parse(d.stdout);
      expect(r.probes.map((p: { name: string }) => p.name)).toEqual([...BACKENDS]);
      expect(r.probes.find((p: { name: string }) => p.name === r.chosen.name).available).toBe(true);
      expect(r.bench.matmulGflops).toBeGreaterThan(0);
      const bad = await rig.lcl(["run", "--backend", "tpu"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("unknown backend 'tpu'");
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    } finally { rig.dispose(); }
  });
});

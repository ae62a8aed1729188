import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { batchIndices, epochBatch, runLoop, TrainingDiverged, type Checkpointer, type LoopTask } from "../../src/model/loop.js";
import { makeRng } from "../../src/sdk/rng.js";
import type { TensorSet } from "../../src/sdk/ports.js";

/** A toy task: SGD on (x − target_step)², targets drawn from (seed, step); `score` = −|x − best|. */
function toy(o: { steps?: number; lr?: number; blowUpAt?: number; evaluate?: LoopTask["evaluate"] } = {}): LoopTask & { x: () => number } {
  let x = 0;
  return {
    steps: o.steps ?? 30, columns: ["x"], divergenceHint: "lower lr",
    step(step) {
      const target = makeRng(9).fork(`step:${step}`).normal() + 3;
      if (step === o.blowUpAt) x = NaN;
      x -= (o.lr ?? 0.1) * 2 * (x - target);
      return { loss: (x - target) ** 2, x };
    },
    state: (): TensorSet => ({ x: { dtype: "float64", shape: [1], data: Float64Array.of(x) } }),
    restore(s) { x = (s.x!.data as Float64Array)[0]!; },
    x: () => x,
    ...(o.evaluate ? { evaluate: o.evaluate } : {}),
  };
}
const memory = (): Checkpointer & { saved?: { step: number; state: TensorSet; meta?: unknown } } => {
  const c: Checkpointer & { saved?: { step: number; state: TensorSet; meta?: unknown } } = {
    load: async () => c.saved,
    save: async (step, state, meta) => { c.saved = { step, state: structuredClone(state), meta: structuredClone(meta) }; },
  };
  return c;
};
const io = (o: Partial<Parameters<typeof runLoop>[1]> = {}) => ({ progress: () => {}, log: () => {}, checkpointEvery: 0, ...o });

describe("the training loop", () => {
  it("interrupted while a step is computing (a dead driver, Ctrl-C mid-step), the checkpoint's step matches the state it holds", async () => {
    // Each step counts itself in the state and takes a few ms; the abort arrives asynchronously, mid-step.
    const counting = (): LoopTask => {
      let done = 0;
      return {
        steps: 50, columns: [], divergenceHint: "",
        step: async () => { await new Promise((r) => setTimeout(r, 3)); done++; return { loss: 1 }; },
        state: (): TensorSet => ({ done: { dtype: "float64", shape: [1], data: Float64Array.of(done) } }),
        restore(s) { done = (s.done!.data as Float64Array)[0]!; },
      };
    };
    for (const ms of [7, 11, 16, 22]) {
      const ck = memory(), ctl = new AbortController();
      setTimeout(() => ctl.abort(), ms);
      await expect(Effect.runPromise(runLoop(counting(), io({ checkpoint: ck, checkpointEvery: 2 })), { signal: ctl.signal })).rejects.toThrow();
      expect(ck.saved, `abort after ${ms} ms`).toBeDefined();
      expect((ck.saved!.state.done!.data as Float64Array)[0], `abort after ${ms} ms`).toBe(ck.saved!.step);
    }
  });

  it("interrupted between steps, it saves a checkpoint; resumed, it ends exactly where an uninterrupted run ends", async () => {
    const whole = toy(); const r = await Effect.runPromise(runLoop(whole, io()));
    const ck = memory(), ctl = new AbortController();
    await expect(Effect.runPromise(runLoop(toy(), io({ checkpoint: ck, progress: (s) => { if (s === 12) ctl.abort(); } })), { signal: ctl.signal })).rejects.toThrow();
    expect(ck.saved!.step).toBe(12);
    const second = toy(), resumed = await Effect.runPromise(runLoop(second, io({ checkpoint: ck })));
    expect(resumed.resumedFrom).toBe(12);
    expect(second.x()).toBe(whole.x());
    expect(Array.from(resumed.curve.loss!)).toEqual(Array.from(r.curve.loss!));
  });

  it("a non-finite loss fails with TrainingDiverged naming the step and the fix", async () => {
    const e = await Effect.runPromise(Effect.flip(runLoop(toy({ blowUpAt: 7 }), io())));
    expect(e).toBeInstanceOf(TrainingDiverged);
    expect(e.message).toContain("step 7");
    expect(e.message).toContain("lower lr");
  });

  it("early stopping: stops after `patience` evaluations without a better score and restores the best state", async () => {
    // Scores rise until step 10, then fall: the best state is the one at step 10.
    const seen: number[] = [];
    const t = toy({ steps: 100, evaluate: { every: 5, patience: 2, score: (step) => { seen.push(t.x()); return -Math.abs(step - 10); } } });
    const r = await Effect.runPromise(runLoop(t, io()));
    expect(r.best!.step).toBe(10);
    expect(r.stepsRun).toBe(20);               // evaluations at 15 and 20 did not beat 10
    expect(t.x()).toBe(seen[1]);               // the state scored at step 10 is back
    expect(r.curve.loss!.length).toBe(20);
  });

  it("plateau restarts (Lurz's lr decay): the best state comes back, the task hears of it, then the run stops", async () => {
    const restarts: number[] = [], seen = new Map<number, number>();
    const t = toy({ steps: 100, evaluate: { every: 5, patience: 1, restarts: 1, onRestart: (n) => restarts.push(n), score: (step) => { seen.set(step, t.x()); return step === 5 ? 1 : 0; } } });
    const r = await Effect.runPromise(runLoop(t, io()));
    expect(restarts).toEqual([1]);
    expect(r.restarts).toBe(1);
    expect(r.stepsRun).toBe(15);              // 10: plateau → restart from 5's state; 15: plateau again → stop
    expect(t.x()).toBe(seen.get(5));
  });

  it("batches: each item once per epoch, straddling epochs; epoch batches partition the set", () => {
    const seen = new Set<number>();
    for (let s = 0; s < 4; s++) for (const i of batchIndices(1, s, 25, 100)) seen.add(i);
    expect(seen.size).toBe(100);
    const parts = [0, 1, 2, 3].flatMap((s) => Array.from(epochBatch(1, 0, s, 30, 100)));
    expect(parts.length).toBe(100);
    expect(new Set(parts).size).toBe(100);
    expect(Array.from(epochBatch(1, 1, 0, 30, 100))).not.toEqual(Array.from(epochBatch(1, 0, 0, 30, 100)));
  });
});

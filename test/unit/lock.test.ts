import { mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquire, isStale, readOwner, tryAcquire } from "../../src/engine/lock.js";

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(path.join(os.tmpdir(), "lcl-lock-")); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe("leases (mkdir + owner + heartbeat, no flock)", () => {
  it("are exclusive while held and free after release", async () => {
    const l = path.join(tmp(), "x");
    const a = await tryAcquire(l, "a");
    expect(a).toBeDefined();
    expect(await tryAcquire(l, "b")).toBeUndefined();
    expect(await readOwner(l)).toMatchObject({ pid: process.pid, host: os.hostname(), purpose: "a" });
    await a!.release();
    const b = await tryAcquire(l, "b");
    expect(b).toBeDefined();
    await b!.release();
  });

  it("recovers a lease whose owner on this host is dead", async () => {
    const l = path.join(tmp(), "x");
    mkdirSync(l);
    writeFileSync(path.join(l, "owner.json"), JSON.stringify({ host: os.hostname(), pid: 2 ** 22 + 12345, startedAt: "", purpose: "killed run" }));
    expect(await isStale(l)).toBe(true);
    const lease = await tryAcquire(l, "new");
    expect(lease).toBeDefined();
    expect((await readOwner(l))!.purpose).toBe("new");
    await lease!.release();
  });

  it("trusts another host's lease while its heartbeat is fresh, and breaks it when stale", async () => {
    const l = path.join(tmp(), "x");
    mkdirSync(l);
    const owner = path.join(l, "owner.json");
    writeFileSync(owner, JSON.stringify({ host: "other-node-17", pid: 1, startedAt: "", purpose: "slurm job" }));
    expect(await isStale(l)).toBe(false);
    expect(await tryAcquire(l, "mine")).toBeUndefined();
    const old = new Date(Date.now() - 120_000);
    utimesSync(owner, old, old);
    expect(await isStale(l)).toBe(true);
    const lease = await tryAcquire(l, "mine");
    expect(lease).toBeDefined();
    await lease!.release();
    expect(existsSync(l)).toBe(false);
  });

  it("a waiter gets the lease when the holder releases it", async () => {
    const l = path.join(tmp(), "x");
    const held = (await tryAcquire(l, "first"))!;
    let told = false;
    const waiting = acquire(l, "second", { onWait: () => { told = true; } });
    await new Promise((r) => setTimeout(r, 100));
    expect(told).toBe(true);
    await held.release();
    const got = await waiting;
    expect((await readOwner(l))!.purpose).toBe("second");
    await got!.release();
  });
});

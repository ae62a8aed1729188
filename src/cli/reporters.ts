import type { EngineEvent, EventSink } from "../engine/events.js";
import { c, isTTY, ms, short } from "./style.js";

/**
 * Renders engine events. On a TTY: finished stages scroll by and one live line shows what is
 * running with elapsed time and progress. Otherwise (CI, pipes): one plain line per event.
 */
export function makeReporter(opts: { quiet?: boolean; tty?: boolean } = {}): EventSink {
  const tty = opts.tty ?? isTTY;
  const out = (s: string) => process.stderr.write(s);
  const running = new Map<string, { start: number; done?: number; total?: number; note?: string }>();
  let total = 0, finished = 0, cached = 0, ran = 0, failed = 0, skipped = 0;
  let timer: NodeJS.Timeout | undefined;
  const status = () => {
    if (!tty) return;
    const now = Date.now();
    const items = [...running].slice(0, 4).map(([id, r]) => `${id} ${ms(now - r.start)}${r.total ? ` ${Math.round((100 * (r.done ?? 0)) / r.total)}%` : r.done !== undefined ? ` ${r.done}` : ""}${r.note ? ` ${r.note}` : ""}`);
    const more = running.size > 4 ? ` +${running.size - 4}` : "";
    const prefix = `[${finished}/${total}]`;
    // Truncate the plain text (never inside an escape sequence) to the terminal width.
    const text = `${items.join(" · ")}${more}`.slice(0, Math.max(10, (process.stderr.columns ?? 120) - prefix.length - 2));
    out(`\r\x1b[2K${c.dim(prefix)} ${text}`);
  };
  const print = (s: string) => { if (tty) out("\r\x1b[2K"); out(s + "\n"); status(); };

  return (e: EngineEvent) => {
    switch (e.type) {
      case "run-start":
        total = e.total;
        if (!opts.quiet) print(c.bold(`lcl run ${e.experiment}`) + c.dim(` · ${e.total} stages · ${e.jobs} jobs · backend ${e.backend} · run ${e.runId}`));
        if (tty) timer = setInterval(status, 250);
        timer?.unref();
        return;
      case "stage-cached":
        finished++; cached++;
        if (!opts.quiet) print(`${c.dim("=")} ${e.id} ${c.dim(`cached ${short(e.fingerprint)}${e.reused ? " (produced by a concurrent run)" : ""}`)}`);
        return;
      case "stage-start":
        running.set(e.id, { start: Date.now() });
        if (!tty && !opts.quiet) print(`${c.cyan("▶")} ${e.id} ${c.dim(`(${e.reason})`)}`);
        else status();
        return;
      case "stage-progress": {
        const r = running.get(e.id);
        if (r) { r.done = e.done; if (e.total !== undefined) r.total = e.total; if (e.note !== undefined) r.note = e.note; }
        return;
      }
      case "stage-log": print(c.dim(`  ${e.id}: ${e.message}`)); return;
      case "stage-note": {
        const r = running.get(e.id);
        if (r) r.note = e.message;
        // On a terminal, routine job states live in the status line; retries are worth a line of their own.
        if (!opts.quiet && (!tty || /retrying|attempt/.test(e.message))) print(c.dim(`  ${e.id}: ${e.message}`));
        return;
      }
      case "stage-done":
        running.delete(e.id); finished++; ran++;
        if (!opts.quiet) print(`${c.green("✓")} ${e.id} ${c.dim(`${ms(e.durationMs)} ${short(e.fingerprint)}${e.resumedFrom !== undefined ? ` · resumed from checkpoint at step ${e.resumedFrom}` : ""}${e.unchangedOutputs ? " · outputs unchanged, downstream stays cached" : ""}`)}`);
        return;
      case "nondeterministic":
        print(`${c.yellow("⚠")} ${e.id} ${c.yellow(`same fingerprint, different ${e.outputs.join(", ")}: this stage is not deterministic (unseeded randomness, time, thread races?)`)}`);
        return;
      case "stage-failed":
        running.delete(e.id); finished++; failed++;
        print(`${c.red("✗")} ${e.id} ${c.red(e.error)}\n  ${c.dim(`log: ${e.log}`)}`);
        return;
      case "stage-skipped":
        finished++; skipped++;
        if (!opts.quiet) print(`${c.yellow("-")} ${e.id} ${c.dim(e.reason)}`);
        return;
      case "waiting":
        print(c.dim(`… ${e.id}: waiting for ${e.owner ? `pid ${e.owner.pid} on ${e.owner.host} (${e.owner.purpose})` : "another process"} computing the same stage`));
        return;
      case "run-done": {
        if (timer) clearInterval(timer);
        if (tty) out("\r\x1b[2K");
        const r = e.record;
        const dur = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
        const verdict = r.status === "ok" ? c.green("ok") : r.status === "interrupted" ? c.yellow("interrupted") : c.red("failed");
        out(`${verdict} in ${ms(dur)}: ${ran} ran, ${cached} cached${failed ? `, ${c.red(`${failed} failed`)}` : ""}${skipped ? `, ${skipped} skipped` : ""} ${c.dim(`(run ${r.id})`)}\n`);
        return;
      }
    }
  };
}

import { Cause, Effect } from "effect";
import { exitCodeOf, formatDiagnostic, type LclError } from "../engine/errors.js";
import { c } from "./style.js";

/**
 * The one boundary where failures become text and exit codes. Typed errors print a clear message
 * (no stack); anything unexpected prints one line, with the stack only under --verbose.
 */
export function report(error: unknown, verbose: boolean): number {
  const out = (s: string) => process.stderr.write(s + "\n");
  const e = error as Partial<LclError> & { _tag?: string };
  switch (e?._tag) {
    case "ConfigError": {
      const ds = (e as Extract<LclError, { _tag: "ConfigError" }>).diagnostics;
      for (const d of ds) out(`${c.red("error")} ${formatDiagnostic(d)}`);
      out(c.dim(`${ds.length} problem${ds.length === 1 ? "" : "s"}; nothing ran.`));
      break;
    }
    case "NotFound": { const x = e as Extract<LclError, { _tag: "NotFound" }>; out(`${c.red("error")} no ${x.what} '${x.name}'${x.hint ? `\n    ${x.hint}` : ""}`); break; }
    case "UsageError": { const x = e as Extract<LclError, { _tag: "UsageError" }>; out(`${c.red("error")} ${x.message}${x.fix ? `\n    fix: ${x.fix}` : ""}`); break; }
    case "StageFailed": { const x = e as Extract<LclError, { _tag: "StageFailed" }>; out(`${c.red("error")} ${x.message} (${x.instance})`); break; }
    case "CorruptObject": { const x = e as Extract<LclError, { _tag: "CorruptObject" }>; out(`${c.red("error")} corrupt object ${x.hash} quarantined (${x.path}); the stages that produced it will recompute on the next run`); break; }
    case "LockTimeout": { const x = e as Extract<LclError, { _tag: "LockTimeout" }>; out(`${c.red("error")} timed out waiting for ${x.owner} (lock ${x.lock})`); break; }
    default:
      out(`${c.red("error")} ${(error as Error)?.message ?? String(error)}`);
      if (verbose && (error as Error)?.stack) out(c.dim((error as Error).stack!));
      else out(c.dim("(internal error; rerun with --verbose for the stack trace)"));
      return 70;
  }
  if (verbose && (error as Error)?.stack) out(c.dim((error as Error).stack!));
  return exitCodeOf(e as LclError);
}

/** Run a command body; map its failure (typed or defect) to an exit code instead of a crash. */
export const handled = <A, E, R>(verbose: boolean, body: Effect.Effect<A, E, R>) =>
  body.pipe(
    Effect.catchCause((cause) => {
      if (Cause.hasInterruptsOnly(cause)) { process.exitCode = 130; return Effect.void; }
      process.exitCode = report(Cause.squash(cause), verbose);
      return Effect.void;
    }),
  );

export const fromPromise = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: (e) => e });

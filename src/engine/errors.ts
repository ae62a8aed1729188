import { Data } from "effect";

/** A problem in user input, positioned in its file. `fix` says what to change. */
export interface Diagnostic {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
  /** Dotted path of the offending field, e.g. `experiments.sweep.params.scale.factor`. */
  readonly field?: string;
  readonly message: string;
  readonly fix?: string;
}

/** Invalid YAML, params, wiring or CLI usage: nothing ran. Exit code 2. */
export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly diagnostics: readonly Diagnostic[] }> {
  override get message() { return this.diagnostics.map(formatDiagnostic).join("\n"); }
}

/** One or more stages failed (their records say why). Exit code 1. */
export class StageFailed extends Data.TaggedError("StageFailed")<{ readonly instance: string; readonly message: string; readonly cause?: unknown }> {}

/** The store holds an object whose bytes do not match its name. Exit code 3. */
export class CorruptObject extends Data.TaggedError("CorruptObject")<{ readonly hash: string; readonly path: string; readonly actual: string }> {
  override get message() { return `corrupt object ${this.hash.slice(0, 12)}… (its bytes hash to ${this.actual.slice(0, 12)}…); quarantined — the stage that produced it reruns next time`; }
}

/** Could not take a lock in time. Exit code 4. */
export class LockTimeout extends Data.TaggedError("LockTimeout")<{ readonly lock: string; readonly owner: string }> {
  override get message() { return `timed out waiting for ${this.owner} (lock ${this.lock})`; }
}

/** Something named on the command line does not exist (experiment, node, run, hash). Exit code 2. */
export class NotFound extends Data.TaggedError("NotFound")<{ readonly what: string; readonly name: string; readonly hint?: string }> {
  override get message() { return `no ${this.what} '${this.name}'${this.hint ? ` — ${this.hint}` : ""}`; }
}

/** A command-line choice that cannot be honoured here (e.g. a forced backend that is unavailable). Exit code 2. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string; readonly fix?: string }> {}

/**
 * A stage stopped because its signal was aborted (Ctrl-C, a sibling's failure without
 * --keep-going, a timeout's abort). Not a failure of the stage: the run records it as interrupted.
 * Crossing a thread or process boundary it arrives as a plain Error with this message.
 */
export class Interrupted extends Data.TaggedError("Interrupted")<{ readonly during?: string }> {
  override get message() { return "interrupted"; }
}

export type LclError = ConfigError | StageFailed | CorruptObject | LockTimeout | NotFound | UsageError;

/** Documented exit codes (README "Exit codes"). */
export const ExitCode = { ok: 0, stageFailed: 1, usage: 2, corrupt: 3, lock: 4, interrupted: 130 } as const;

export function exitCodeOf(e: LclError): number {
  switch (e._tag) {
    case "ConfigError": return ExitCode.usage;
    case "NotFound": return ExitCode.usage;
    case "UsageError": return ExitCode.usage;
    case "StageFailed": return ExitCode.stageFailed;
    case "CorruptObject": return ExitCode.corrupt;
    case "LockTimeout": return ExitCode.lock;
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line !== undefined ? `${d.file}:${d.line}:${d.col ?? 1}` : d.file;
  const field = d.field ? ` ${d.field}:` : "";
  return `${where}:${field} ${d.message}${d.fix ? `\n    fix: ${d.fix}` : ""}`;
}

/** Levenshtein-based suggestion, for "did you mean" on keys, kinds, nodes and ports. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

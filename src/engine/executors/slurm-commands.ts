import { sbatchResourceArgs, type Resources } from "../resources.js";

/**
 * What lcl says to SLURM and how it reads the answers: the arguments of `sbatch`, `squeue`,
 * `sacct` and what their output means. Pure functions, no I/O, so each is tested on its own
 * (test/unit/slurm-commands.test.ts); `slurm.ts` keeps only the policy (batching, polling, retries).
 */

/** Job states after which no result will appear unless it already did. */
export const TERMINAL_STATES: ReadonlySet<string> = new Set(["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "SPECIAL_EXIT", "REVOKED"]);
/** Died for reasons outside the stage: worth another attempt. TIMEOUT and OUT_OF_MEMORY would fail the same way again. */
export const RETRYABLE_STATES: ReadonlySet<string> = new Set(["NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "FAILED", "REQUEUED", "UNKNOWN"]);
/** sbatch errors that no retry can fix. */
const PERMANENT_SUBMIT = /invalid|not valid|unrecognized|unknown|not available|must be|no partition|permission|denied|not found|command not found|exceed|too many/i;

export interface SbatchJob {
  readonly experiment: string;
  /** Names the job's stages: one instance, or "first+N" for a batch. */
  readonly label: string;
  /** The job's working directory (the lab's workspace). */
  readonly workspace: string;
  /** SLURM's `--output` pattern (with `%j`). */
  readonly output: string;
  readonly resources: Resources;
  /** The command before `exec-stage`, e.g. [node, dist/cli.mjs]. */
  readonly command: readonly string[];
  /** The job spec files `exec-stage` runs, one after another. */
  readonly specFiles: readonly string[];
}

/** A job name SLURM accepts (no spaces or shell metacharacters), at most 200 characters. */
export const jobName = (experiment: string, label: string) => `lcl:${experiment}:${label}`.replace(/[^A-Za-z0-9_.:=,[\]+-]/g, "_").slice(0, 200);

/** `sbatch` arguments for one job; the last one is the `--wrap` command. */
export function sbatchArgs(j: SbatchJob): string[] {
  return [
    "--parsable", `--job-name=${jobName(j.experiment, j.label)}`, `--chdir=${j.workspace}`, `--output=${j.output}`,
    ...sbatchResourceArgs(j.resources),
    `--wrap=exec ${[...j.command, "exec-stage", ...j.specFiles].map(shellQuote).join(" ")}`,
  ];
}

/** The job id `sbatch --parsable` printed ("123", "123;cluster" or an array task "123_4"), if any. */
export const parseSbatchJobId = (stdout: string): string | undefined => /^(\d+(?:_\d+)?)(?:;.*)?$/m.exec(stdout.trim())?.[1];

/** sbatch's complaint without its "sbatch: error: " prefixes. */
export const sbatchError = (r: { readonly code: number; readonly stdout: string; readonly stderr: string }) =>
  (r.stderr || r.stdout).trim().replace(/^sbatch: error: /gm, "") || `exit code ${r.code}`;

/** Whether an sbatch error is one no retry can fix (bad partition, too many resources, no permission). */
export const isPermanentSubmitError = (message: string) => PERMANENT_SUBMIT.test(message);

/** `squeue` arguments listing these jobs as "id|state|reason|nodes". */
export const squeueArgs = (ids: readonly string[]) => ["-h", "-o", "%i|%T|%r|%N", "-j", ids.join(",")];

export interface QueueState { readonly state: string; readonly reason: string; readonly node: string }

/** `squeue -o "%i|%T|%r|%N"` output → state per job id ("None" as a reason means none). */
export function parseSqueue(stdout: string): Map<string, QueueState> {
  const states = new Map<string, QueueState>();
  for (const line of stdout.split("\n")) {
    const [id, state, reason, node] = line.trim().split("|");
    if (id && state) states.set(id, { state, reason: reason && reason !== "None" ? reason : "", node: node ?? "" });
  }
  return states;
}

/** squeue fails with "Invalid job id" for jobs it has purged (after MinJobAge), even next to live ones. */
export const isInvalidJobId = (stderr: string) => /invalid job id/i.test(stderr);

/** `sacct` arguments for a job's final state and exit code. */
export const sacctArgs = (jobId: string) => ["-n", "-X", "-P", "-j", jobId, "-o", "State,ExitCode"];

/** `sacct -P -o State,ExitCode` output → the job's final state ("CANCELLED by 0" → CANCELLED); UNKNOWN without accounting. */
export function parseSacct(code: number, stdout: string): { state: string; reason: string } {
  const [state, exit] = (code === 0 ? stdout.trim().split("\n")[0] ?? "" : "").split("|");
  const s = (state ?? "").split(" ")[0]!;
  return s ? { state: s, reason: exit && exit !== "0:0" ? `exit ${exit}` : "" } : { state: "UNKNOWN", reason: "left the queue without a result (no accounting to say why)" };
}

/** What to do about a job that ended in `state` without a result. */
export function lostJobHint(state: string): string {
  switch (state) {
    case "TIMEOUT": return " — raise resources.time (YAML) or --time";
    case "OUT_OF_MEMORY": return " — raise resources.mem (YAML) or --mem";
    case "CANCELLED": return " — cancelled outside lcl";
    case "COMPLETED": return " — the job finished but its result is not in the store: is the store on a filesystem every node shares (LCL_STORE)?";
    default: return "";
  }
}

/** Exponential backoff: `base` doubled per earlier attempt, capped at 5 minutes. */
export const backoffMs = (base: number, attempt: number) => Math.min(base * 2 ** (attempt - 1), 300_000);

/** Quote for `sh` (sbatch --wrap runs the command through a shell). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

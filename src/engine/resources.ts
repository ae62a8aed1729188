import { Schema } from "effect";

/**
 * What a stage asks of a cluster scheduler: CPUs, memory, wall time, GPUs, a partition and any
 * further sbatch options. A stage kind may declare defaults (`resources` in defineStage), a
 * pipeline node may override them (`resources:` in pipelines/*.yaml), and `lcl run --executor
 * slurm --cpus … --mem …` gives the defaults for stages that say nothing. Resources never enter
 * the fingerprint: they change where and how fast a stage runs, not what it computes.
 */
export const RESOURCE_KEYS = ["cpus", "mem", "time", "gpus", "partition", "sbatch"] as const;

const MEM = /^\d+(\.\d+)?[KMGT]?$/;
// SLURM's --time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
const TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}|\d+-\d{1,2}:\d{1,2}|\d+-\d{1,2}:\d{1,2}:\d{1,2})$/;

export const ResourcesSchema = Schema.Struct({
  cpus: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  mem: Schema.optionalKey(Schema.String.check(Schema.isPattern(MEM, { message: "memory is a number with an optional unit K, M, G or T (SLURM's --mem), e.g. 4G or 500M" }))),
  time: Schema.optionalKey(Schema.String.check(Schema.isPattern(TIME, { message: "time is SLURM's --time: minutes, HH:MM:SS or D-HH:MM, e.g. \"30\" or \"2:00:00\"" }))),
  gpus: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  partition: Schema.optionalKey(Schema.String),
  sbatch: Schema.optionalKey(Schema.Array(Schema.String)),
});

export interface Resources {
  readonly cpus?: number;
  readonly mem?: string;
  readonly time?: string;
  readonly gpus?: number;
  readonly partition?: string;
  /** Further sbatch options, verbatim (`--account=lab`, `--qos=short`, `--constraint=avx2`). */
  readonly sbatch?: readonly string[];
}

/** Later layers win field by field; `sbatch` lists are concatenated (a later option overrides an earlier one in sbatch itself). */
export function mergeResources(...layers: readonly (Resources | undefined)[]): Resources {
  const out: { -readonly [K in keyof Resources]: Resources[K] } = {};
  for (const l of layers) {
    if (!l) continue;
    for (const k of RESOURCE_KEYS) {
      const v = l[k];
      if (v === undefined) continue;
      if (k === "sbatch") out.sbatch = [...(out.sbatch ?? []), ...(v as readonly string[])];
      else (out as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}

/** sbatch options for these resources. */
export function sbatchResourceArgs(r: Resources): string[] {
  const a: string[] = [];
  if (r.partition) a.push(`--partition=${r.partition}`);
  if (r.cpus) a.push(`--cpus-per-task=${r.cpus}`);
  if (r.mem) a.push(`--mem=${r.mem}`);
  if (r.time) a.push(`--time=${r.time}`);
  if (r.gpus) a.push(`--gpus=${r.gpus}`);
  a.push(...(r.sbatch ?? []));
  return a;
}

/** undefined if valid, else what is wrong (for command-line resources; YAML goes through the Schema with positions). */
export function checkResources(r: Resources): string | undefined {
  const res = Schema.decodeUnknownResult(ResourcesSchema as any)(r) as { _tag: string };
  if (res._tag === "Success") return undefined;
  if (r.mem !== undefined && !MEM.test(r.mem)) return `--mem ${r.mem}: memory is a number with an optional unit K, M, G or T, e.g. 4G`;
  if (r.time !== undefined && !TIME.test(r.time)) return `--time ${r.time}: use minutes, HH:MM:SS or D-HH:MM, e.g. 2:00:00`;
  if (r.cpus !== undefined && r.cpus < 1) return `--cpus ${r.cpus}: at least 1`;
  if (r.gpus !== undefined && r.gpus < 0) return `--gpus ${r.gpus}: 0 or more`;
  return "invalid resources";
}

/** A SLURM --time value in milliseconds (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS); undefined if malformed. */
export function timeLimitMs(time: string): number | undefined {
  if (!TIME.test(time)) return undefined;
  const [d, rest] = time.includes("-") ? [Number(time.split("-")[0]), time.split("-")[1]!] : [0, time];
  const parts = rest.split(":").map(Number);
  let secs: number;
  if (time.includes("-")) secs = (parts[0] ?? 0) * 3600 + (parts[1] ?? 0) * 60 + (parts[2] ?? 0);
  else secs = parts.length === 1 ? parts[0]! * 60 : parts.length === 2 ? parts[0]! * 60 + parts[1]! : parts[0]! * 3600 + parts[1]! * 60 + parts[2]!;
  return (d * 86_400 + secs) * 1000;
}

import { Schema, SchemaIssue } from "effect";

/**
 * The shapes of the JSON files lcl reads back from the store (stage and failure records, run
 * records, experiment refs, lease owner files). The store may be shared, hand-edited or damaged,
 * so nothing read from it is trusted: every file is checked against its schema before use, and
 * every hash in it must be 64 hex digits before it becomes part of a path (a ref naming
 * `../../x` as an object must never make lcl touch `x`).
 */

export const HEX64 = /^[0-9a-f]{64}$/;
export const Hash = Schema.String.check(Schema.isPattern(HEX64, { message: "a sha256 hash: 64 lowercase hex digits" }));
const Count = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0));
const Str = Schema.String;

const ColumnSummary = Schema.Struct({
  name: Str, type: Str, nulls: Schema.Number,
  min: Schema.optionalKey(Schema.Union([Schema.Number, Str, Schema.Null])),
  max: Schema.optionalKey(Schema.Union([Schema.Number, Str, Schema.Null])),
  mean: Schema.optionalKey(Schema.Union([Schema.Number, Str, Schema.Null])), std: Schema.optionalKey(Schema.Union([Schema.Number, Str, Schema.Null])),
  distinct: Schema.optionalKey(Schema.Number),
});

export const OutputRecordFile = Schema.Struct({
  kind: Schema.Literals(["table", "tensors", "json", "file"]),
  object: Hash,
  logical: Str,
  bytes: Count,
  format: Schema.optionalKey(Str),
  rows: Schema.optionalKey(Count),
  schema: Schema.optionalKey(Schema.Record(Str, Str)),
  columns: Schema.optionalKey(Schema.Array(ColumnSummary)),
});

const FingerprintDataFile = Schema.Struct({
  scheme: Schema.Number,
  stage: Schema.Struct({ kind: Str, version: Schema.Number }),
  code: Schema.Struct({ files: Schema.Record(Str, Schema.Unknown), packages: Schema.optionalKey(Schema.Unknown) }),
  params: Schema.Record(Str, Schema.Unknown),
  env: Schema.Struct({ backend: Schema.optionalKey(Str), vars: Schema.Record(Str, Schema.NullOr(Str)) }),
  files: Schema.Record(Str, Str),
  inputs: Schema.Record(Str, Schema.Union([Str, Schema.Record(Str, Str)])),
});
const CodeDetailFile = Schema.Record(Str, Schema.Record(Str, Str));

export const StageRecordFile = Schema.Struct({
  fingerprint: Hash,
  data: FingerprintDataFile,
  codeDetail: CodeDetailFile,
  instance: Str,
  experiment: Str,
  outputs: Schema.Record(Str, OutputRecordFile),
  metrics: Schema.Record(Str, Schema.NullOr(Schema.Number)),
  startedAt: Str,
  finishedAt: Str,
  durationMs: Schema.Number,
  backend: Str,
  host: Str,
  pid: Schema.Number,
  log: Str,
  resumedFrom: Schema.optionalKey(Schema.Struct({ step: Schema.Number, savedAt: Str })),
});

export const FailureRecordFile = Schema.Struct({
  fingerprint: Hash, data: FingerprintDataFile, codeDetail: CodeDetailFile, instance: Str, error: Str, at: Str, log: Str,
});

const RunStageFile = Schema.Struct({
  node: Str,
  fingerprint: Schema.optionalKey(Hash),
  status: Schema.Literals(["cached", "ran", "failed", "skipped", "interrupted"]),
  durationMs: Schema.optionalKey(Schema.Number),
  startedAt: Schema.optionalKey(Str),
  finishedAt: Schema.optionalKey(Str),
  error: Schema.optionalKey(Str),
  outputs: Schema.optionalKey(Schema.Record(Str, OutputRecordFile)),
  recordBytes: Schema.optionalKey(Count),
});

export const RunRecordFile = Schema.Struct({
  id: Str,
  experiment: Str,
  argv: Schema.Array(Str),
  startedAt: Str,
  finishedAt: Str,
  status: Schema.Literals(["ok", "failed", "interrupted"]),
  backend: Str,
  host: Str,
  stages: Schema.Record(Str, RunStageFile),
  workspace: Schema.optionalKey(Str),
});

export const ExperimentRefFile = Schema.Struct({
  experiment: Str,
  run: Str,
  updatedAt: Str,
  stages: Schema.Record(Str, RunStageFile),
});

export const LeaseOwnerFile = Schema.Struct({
  host: Str, pid: Count, startedAt: Str, purpose: Str, token: Schema.optionalKey(Str), beatAt: Schema.optionalKey(Str),
});

const format = SchemaIssue.makeFormatterStandardSchemaV1();

/**
 * Check parsed JSON against a file schema. Returns the value as read (extra keys kept, so a newer
 * lcl's additions survive a rewrite) or the first few problems, each with the field's path.
 */
export function checkFile<S extends Schema.Top>(schema: S, raw: unknown): { ok: true; value: S["Type"] } | { ok: false; problem: string } {
  const result = Schema.decodeUnknownResult(schema as any)(raw, { errors: "all" }) as any;
  if (result._tag === "Success") return { ok: true, value: raw as S["Type"] };
  const issues = format(result.failure.issue).issues;
  const problem = issues.slice(0, 3).map(({ path, message }) => `${path?.length ? `${path.join(".")}: ` : ""}${message}`).join("; ")
    + (issues.length > 3 ? ` (and ${issues.length - 3} more)` : "");
  return { ok: false, problem };
}

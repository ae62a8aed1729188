import type { Schema } from "effect";
import type { Ports, StageKind } from "../engine/contract/index.js";

export type { StageContext, StageKind } from "../engine/contract/index.js";

/** Identity at runtime; exists so TypeScript infers params/inputs/outputs types for `run`. */
export function defineStage<S extends Schema.Top, const I extends Ports, const O extends Ports>(kind: StageKind<S, I, O>): StageKind<S, I, O> {
  return kind;
}

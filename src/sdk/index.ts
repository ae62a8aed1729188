/** The stage author's API: everything a module in `stages/` needs, and nothing about hashing or storage. */
export { Schema } from "effect";
export * as arrow from "apache-arrow";
export { defineStage } from "./stage.js";
export type { StageKind, StageContext } from "./stage.js";
export { port } from "./ports.js";
export type { Port, Ports, Tensor, TensorSet, DType, TypedArray, Variant } from "./ports.js";
export { param } from "./params.js";
export { makeRng } from "./rng.js";
export type { Rng } from "./rng.js";
export type { TableSpec, ColumnType } from "../engine/contract/index.js";
/** TensorFlow.js with the run's backend active: `const tf = await tensorflow(ctx.backend)` (set `usesBackend: true`). */
export { tensorflow } from "../compute/backend.js";
export type { Tf } from "../compute/backend.js";
export { readTableFile } from "./table-file.js";

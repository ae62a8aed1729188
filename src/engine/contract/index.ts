/**
 * The contract between the engine and stage code, in one place: what a stage kind declares (ports,
 * table specs, resources), what it gets when it runs (context, checkpoints, rng, tensors), and the
 * table-file reader. The engine and the SDK both import it; the SDK re-exports it and adds the
 * builders (defineStage, port, param). It imports nothing outside src/engine.
 */
export type * from "./ports.js";
export type { StageContext, StageKind } from "./stage.js";
export { hash32, makeRng, type Rng } from "./rng.js";
export type { ColumnType, TableSpec } from "../table/index.js";
export type { Checkpoint, Checkpoints } from "../checkpoint.js";
export type { Resources } from "../resources.js";
export { readTableFile } from "../table/file.js";

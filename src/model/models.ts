import type { Tf } from "../compute/backend.js";
import type { TensorSet } from "../sdk/ports.js";
import { loadParams, resnetModel, type ClassifierArchitecture, type Model } from "./classifier.js";
import { cornetModel, type CornetArchitecture } from "./cornet.js";

/** A trained classifier artifact (tensor set + architecture JSON) → a model ready to evaluate. */
export function modelFromArtifact(tf: Tf, arch: unknown, set: TensorSet): Model {
  const format = (arch as { format?: string })?.format;
  if (format === "lcl-classifier") return resnetModel(tf, loadParams(tf, set), arch as ClassifierArchitecture);
  if (format === "cornet-s") return cornetModel(tf, loadParams(tf, set), arch as CornetArchitecture);
  throw new Error(`not a classifier architecture (format ${JSON.stringify(format)}); wire it to a classifier or cornet-s stage's 'architecture' output`);
}

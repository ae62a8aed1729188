import { contentKey } from "./corpus.js";

/**
 * Held-out stimuli: a model must not be tested on the photographs it was trained on. Training
 * images and stimulus sources are natural-images ids (content-derived, see `imageId`), compared
 * by content so the same photo counts however it was fetched.
 */
export class OverlapError extends Error { override name = "OverlapError"; }

/** The images both lists share (by content), each named as the training side names it; sorted. */
export function overlappingImages(training: readonly string[], sources: readonly string[]): string[] {
  const used = new Set(sources.filter(Boolean).map(contentKey));
  return [...new Set(training.filter((id) => used.has(contentKey(id))))].sort();
}

/**
 * Throws OverlapError naming every stimulus source the model was trained on, and how to hold it out.
 * `model` and `stimuli` say where the two lists come from (for the message).
 */
export function assertHeldOut(training: readonly string[], sources: readonly string[], where: { model: string; stimuli: string }): void {
  const shared = overlappingImages(training, sources);
  if (!shared.length) return;
  const list = shared.slice(0, 20).join(", ") + (shared.length > 20 ? `, … (${shared.length} in all)` : "");
  throw new OverlapError(
    `${where.stimuli} are cut from ${shared.length} image(s) that ${where.model} was trained on: ${list}. ` +
    "Test stimuli must be held out of training: give the training `natural-images` node `exclude: [<package or image id>, …]` " +
    "(e.g. the packages the stimuli come from), or take the stimuli from other photos.",
  );
}

/** The distinct, sorted non-empty ids of a column of image ids (e.g. a pairs table's `image`). */
export function distinctImages(ids: Iterable<unknown>): string[] {
  const out = new Set<string>();
  for (const v of ids) if (typeof v === "string" && v) out.add(v);
  return [...out].sort();
}

/**
 * `assertHeldOut` when both sides are known; otherwise a warning saying what could not be checked
 * (a front-end from outside lcl, or stimuli without a `source` column).
 */
export function checkHeldOut(training: readonly string[] | undefined, sources: readonly string[] | undefined, where: { model: string; stimuli: string }): string | undefined {
  if (!training) return `${where.model} does not record the images it was trained on (no training_images); cannot check that ${where.stimuli} are held out`;
  if (!sources) return `${where.stimuli} have no 'source' column; cannot check that they are held out of ${where.model}'s training images`;
  assertHeldOut(training, sources, where);
  return undefined;
}

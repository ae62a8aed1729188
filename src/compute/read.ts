import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "./backend.js";

/**
 * Read tensors into typed arrays and dispose them. Use it on what a tf.tidy returns instead of
 * returning typed arrays from the tidy: tidy walks its result for tensors to keep and treats a
 * typed array as a container, visiting every element (and adding it to a Set) — measured at
 * ~100 ms per classifier step for 4 shards' gradients.
 */
export function readAll(tf: Tf, tensors: readonly tfc.Tensor[]): Float32Array[] {
  try { return tensors.map((t) => t.dataSync() as Float32Array); } finally { tf.dispose([...tensors]); }
}

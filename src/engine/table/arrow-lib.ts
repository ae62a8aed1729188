import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

type Arrow = typeof import("apache-arrow");

/**
 * apache-arrow, loaded on first use: importing it costs about a third of the CLI's module loading,
 * and status/plan/why/no-op run never touch a table. It is the package's ESM entry (what
 * `import "apache-arrow"` resolves to here) loaded with require(esm), so it is the very module
 * instance stages get, and `instanceof arrow.Table` holds across both.
 */
let lib: Arrow | undefined;
export function arrowLib(): Arrow {
  return (lib ??= createRequire(import.meta.url)(fileURLToPath(import.meta.resolve("apache-arrow"))) as Arrow);
}

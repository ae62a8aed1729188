import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: "test-output/vitest.json" }]],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests spawn the real CLI; two cores, so keep file-level parallelism modest.
    maxWorkers: 2,
  },
});

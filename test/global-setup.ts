import { build } from "../scripts/build.mjs";

/** Build dist/ once before the suite, so parallel test files never race to rebuild it. */
export default async function setup() {
  await build();
}

#!/usr/bin/env node
// Entry point: load TypeScript sources (lcl's and the workspace's stage modules) through tsx,
// so `npx lcl` works right after `npm ci` with no build step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");

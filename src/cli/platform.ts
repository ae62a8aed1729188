import * as Effect from "effect/Effect";
import * as FileSystem from "effect/FileSystem";
import * as Layer from "effect/Layer";
import * as Path from "effect/Path";
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner";
import * as Runtime from "effect/Runtime";
import * as Sink from "effect/Sink";
import * as Stdio from "effect/Stdio";
import * as Stream from "effect/Stream";
import * as Terminal from "effect/Terminal";

/**
 * What effect/cli needs from the host, for lcl's commands only — instead of @effect/platform-node,
 * whose releases (and their undici) declare Node ≥ 22 and print EBADENGINE on every `npm ci` on
 * Node 20. lcl's flags and arguments are plain strings and numbers: effect/cli never touches the
 * file system, spawns a process or prompts for them, so those services refuse with a reason.
 */
const unsupported = (what: string) => Effect.die(new Error(`lcl's CLI does not ${what} (interactive prompts and file-typed flags are not used)`));

const stdio = Layer.succeed(Stdio.Stdio, Stdio.make({
  args: Effect.sync(() => process.argv.slice(2)),
  stdinIsTerminal: Effect.sync(() => process.stdin.isTTY === true),
  stdoutIsTerminal: Effect.sync(() => process.stdout.isTTY === true),
  stderrIsTerminal: Effect.sync(() => process.stderr.isTTY === true),
  stdout: () => Sink.forEach((chunk: string | Uint8Array) => Effect.sync(() => { process.stdout.write(chunk); })),
  stderr: () => Sink.forEach((chunk: string | Uint8Array) => Effect.sync(() => { process.stderr.write(chunk); })),
  stdin: Stream.die(new Error("lcl's CLI does not read standard input")),
}));

const terminal = Layer.succeed(Terminal.Terminal, Terminal.make({
  columns: Effect.sync(() => process.stdout.columns ?? 0),
  rows: Effect.sync(() => process.stdout.rows ?? 0),
  size: unsupported("track the terminal size"),
  readInput: unsupported("read key presses"),
  readLine: unsupported("read lines from the terminal"),
  display: (text) => Effect.sync(() => { process.stdout.write(text); }),
}));

const spawner = Layer.succeed(ChildProcessSpawner.ChildProcessSpawner, ChildProcessSpawner.make(() => unsupported("spawn processes through effect")));

/** FileSystem (refusing), Path (posix), Stdio (this process), Terminal (output only), ChildProcessSpawner (refusing). */
export const cliServices = Layer.mergeAll(FileSystem.layerNoop({}), Path.layer, stdio, terminal, spawner);

/** Named so the executor can tell lcl's own exit from a stage's `process.exit` (src/engine/executor.ts). */
function lclRuntimeExit(code: number): never { return process.exit(code); }

/**
 * Runs the CLI's main effect: SIGINT/SIGTERM interrupt it (running stages stop cleanly), and the
 * process exits with the effect's exit code. Same teardown as @effect/platform-node's runMain.
 */
export const runMain = Runtime.makeRunMain(({ fiber, teardown }) => {
  let receivedSignal = false;
  const onSignal = () => { receivedSignal = true; fiber.interruptUnsafe(fiber.id); };
  fiber.addObserver((exit) => {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    teardown(exit, (code) => { if (receivedSignal || code !== 0) lclRuntimeExit(code); });
  });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
});

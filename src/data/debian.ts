import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Debian data packages as a data source, without installing anything system-wide:
 * `apt-get download` the pinned version into a cache, `dpkg-deb -x` it next to it. A package is
 * extracted once (a marker file says so) and reused by every later run.
 */
export interface DebPackage { readonly name: string; readonly version: string }

export class AptUnavailable extends Error { override name = "AptUnavailable"; }

async function hasCommand(cmd: string) {
  try { await run("sh", ["-c", `command -v ${cmd}`]); return true; } catch { return false; }
}

/** Returns the folder the package's files were extracted into (its `usr/share/...` lives below). */
export async function fetchDebian(pkg: DebPackage, cacheDir: string, log: (m: string) => void): Promise<string> {
  const root = path.join(cacheDir, "root", `${pkg.name}_${pkg.version.replace(/[:~]/g, "_")}`);
  const done = path.join(root, ".extracted");
  if (existsSync(done)) return root;
  if (!(await hasCommand("apt-get")) || !(await hasCommand("dpkg-deb"))) {
    throw new AptUnavailable("apt-get/dpkg-deb are not available, so Debian data packages cannot be fetched; set `source: folder` and `folder: <path to your images>` instead");
  }
  const debs = path.join(cacheDir, "debs");
  mkdirSync(debs, { recursive: true });
  const spec = `${pkg.name}=${pkg.version}`;
  log(`apt-get download ${spec}`);
  try {
    await run("apt-get", ["download", spec], { cwd: debs });
  } catch (e) {
    // A fresh machine has no package lists yet.
    log(`apt-get download failed (${String((e as Error).message).split("\n")[0]}); running apt-get update once`);
    await run("apt-get", ["update"]);
    await run("apt-get", ["download", spec], { cwd: debs });
  }
  const deb = readdirSync(debs).find((f) => f.startsWith(`${pkg.name}_`) && f.endsWith(".deb") && decodeURIComponent(f).includes(pkg.version));
  if (!deb) throw new Error(`apt-get download ${spec} produced no .deb in ${debs}`);
  const tmp = `${root}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await run("dpkg-deb", ["-x", path.join(debs, deb), tmp]);
  writeFileSync(path.join(tmp, ".extracted"), `${deb}\n`);
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  return root;
}

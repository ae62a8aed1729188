import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Debian data packages as a data source, without installing anything system-wide:
 * `apt-get download` the pinned version into a cache, `dpkg-deb -x` it next to it. A package is
 * extracted once (a marker file says so) and reused by every later run. Safe when several stages
 * (in this process or others: a sweep over seeds, two `lcl run`s) ask for the same package at once:
 * one extraction per process, each into its own temporary folder, and the first to finish wins.
 */
export interface DebPackage { readonly name: string; readonly version: string }

export class AptUnavailable extends Error { override name = "AptUnavailable"; }

async function hasCommand(cmd: string) {
  try { await run("sh", ["-c", `command -v ${cmd}`]); return true; } catch { return false; }
}

const inFlight = new Map<string, Promise<string>>();

/** Returns the folder the package's files were extracted into (its `usr/share/...` lives below). */
export function fetchDebian(pkg: DebPackage, cacheDir: string, log: (m: string) => void): Promise<string> {
  const root = path.join(cacheDir, "root", `${pkg.name}_${pkg.version.replace(/[:~]/g, "_")}`);
  if (existsSync(path.join(root, ".extracted"))) return Promise.resolve(root);
  let pending = inFlight.get(root);
  if (!pending) {
    pending = fetchOnce(pkg, cacheDir, root, log).finally(() => inFlight.delete(root));
    inFlight.set(root, pending);
  }
  return pending;
}

async function fetchOnce(pkg: DebPackage, cacheDir: string, root: string, log: (m: string) => void): Promise<string> {
  const done = path.join(root, ".extracted");
  const unique = `${process.pid}-${randomBytes(4).toString("hex")}`;
  if (!(await hasCommand("apt-get")) || !(await hasCommand("dpkg-deb"))) {
    throw new AptUnavailable("apt-get/dpkg-deb are not available, so Debian data packages cannot be fetched; set `source: folder` and `folder: <path to your images>` instead");
  }
  const debs = path.join(cacheDir, "debs");
  mkdirSync(debs, { recursive: true });
  const spec = `${pkg.name}=${pkg.version}`;
  const findDeb = (dir: string) => readdirSync(dir).find((f) => f.startsWith(`${pkg.name}_`) && f.endsWith(".deb") && decodeURIComponent(f).includes(pkg.version));
  let deb = findDeb(debs);
  if (!deb) {
    // Download into a folder of our own and move the file in whole: another process may be downloading it too.
    const dl = path.join(debs, `.download-${unique}`);
    mkdirSync(dl, { recursive: true });
    try {
      log(`apt-get download ${spec}`);
      try {
        await run("apt-get", ["download", spec], { cwd: dl });
      } catch (e) {
        // A fresh machine has no package lists yet.
        log(`apt-get download failed (${String((e as Error).message).split("\n")[0]}); running apt-get update once`);
        await run("apt-get", ["update"]);
        await run("apt-get", ["download", spec], { cwd: dl });
      }
      deb = findDeb(dl);
      if (!deb) throw new Error(`apt-get download ${spec} produced no .deb in ${dl}`);
      renameSync(path.join(dl, deb), path.join(debs, deb));
    } finally { rmSync(dl, { recursive: true, force: true }); }
  }
  const tmp = `${root}.tmp-${unique}`;
  mkdirSync(tmp, { recursive: true });
  try {
    await run("dpkg-deb", ["-x", path.join(debs, deb), tmp]);
    writeFileSync(path.join(tmp, ".extracted"), `${deb}\n`);
    if (existsSync(done)) return root; // another process finished first: keep its copy
    rmSync(root, { recursive: true, force: true });
    try { renameSync(tmp, root); } catch (e) { if (!existsSync(done)) throw e; }
    return root;
  } finally { rmSync(tmp, { recursive: true, force: true }); }
}

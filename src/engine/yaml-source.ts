import { readFileSync } from "node:fs";
import * as path from "node:path";
import { saveCacheJson } from "./atomic.js";
import { isDeepStrictEqual } from "node:util";
import { sha256 } from "./canonical.js";
import { LineCounter, isAlias, isMap, isNode, isPair, isScalar, parseDocument, visit, type Document } from "yaml";
import { ConfigError, type Diagnostic } from "./errors.js";

/** Aliases a file may expand (`*name`): enough for any real config, far below an alias bomb ("billion laughs"). */
export const MAX_ALIAS_COUNT = 1000;

/**
 * A YAML file's text, strictly UTF-8: invalid bytes are an error at their line and column
 * instead of being replaced by U+FFFD (which would silently change a path or a name).
 */
export function readYamlText(file: string, display: string): string {
  const bytes = readFileSync(file);
  try { return new TextDecoder("utf-8", { fatal: true }).decode(bytes); } catch {
    // The shortest invalid prefix (validity of prefixes is monotone) ends at the first bad byte.
    let lo = 0, hi = bytes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      try { new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true }); lo = mid + 1; } catch { hi = mid; }
    }
    // A lead byte is rejected only when the byte after it is not a continuation: point at the lead byte.
    try { new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, lo)); } catch {
      for (let i = lo - 1; i >= Math.max(0, lo - 3); i--) if (bytes[i]! >= 0xc0) { lo = i; break; }
    }
    const before = bytes.subarray(0, lo);
    const lineStart = before.lastIndexOf(0x0a) + 1;
    const line = before.reduce((n, b) => n + (b === 0x0a ? 1 : 0), 1);
    const col = new TextDecoder().decode(bytes.subarray(lineStart, lo)).length + 1;
    throw new ConfigError({ diagnostics: [{ file: display, line, col,
      message: `not valid UTF-8: byte 0x${bytes[lo]!.toString(16).padStart(2, "0")} at byte offset ${lo}`,
      fix: "save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`), or replace the character" }] });
  }
}

export type YamlPath = readonly (string | number)[];

/**
 * The plain data of YAML files that parsed cleanly, by file and sha256 of the text, kept under
 * `.lcl/cache/`: parsing the experiments and pipeline files with positions (the `yaml` package)
 * is a good part of `lcl status`'s start-up, and their data only changes with their text. Files
 * with errors are never cached, so every diagnostic still comes from a real parse.
 */
export class YamlValueCache {
  #entries: Record<string, { sha: string; value: unknown }> | undefined;
  #dirty = false;
  constructor(readonly file: string) {}

  #all() {
    if (!this.#entries) { try { this.#entries = JSON.parse(readFileSync(this.file, "utf8")); } catch { this.#entries = {}; } }
    return this.#entries!;
  }
  get(display: string, text: string): unknown {
    const e = this.#all()[display];
    return e && e.sha === sha256(text) ? structuredClone(e.value) : undefined;
  }
  put(display: string, text: string, value: unknown) {
    // Only data JSON gives back unchanged (no .inf, NaN, dates…).
    try { if (!isDeepStrictEqual(JSON.parse(JSON.stringify(value)), value)) return; } catch { return; }
    this.#all()[display] = { sha: sha256(text), value: structuredClone(value) };
    this.#dirty = true;
    this.save();
  }
  save() {
    if (!this.#dirty) return;
    this.#dirty = false;
    saveCacheJson(this.file, this.#all());
  }
}

/**
 * A YAML file that can map any field path back to line:col for error messages. Parsed on first
 * need: a file whose data is in the cache is not parsed unless a diagnostic needs a position.
 */
export class YamlSource {
  #doc: Document.Parsed | undefined;
  readonly #lines = new LineCounter();
  #syntaxErrors: Diagnostic[] | undefined;
  readonly #cached: unknown;

  constructor(readonly file: string, readonly text: string, private readonly cache?: YamlValueCache) {
    this.#cached = cache?.get(file, text);
  }

  get doc(): Document.Parsed {
    if (!this.#doc) {
      const doc = parseDocument(this.text, { lineCounter: this.#lines, prettyErrors: true, uniqueKeys: true });
      this.#doc = doc;
      this.#syntaxErrors = [...doc.errors, ...doc.warnings].map((e) => {
        const pos = e.linePos?.[0];
        return {
          file: this.file, line: pos?.line, col: pos?.col,
          message: `YAML ${e.name === "YAMLWarning" ? "warning" : "syntax error"}: ${firstLine(e.message)}`,
          fix: hintFor(e.code),
        };
      });
    }
    return this.#doc;
  }

  get syntaxErrors(): Diagnostic[] {
    if (this.#cached !== undefined) return []; // only clean files are cached
    void this.doc;
    return this.#syntaxErrors!;
  }

  /** The document as plain data; an alias bomb is a positioned config error, not an internal one. */
  toJS(): unknown {
    if (this.#cached !== undefined) return structuredClone(this.#cached);
    try {
      const value = this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      if (!this.syntaxErrors.length) this.cache?.put(this.file, this.text, value);
      return value;
    } catch (e) {
      if (!(e instanceof ReferenceError) || !/alias/i.test(e.message)) throw e;
      const bomb = /excessive/i.test(e.message);
      let at: { line: number; col: number } | undefined, name = "";
      visit(this.doc, { Alias: (_, node) => {
        if (at || !isAlias(node) || !node.range) return undefined;
        if (!bomb && node.resolve(this.doc)) return undefined; // looking for the unresolved one
        at = this.#lines.linePos(node.range[0]); name = node.source;
        return visit.BREAK;
      } });
      throw new ConfigError({ diagnostics: [{ file: this.file, ...(at ? { line: at.line, col: at.col } : {}),
        ...(bomb
          ? { message: `YAML aliases expand to too much data (more than ${MAX_ALIAS_COUNT} expansions: an alias bomb?)`, fix: "write the values out, or use fewer nested aliases" }
          : { message: `YAML alias *${name} has no anchor &${name} before it`, fix: `define &${name} earlier in the file, or write the value out` }) }] });
    }
  }

  /** Position of the value at `path`, or of its deepest existing ancestor. */
  locate(path: YamlPath): { line: number; col: number } | undefined {
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      const node = p.length ? this.doc.getIn(p, true) : this.doc.contents;
      if (isNode(node) && node.range) return this.#lines.linePos(node.range[0]);
      if (!p.length) return undefined;
    }
  }

  /** Position of the *key* at the end of `path` (for unknown keys, where the value is irrelevant). */
  locateKey(path: YamlPath): { line: number; col: number } | undefined {
    const parent = path.length > 1 ? this.doc.getIn(path.slice(0, -1), true) : this.doc.contents;
    if (isMap(parent)) {
      const last = path[path.length - 1];
      for (const item of parent.items) {
        if (isPair(item) && isScalar(item.key) && item.key.value === last && item.key.range) return this.#lines.linePos(item.key.range[0]);
      }
    }
    return this.locate(path);
  }

  diag(path: YamlPath, message: string, fix?: string, atKey = false): Diagnostic {
    const pos = atKey ? this.locateKey(path) : this.locate(path);
    return { file: this.file, line: pos?.line, col: pos?.col, field: path.join("."), message, ...(fix ? { fix } : {}) };
  }
}

function firstLine(s: string): string { return s.split("\n")[0] ?? s; }

function hintFor(code: string | undefined): string | undefined {
  switch (code) {
    case "DUPLICATE_KEY": return "remove or rename one of the duplicate keys";
    case "BAD_INDENT": case "BAD_INDENTATION": return "indent nested keys consistently with spaces (no tabs)";
    case "TAB_AS_INDENT": return "replace tabs with spaces";
    case "MISSING_CHAR": return "close the quote, bracket or brace that was opened";
    case "UNEXPECTED_TOKEN": return "check the line for a stray character or a missing ':' after a key";
    default: return "check the YAML syntax at this position";
  }
}

import { readFileSync } from "node:fs";
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

/** A parsed YAML file that can map any field path back to line:col for error messages. */
export class YamlSource {
  readonly doc: Document.Parsed;
  readonly #lines = new LineCounter();
  readonly syntaxErrors: Diagnostic[];

  constructor(readonly file: string, readonly text: string) {
    this.doc = parseDocument(text, { lineCounter: this.#lines, prettyErrors: true, uniqueKeys: true });
    this.syntaxErrors = [...this.doc.errors, ...this.doc.warnings].map((e) => {
      const pos = e.linePos?.[0];
      return {
        file, line: pos?.line, col: pos?.col,
        message: `YAML ${e.name === "YAMLWarning" ? "warning" : "syntax error"}: ${firstLine(e.message)}`,
        fix: hintFor(e.code),
      };
    });
  }

  /** The document as plain data; an alias bomb is a positioned config error, not an internal one. */
  toJS(): unknown {
    try { return this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }); } catch (e) {
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

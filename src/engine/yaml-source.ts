import { LineCounter, isMap, isNode, isPair, isScalar, parseDocument, type Document } from "yaml";
import type { Diagnostic } from "./errors.js";

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

  toJS(): unknown { return this.doc.toJS({ maxAliasCount: 1000 }); }

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

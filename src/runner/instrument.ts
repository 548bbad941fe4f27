// Turn a user's TypeScript/JavaScript file into code the runner can execute and explain:
// sucrase transpiles (TS → JS, import → require; lines are kept), then every binding of a variable is wrapped in
// `__bpn.bind("name", line, column, value)` so tensors get the user's names and places. Positions are
// mapped back through both steps, so every line and column we report is the user's.
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import * as path from "node:path";
import { transform } from "sucrase";
import MagicString from "magic-string";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import type { Place } from "../protocol/trace";

export interface PreparedScript {
  /** instrumented CommonJS body, to run inside the wrapper below */
  code: string;
  /** the user's place for a (1-based line, 0-based column) position in `code` */
  toOriginal(line: number, column: number): Place | undefined;
}

export class ScriptSyntaxError extends Error {
  constructor(message: string, readonly place: Place | undefined) {
    super(message);
    this.name = "SyntaxError";
  }
}

export const BPN = "__bpn";
/** The function the code runs in: its first line is the wrapper, hence the -1 line offset. */
export const WRAPPER_HEAD = `(function (exports, require, module, __filename, __dirname, ${BPN}) {\n`;

function lineColumnOf(text: string, pos: number): Place {
  let line = 1, start = 0;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) { line++; start = i + 1; }
  return { line, column: pos - start + 1 };
}

/** The last few prepared scripts: a re-run of unchanged text (Run, finite differences) skips this step. */
const prepared = new Map<string, PreparedScript>();
const PREPARED_KEPT = 4;

export function prepareScript(source: string, file: string, instrument = true): PreparedScript {
  const key = `${instrument ? "i" : "p"}:${file}\u0000${source}`;
  const hit = prepared.get(key);
  if (hit) return hit;
  const p = prepareUncached(source, file, instrument);
  prepared.set(key, p);
  if (prepared.size > PREPARED_KEPT) prepared.delete(prepared.keys().next().value!);
  return p;
}

function prepareUncached(source: string, file: string, instrument: boolean): PreparedScript {
  let out: { code: string; map: string };
  try {
    const r = transform(source, {
      transforms: /\.(c|m)?tsx?$/i.test(file) ? ["typescript", "imports"] : ["imports"],
      filePath: file, sourceMapOptions: { compiledFilename: path.basename(file) + ".js" },
      production: true, disableESTransforms: true,
    });
    out = { code: r.code, map: JSON.stringify(r.sourceMap) };
  } catch (e) {
    const err = e as Error & { pos?: number };
    const message = err.message.replace(/^Error transforming [^:]*: /, "").replace(/ \(\d+:\d+\)$/, "");
    throw new ScriptSyntaxError(message, typeof err.pos === "number" ? lineColumnOf(source, err.pos) : undefined);
  }
  const transpiledMap = new TraceMap(out.map);
  const fromTranspiled = (line: number, column: number): Place | undefined => {
    const p = originalPositionFor(transpiledMap, { line, column });
    return p.line === null ? undefined : { line: p.line, column: p.column + 1 };
  };
  if (!instrument) return { code: out.code, toOriginal: fromTranspiled };

  // positions from offsets through the line starts (acorn's own locations cost a fifth of its parse)
  const starts = lineStarts(out.code);
  const ast = acorn.parse(out.code, { ecmaVersion: "latest", sourceType: "script" });
  const s = new MagicString(out.code);
  // every insertion (offset in the transpiled code, length): none holds a newline, so lines stay put
  // and an executed column maps back by subtracting what was inserted before it on its line
  const inserted: [number, number][] = [];
  const insert = (at: number, text: string, side: "left" | "right") => {
    if (side === "left") s.appendLeft(at, text);
    else s.prependRight(at, text);
    inserted.push([at, text.length]);
  };
  const place = (node: acorn.Node) => {
    const line = lineAt(starts, node.start);
    return fromTranspiled(line + 1, node.start - starts[line]);
  };
  const call = (name: string, p: Place | undefined) =>
    `${BPN}.bind(${JSON.stringify(name)}, ${p?.line ?? 0}, ${p?.column ?? 0}, `;
  const wrap = (value: acorn.Node, name: string, at: acorn.Node) => {
    insert(value.start, call(name, place(at)), "left");
    insert(value.end, ")", "right");
  };
  const patternNames = (node: acorn.Node, out: acorn.Identifier[] = []): acorn.Identifier[] => {
    const n = node as acorn.Pattern;
    if (n.type === "Identifier") out.push(n);
    else if (n.type === "ObjectPattern") for (const p of n.properties) patternNames(p.type === "Property" ? p.value : p.argument, out);
    else if (n.type === "ArrayPattern") for (const e of n.elements) { if (e) patternNames(e, out); }
    else if (n.type === "RestElement") patternNames(n.argument, out);
    else if (n.type === "AssignmentPattern") patternNames(n.left, out);
    return out;
  };

  walk.ancestor(ast, {
    VariableDeclarator(node, _state, ancestors) {
      const d = node as acorn.VariableDeclarator;
      if (!d.init) return;
      if (d.id.type === "Identifier") {
        wrap(d.init, d.id.name, d.id);
        return;
      }
      // destructuring: bind each name right after the declaration statement
      const decl = ancestors[ancestors.length - 2];
      const parent = ancestors[ancestors.length - 3];
      if (!decl || !parent || !["Program", "BlockStatement", "StaticBlock", "SwitchCase"].includes(parent.type)) return;
      const binds = patternNames(d.id).map((id) => `${call(id.name, place(id))}${id.name});`).join(" ");
      insert(decl.end, ` ${binds}`, "left");
    },
    AssignmentExpression(node) {
      const a = node as acorn.AssignmentExpression;
      if (a.left.type !== "Identifier") return;
      // `x = v` binds v; `x += v` (and the other compound operators) binds the result, the new x
      if (a.operator === "=") wrap(a.right, a.left.name, a.left);
      else wrap(a, a.left.name, a.left);
    },
  });
  const code = s.toString();
  const byLine = insertionsByLine(starts, inserted);
  return {
    code,
    toOriginal(line, column) {
      let shift = 0;
      for (const [at, length] of byLine.get(line) ?? []) {
        if (column < at + shift) break;
        if (column < at + shift + length) return fromTranspiled(line, at); // inside inserted text
        shift += length;
      }
      return fromTranspiled(line, column - shift);
    },
  };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** 0-based line of an offset: the last line start ≤ it. */
function lineAt(starts: number[], offset: number): number {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid] <= offset) lo = mid; else hi = mid - 1; }
  return lo;
}

/** Insertions as (0-based column, length) per 1-based line, in column order. */
function insertionsByLine(starts: number[], inserted: [number, number][]): Map<number, [number, number][]> {
  const byLine = new Map<number, [number, number][]>();
  for (const [at, length] of inserted) {
    const line = lineAt(starts, at);
    const list = byLine.get(line + 1) ?? byLine.set(line + 1, []).get(line + 1)!;
    list.push([at - starts[line], length]);
  }
  for (const list of byLine.values()) list.sort((a, b) => a[0] - b[0]);
  return byLine;
}

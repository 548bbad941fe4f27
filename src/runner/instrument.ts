// Turn a user's TypeScript/JavaScript file into code the runner can execute and explain:
// sucrase transpiles (TS → JS, import → require; lines are kept), then every binding of a variable is wrapped in
// `__bpn.bind("name", line, column, value)` so tensors get the user's names and places. Positions are
// mapped back through both steps, so every line and column we report is the user's.
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import { transform } from "sucrase";
import MagicString from "magic-string";
import type { Place } from "../protocol/trace";
import { alignLine, commonEnds, sourceColumn, type LineMap } from "./align";

export interface PreparedScript {
  /** instrumented CommonJS body, to run inside the wrapper below */
  code: string;
  /** the user's place for a (1-based line, 0-based column) position in `code` */
  toOriginal(line: number, column: number): Place | undefined;
  /** statements were kept from the file's previous parse (so acorn never saw the whole program) */
  reusedParse?: boolean;
  /** only the edited lines were transpiled; the rest of the code came from the previous preparation */
  reusedTranspile?: boolean;
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

/**
 * Prepare `source` for running. With `reuse`, statements that an edit left alone keep their parse
 * from the file's previous preparation (see `reusableParse`); without it everything is parsed again.
 */
export function prepareScript(source: string, file: string, instrument = true, reuse = true): PreparedScript {
  const key = `${instrument ? "i" : "p"}:${file}\u0000${source}`;
  const hit = prepared.get(key);
  if (hit && (reuse || !hit.reusedParse)) return hit;
  const p = prepareUncached(source, file, instrument, reuse);
  prepared.set(key, p);
  if (prepared.size > PREPARED_KEPT) prepared.delete(prepared.keys().next().value!);
  return p;
}

/** What instrumentation adds for one binding, found in the parse of the transpiled code. */
type Binding =
  /** `name = value`: value (offsets [start, end)) becomes __bpn.bind(name, place of `at`, value) */
  | { kind: "wrap"; start: number; end: number; name: string; at: number }
  /** a destructuring declaration ending at `end`: each name is bound after it */
  | { kind: "after"; end: number; ids: { name: string; at: number }[] };

/** A top-level statement of the transpiled code with the bindings inside it, in walk order. */
interface Statement {
  start: number;
  end: number;
  /** its end does not depend on what follows (a `;`, or a block that closes it) */
  closed: boolean;
  /** a string-literal statement as acorn sees it where it was parsed (a directive if in the prologue) */
  directive?: string;
  bindings: Binding[];
}

/** The program is strict: its prologue (the leading string-literal statements) says "use strict". */
function isStrict(statements: Statement[]): boolean {
  for (const st of statements) {
    if (st.directive === undefined) return false;
    if (st.directive === "use strict") return true;
  }
  return false;
}

/** Per file, the last instrumented preparation: its source, transpiled code, map and statements. */
const lastParse = new Map<string, Previous>();
const PARSES_KEPT = 8;

interface Previous extends Transpiled {
  source: string;
  statements: Statement[];
}

/**
 * The transpiled code and, per line, how its columns map to the same line of the source (sucrase
 * keeps lines). Filled in as lines are asked for; a line's map depends only on the two lines' text.
 */
interface Transpiled {
  code: string;
  lineMaps: (LineMap | undefined)[];
}

function prepareUncached(source: string, file: string, instrument: boolean, reuse: boolean): PreparedScript {
  const previous = instrument && reuse ? lastParse.get(file) : undefined;
  const spliced = previous ? transpileEdit(previous, source, file) : undefined;
  const out = spliced ?? transpile(source, file);
  const codeLines = lineStarts(out.code), sourceLines = lineStarts(source);
  const fromTranspiled = (line: number, column: number): Place | undefined => {
    const i = line - 1;
    if (i < 0 || i >= codeLines.length || i >= sourceLines.length) return undefined;
    const text = lineText(source, sourceLines, i);
    const map = out.lineMaps[i] ??= alignLine(lineText(out.code, codeLines, i), text);
    return { line, column: sourceColumn(map, column, text.length) + 1 };
  };
  if (!instrument) return { code: out.code, toOriginal: fromTranspiled };

  const reused = spliced ? spliced.statements : previous && reusableParse(previous, out.code);
  const statements = reused ?? parseStatements(out.code, 0, out.code.length);
  lastParse.delete(file);
  lastParse.set(file, { code: out.code, lineMaps: out.lineMaps, source, statements });
  if (lastParse.size > PARSES_KEPT) lastParse.delete(lastParse.keys().next().value!);

  const s = new MagicString(out.code);
  // every insertion (offset in the transpiled code, length): none holds a newline, so lines stay put
  // and an executed column maps back by subtracting what was inserted before it on its line
  const inserted: [number, number][] = [];
  const insert = (at: number, text: string, side: "left" | "right") => {
    if (side === "left") s.appendLeft(at, text);
    else s.prependRight(at, text);
    inserted.push([at, text.length]);
  };
  // positions from offsets through the line starts (acorn's own locations cost a fifth of its parse)
  const place = (offset: number) => {
    const line = lineAt(codeLines, offset);
    return fromTranspiled(line + 1, offset - codeLines[line]);
  };
  const call = (name: string, p: Place | undefined) =>
    `${BPN}.bind(${JSON.stringify(name)}, ${p?.line ?? 0}, ${p?.column ?? 0}, `;
  for (const st of statements) {
    for (const b of st.bindings) {
      if (b.kind === "wrap") {
        insert(b.start, call(b.name, place(b.at)), "left");
        insert(b.end, ")", "right");
      } else {
        insert(b.end, ` ${b.ids.map((id) => `${call(id.name, place(id.at))}${id.name});`).join(" ")}`, "left");
      }
    }
  }
  const code = s.toString();
  const byLine = insertionsByLine(codeLines, inserted);
  return {
    code,
    reusedParse: reused !== undefined,
    reusedTranspile: spliced !== undefined,
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

const TS_FILE = /\.(c|m)?tsx?$/i;

/** TS → JS and import → require with sucrase (lines are kept). */
function transpile(source: string, file: string): Transpiled {
  let r: ReturnType<typeof transform>;
  try {
    r = transform(source, {
      transforms: TS_FILE.test(file) ? ["typescript", "imports"] : ["imports"],
      filePath: file, production: true, disableESTransforms: true,
    });
  } catch (e) {
    const err = e as Error & { pos?: number };
    const message = err.message.replace(/^Error transforming [^:]*: /, "").replace(/ \(\d+:\d+\)$/, "");
    throw new ScriptSyntaxError(message, typeof err.pos === "number" ? lineColumnOf(source, err.pos) : undefined);
  }
  return { code: r.code, lineMaps: [] };
}

/**
 * The transpiled code of an edited file without transpiling all of it: the lines an edit changed,
 * widened to whole top-level statements, are transpiled together with the file's imports only, and
 * put between the previous code's untouched lines (sucrase keeps lines, so a line of the source is
 * the same line of the code). Also the statements of the result (the previous parse's, and a parse
 * of the new lines). Undefined — transpile and parse it all — whenever the result might differ
 * from transpiling the whole file:
 *   - imports only at the top (they decide how sucrase rewrites names), no other `import`/`export`
 *     (exports rewrite assignments anywhere), no identifier starting with `_` (sucrase names its
 *     import variables `_name`, avoiding the file's identifiers), and the edit below the imports;
 *   - each cut between old and new lines lies between two statements, outside comments (checked
 *     in the source too, where type-only syntax that sucrase removed is not a gap), next to a
 *     statement that ends in `;` or a block (so none can run into its neighbour);
 *   - the imports' lines come out as before (an import the new lines use was not dropped before).
 */
function transpileEdit(prev: Previous, source: string, file: string): (Transpiled & { statements: Statement[] }) | undefined {
  const old = prev.source;
  const header = importHeader(source);
  if (header === undefined || FREE_NAME_CLASH.test(source) || TS_DECLARATION.test(source) || TS_DECLARATION.test(old)) return undefined;
  const oldStarts = lineStarts(old), newStarts = lineStarts(source), codeStarts = lineStarts(prev.code);
  if (codeStarts.length !== oldStarts.length) return undefined;
  const headerLine = lineAt(newStarts, header);

  // changed lines: [first, end) of the old text; whole lines before and after are the same text
  const [prefix, suffix] = commonEnds(old, source);
  const delta = source.length - old.length, lineDelta = newStarts.length - oldStarts.length;
  let La = lineAt(oldStarts, prefix);
  let Lb = oldStarts.length;
  for (let k = Math.max(La, 1); k < oldStarts.length; k++) {
    if (oldStarts[k] >= old.length - suffix && source.charCodeAt(oldStarts[k] + delta - 1) === 10) { Lb = k; break; }
  }

  // widen to whole statements (of the previous code, whose lines are the old text's)
  const st = prev.statements;
  const startLine = (x: Statement) => lineAt(codeStarts, x.start);
  const endLine = (x: Statement) => lineAt(codeStarts, Math.max(x.start, x.end - 1));
  let head = 0;
  while (head < st.length && endLine(st[head]) < La) head++;
  for (;;) {
    while (head > 0 && endLine(st[head - 1]) >= La) head--;
    if (head < st.length && startLine(st[head]) < La) { La = startLine(st[head]); continue; }
    break;
  }
  let tail = head;
  for (;;) {
    while (tail < st.length && startLine(st[tail]) < Lb) tail++;
    if (tail > head && endLine(st[tail - 1]) >= Lb) { Lb = endLine(st[tail - 1]) + 1; continue; }
    break;
  }
  if (La < Math.max(1, headerLine) || La > Lb) return undefined;
  let prologue = 0;
  while (prologue < st.length && st[prologue].directive !== undefined) prologue++;
  if (head < prologue) return undefined;

  // the cuts lie between statements, outside comments (the code's comments and blank lines are the
  // source's: no type-only declarations, see TS_DECLARATION), next to statements that are closed
  const before = head ? st[head - 1] : undefined;
  if (before && !before.closed) return undefined;
  if (!onlyTrivia(prev.code, before ? before.end : 0, codeStarts[La])) return undefined;
  if (tail < st.length) {
    const last = tail > head ? st[tail - 1] : before;
    if (!onlyTrivia(prev.code, last ? last.end : 0, codeStarts[Lb]) || !onlyTrivia(prev.code, codeStarts[Lb], st[tail].start)) return undefined;
  }

  // transpile the imports and the new lines, the lines between them left empty (same line numbers)
  const newLb = Lb + lineDelta;
  const mStart = newStarts[La], mEnd = newLb < newStarts.length ? newStarts[newLb] : source.length;
  let part: Transpiled;
  try {
    part = transpile(source.slice(0, header) + "\n".repeat(La - headerLine) + source.slice(mStart, mEnd), file);
  } catch {
    return undefined; // the whole file's transpile reports it
  }
  const partStarts = lineStarts(part.code);
  // (sucrase keeps lines: the part has the new text's lines up to the cut, or all of them)
  if (partStarts.length !== (newLb < newStarts.length ? newLb + 1 : newStarts.length)) return undefined;
  for (let i = 0; i < headerLine; i++) {
    const was = lineText(prev.code, codeStarts, i).replace(USE_STRICT, ""), now = lineText(part.code, partStarts, i).replace(USE_STRICT, "");
    if (now !== was && now.trim() !== "") return undefined;
  }

  // the code: previous lines [0, La), new lines, previous lines [Lb, …)
  const cA = codeStarts[La], cB = Lb < codeStarts.length ? codeStarts[Lb] : prev.code.length;
  const middle = part.code.slice(partStarts[La], newLb < newStarts.length ? partStarts[newLb] : part.code.length);
  const code = prev.code.slice(0, cA) + middle + prev.code.slice(cB);
  // (a line's map depends only on its text and its source's: the untouched lines keep theirs)
  const lineMaps: (LineMap | undefined)[] = prev.lineMaps.slice(0, La);
  lineMaps.length = newLb;
  for (let i = Lb; i < prev.lineMaps.length; i++) lineMaps[i + lineDelta] = prev.lineMaps[i];

  // statements: the previous ones before and after, a parse of the new lines between
  let parsed: Statement[];
  try {
    parsed = parseStatements(code, cA, cA + middle.length, isStrict(st));
  } catch {
    return undefined;
  }
  const lastStatement = parsed.length ? parsed[parsed.length - 1] : before;
  if (lastStatement && !lastStatement.closed && tail < st.length) return undefined;
  const codeDelta = middle.length - (cB - cA);
  const statements = [...st.slice(0, head), ...parsed, ...st.slice(tail).map((x) => shiftStatement(x, codeDelta))];
  return { code, lineMaps, statements };
}

const USE_STRICT = /^"use strict";/;
/**
 * Top-level syntax sucrase removes or rewrites as a whole (type aliases, interfaces, declarations,
 * overload signatures; enums and namespaces too, to be safe): where the source may have one, a gap
 * between statements of the code is not necessarily a gap in the source.
 */
const TS_DECLARATION = /(?:^|[;}])[ \t]*(?:type|interface|declare|namespace|module|abstract|enum)\b|\bfunction\b[^{;]*;/m;
/** An identifier sucrase's generated names could meet (`__dirname` and `__filename` cannot). */
const FREE_NAME_CLASH = /(?<![\w$])_(?!_dirname\b|_filename\b)[\w$]/;
/** One static import declaration (its clause has no quotes, semicolons or parentheses). */
const IMPORT_DECLARATION = /import(?=[\s{*'"])[^'"`;()]*?(['"])[^'"\n]*\1[ \t]*;?/y;

/**
 * Where the file's leading import declarations (and the comments among them) end: the start of the
 * line of the first other token, or undefined when a token follows an import on its line or
 * `import`/`export` appear anywhere after.
 */
function importHeader(text: string): number | undefined {
  let at = 0, end = 0;
  for (;;) {
    at = skipTrivia(text, at);
    if (at < 0) return undefined;
    IMPORT_DECLARATION.lastIndex = at;
    if (!text.startsWith("import", at) || !IMPORT_DECLARATION.test(text)) break;
    at = end = IMPORT_DECLARATION.lastIndex;
  }
  const lineStart = text.lastIndexOf("\n", at - 1) + 1;
  if (lineStart < end || /\b(import|export)\b/.test(text.slice(lineStart))) return undefined;
  return lineStart;
}

/** The offset of the next token from `at` (past blanks and comments); -1 in an unclosed comment. */
function skipTrivia(text: string, at: number): number {
  for (;;) {
    const c = text.charCodeAt(at);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) at++;
    else if (c === 47 && text.charCodeAt(at + 1) === 47) { const nl = text.indexOf("\n", at); at = nl < 0 ? text.length : nl; }
    else if (c === 47 && text.charCodeAt(at + 1) === 42) { const close = text.indexOf("*/", at + 2); if (close < 0) return -1; at = close + 2; }
    else return at;
  }
}

/** text[from, to) holds only blanks and whole comments (none still open at `to`). */
function onlyTrivia(text: string, from: number, to: number): boolean {
  if (from > to) return false;
  const at = skipTrivia(text.slice(0, to), from);
  return at === to;
}

function lineText(text: string, starts: number[], line: number): string {
  return text.slice(starts[line], line + 1 < starts.length ? starts[line + 1] - 1 : text.length);
}

/**
 * The statements of `code` from the previous parse of the same file where an edit cannot have
 * changed them, and a parse of the rest only — or undefined (parse it all) when that is not
 * certain. Kept: the statements inside the text the two versions share at their start and at their
 * end. Re-parsed: the text between them, which must parse on its own; and every statement next to
 * that text must be closed (end in `;` or a closing block), so that no statement can run into its
 * neighbour in the new text (no `a = b` + `(c)` → `a = b(c)`) and each kept one parses as before.
 */
function reusableParse(previous: { code: string; statements: Statement[] }, code: string): Statement[] | undefined {
  const old = previous.code, list = previous.statements;
  const [prefix, suffix] = commonEnds(old, code);
  let head = 0; // statements [0, head) are kept at their offsets
  while (head < list.length && list[head].end <= prefix) head++;
  let tail = list.length; // statements [tail, …) are kept, moved by the change in length
  while (tail > head && list[tail - 1].start >= old.length - suffix) tail--;
  const delta = code.length - old.length;
  const from = head ? list[head - 1].end : 0;
  const to = tail < list.length ? list[tail].start + delta : code.length;
  if (from > to) return undefined;
  // the directive prologue decides strict mode: an edit in it means a parse of it all, else the
  // middle is parsed under the same mode
  let prologue = 0;
  while (prologue < list.length && list[prologue].directive !== undefined) prologue++;
  if (head < prologue || (head === 0 && from === 0 && to === code.length)) return undefined;
  const strict = isStrict(list);
  let middle: Statement[];
  try {
    middle = parseStatements(code, from, to, strict);
  } catch {
    return undefined;
  }
  const before = head ? list[head - 1] : undefined;
  const last = middle.length ? middle[middle.length - 1] : before;
  if (before && !before.closed && (middle.length || tail < list.length)) return undefined;
  if (last && !last.closed && tail < list.length) return undefined;
  const moved = list.slice(tail).map((st) => shiftStatement(st, delta));
  return [...list.slice(0, head), ...middle, ...moved];
}

function shiftStatement(st: Statement, delta: number): Statement {
  return {
    ...st, start: st.start + delta, end: st.end + delta,
    bindings: st.bindings.map((b) => b.kind === "wrap"
      ? { ...b, start: b.start + delta, end: b.end + delta, at: b.at + delta }
      : { kind: "after", end: b.end + delta, ids: b.ids.map((id) => ({ name: id.name, at: id.at + delta })) }),
  };
}

/** The top-level statements of code[from, to) and their bindings, with offsets in `code`. */
function parseStatements(code: string, from: number, to: number, strict = false): Statement[] {
  // a slice is parsed under the whole program's directive; offsets are moved back by what was added
  const head = from > 0 && strict ? `"use strict";` : "";
  const text = from === 0 && to === code.length ? code : head + code.slice(from, to);
  const shift = from - head.length;
  const ast = acorn.parse(text, { ecmaVersion: "latest", sourceType: "script" });
  const statements: Statement[] = ast.body.slice(head ? 1 : 0).map((node) => ({
    start: node.start + shift, end: node.end + shift, closed: isClosed(node, text),
    directive: (node as acorn.ExpressionStatement & { directive?: string }).directive, bindings: [],
  }));
  // bindings in walk order, each to the statement it is in
  let k = 0;
  const add = (b: Binding, at: number) => {
    while (k < statements.length - 1 && statements[k].end <= at) k++;
    statements[k].bindings.push(b);
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
  const wrap = (value: acorn.Node, name: string, at: acorn.Node) =>
    add({ kind: "wrap", start: value.start + shift, end: value.end + shift, name, at: at.start + shift }, value.start + shift);

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
      const ids = patternNames(d.id).map((id) => ({ name: id.name, at: id.start + shift }));
      add({ kind: "after", end: decl.end + shift, ids }, decl.start + shift);
    },
    AssignmentExpression(node) {
      const a = node as acorn.AssignmentExpression;
      if (a.left.type !== "Identifier") return;
      // `x = v` binds v; `x += v` (and the other compound operators) binds the result, the new x
      if (a.operator === "=") wrap(a.right, a.left.name, a.left);
      else wrap(a, a.left.name, a.left);
    },
  });
  return statements;
}

/** A statement whose end no following text can move: it ends in `;` or with a block of its own. */
function isClosed(node: acorn.Node, text: string): boolean {
  if (text.charCodeAt(node.end - 1) === 59 /* ; */) return true;
  const n = node as acorn.Statement;
  switch (n.type) {
    case "FunctionDeclaration": case "ClassDeclaration": case "BlockStatement": case "SwitchStatement": case "TryStatement":
      return true;
    case "IfStatement": return isClosed(n.alternate ?? n.consequent, text);
    case "ForStatement": case "ForInStatement": case "ForOfStatement": case "WhileStatement": case "LabeledStatement": case "WithStatement":
      return isClosed(n.body, text);
    default: return false;
  }
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

// Which micrograd Value the editor's cursor is on (Show Value graph at cursor): among the last run's
// roots (src/runner/valueRoots.ts), the one assigned on the cursor's line, else the binding of the
// word under the cursor nearest above it. No vscode here, so the unit tests can call it.
import type { ValueRoot } from "../protocol/trace";

/** Where the cursor is, counted as the trace counts a root's place: lines and columns from 1. */
export interface CursorPlace {
  /** line in the file, or in the cell for a notebook */
  line: number;
  column: number;
  /** the notebook cell's index, for a cell's editor */
  cell?: number;
  /** the identifier under the cursor, if any */
  word?: string;
}

const sameCell = (r: ValueRoot, at: CursorPlace) => (r.cell ?? undefined) === (at.cell ?? undefined);

/** The root on the cursor's line (nearest the cursor when several share it), else the word's binding above. */
export function valueAtCursor(roots: readonly ValueRoot[], at: CursorPlace): ValueRoot | undefined {
  const inCell = roots.filter((r) => sameCell(r, at));
  const onLine = inCell.filter((r) => r.line === at.line);
  if (onLine.length) {
    const named = at.word !== undefined ? onLine.filter((r) => r.name === at.word) : [];
    const pool = named.length ? named : onLine;
    return pool.reduce((best, r) => (Math.abs((r.column ?? 0) - at.column) < Math.abs((best.column ?? 0) - at.column) ? r : best));
  }
  if (at.word === undefined) return undefined;
  // the word's binding nearest above the cursor (roots in the same cell or an earlier one), else any
  const word = roots.filter((r) => r.name === at.word);
  const above = word.filter((r) => (r.cell ?? 0) < (at.cell ?? 0) || (sameCell(r, at) && (r.line ?? 0) <= at.line));
  const order = (r: ValueRoot) => [r.cell ?? 0, r.line ?? 0, r.column ?? 0];
  const later = (a: ValueRoot, b: ValueRoot) => {
    const x = order(a), y = order(b);
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  };
  return (above.length ? above : word).reduce<ValueRoot | undefined>((best, r) => (!best || later(r, best) > 0 ? r : best), undefined);
}

/** What to tell the learner when no Value is at the cursor: which ones there are, and where. */
export function noValueMessage(roots: readonly ValueRoot[], at: CursorPlace): string {
  const where = `${at.cell !== undefined ? `cell ${at.cell + 1}, ` : ""}line ${at.line}`;
  if (!roots.length) {
    return "Backprop Ninja: the last run of this file made no micrograd Values to draw. Run a script that builds Values (micrograd's Value class, or the engine's) first.";
  }
  const shown = roots.slice(0, 6).map((r) => `${r.name} (${r.cell !== undefined ? `cell ${r.cell + 1}, ` : ""}line ${r.line ?? "?"})`);
  const more = roots.length > shown.length ? `, and ${roots.length - shown.length} more` : "";
  return `Backprop Ninja: no micrograd Value is assigned on ${where}${at.word ? ` or named ${at.word}` : ""}. ` +
    `Values of the last run: ${shown.join(", ")}${more}.`;
}

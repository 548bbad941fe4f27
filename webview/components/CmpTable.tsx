// The cmp table: the notebook's columns (name | exact | approximate | maxdiff) plus shapes and line,
// sortable by any column, filterable to the bad rows; a click or Enter reveals the cmp call.
import { useEffect, useMemo, useRef } from "preact/hooks";
import { memoBy, sameShallow } from "../memo";
import { fmtNumber, fmtShape, isBad, type CmpRow, type Verdict } from "../model";

export type SortKey = "order" | "name" | "exact" | "approximate" | "maxdiff" | "status";

export interface TableState {
  sort: SortKey;
  descending: boolean;
  onlyBad: boolean;
}

export interface CmpTableProps {
  rows: CmpRow[];
  state: TableState;
  selected?: number;
  firstWrong?: number;
  cursorLine?: number;
  onState(s: TableState): void;
  onSelect(row: CmpRow): void;
  onActivate(row: CmpRow): void;
}

const STATUS_RANK: Record<Verdict, number> = { wrong: 0, "shape-mismatch": 1, "no-grad": 2, "not-written": 3, approximate: 4, exact: 5 };

export const STATUS_TEXT: Record<Verdict, string> = {
  exact: "exact", approximate: "approximate", wrong: "wrong", "shape-mismatch": "shape mismatch", "no-grad": "no grad", "not-written": "not written",
};

export function verdictIcon(v: Verdict): string {
  switch (v) {
    case "exact": return "codicon-pass-filled";
    case "approximate": return "codicon-pass";
    case "wrong": return "codicon-error";
    case "shape-mismatch": return "codicon-symbol-ruler";
    case "no-grad": return "codicon-warning";
    case "not-written": return "codicon-circle-large-outline";
  }
}

function compare(a: CmpRow, b: CmpRow, key: SortKey): number {
  switch (key) {
    case "order": return a.index - b.index;
    case "name": return a.name.localeCompare(b.name);
    case "exact": return Number(a.exact) - Number(b.exact) || a.index - b.index;
    case "approximate": return Number(a.approximate) - Number(b.approximate) || a.index - b.index;
    case "maxdiff": return (a.maxdiff ?? Infinity) - (b.maxdiff ?? Infinity) || a.index - b.index;
    case "status": return STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.index - b.index;
  }
}

export function CmpTable(p: CmpTableProps) {
  const body = useRef<HTMLTableSectionElement>(null);
  const rows = useMemo(() => {
    const r = p.state.onlyBad ? p.rows.filter((x) => isBad(x.status)) : [...p.rows];
    r.sort((a, b) => compare(a, b, p.state.sort) * (p.state.descending ? -1 : 1));
    return r;
  }, [p.rows, p.state]);
  // keep the selected row in view (selection may come from the host, e.g. a CodeLens)
  useEffect(() => {
    if (p.selected === undefined) return;
    // after the layout settles: opening the tensor view shrinks the table
    const id = requestAnimationFrame(() =>
      body.current?.querySelector<HTMLElement>(`tr[data-index="${p.selected}"]`)?.scrollIntoView({ block: "nearest" }));
    return () => cancelAnimationFrame(id);
  }, [p.selected]);
  const inCells = p.rows.some((r) => r.cell !== undefined);
  const bad = p.rows.filter((r) => isBad(r.status)).length;
  const exact = p.rows.filter((r) => r.status === "exact").length;
  const approx = p.rows.filter((r) => r.status === "approximate").length;
  const notWritten = p.rows.filter((r) => r.status === "not-written").length;

  const header = (key: SortKey, label: string, cls = "") => {
    const active = p.state.sort === key;
    return (
      <th class={cls} aria-sort={active ? (p.state.descending ? "descending" : "ascending") : "none"} data-sort={key}>
        <button
          class="sort-button"
          title={`Sort by ${label}`}
          onClick={() => p.onState({ ...p.state, sort: key, descending: active ? !p.state.descending : false })}
        >
          {label}
          <span class={`codicon ${active ? (p.state.descending ? "codicon-arrow-down" : "codicon-arrow-up") : "codicon-blank"}`} />
        </button>
      </th>
    );
  };

  // the rows' handlers: one object for the table's life, reading the newest props (rows, callbacks)
  const latest = useRef(p);
  latest.current = p;
  const actions = useRef<RowActions>({
    select: (index) => rowAt(latest.current, index, latest.current.onSelect),
    activate: (index) => rowAt(latest.current, index, latest.current.onActivate),
    move(from, delta) {
      const all = [...(body.current?.querySelectorAll<HTMLTableRowElement>("tr") ?? [])];
      const i = all.indexOf(from as HTMLTableRowElement);
      const next = all[Math.max(0, Math.min(all.length - 1, i + delta))];
      next?.focus();
      rowAt(latest.current, Number(next?.dataset.index), latest.current.onSelect);
    },
  }).current;

  return (
    <section class="cmp-section" aria-label="Gradient checks">
      <div class="section-bar">
        <span class="summary" data-testid="cmp-summary">
          <span class="codicon codicon-pass-filled verdict-text-exact" /> {exact} exact
          {approx > 0 && <> · <span class="codicon codicon-pass verdict-text-approximate" /> {approx} approximate</>}
          {bad > 0 && <> · <span class="codicon codicon-error verdict-text-wrong" /> {bad} to fix</>}
          {notWritten > 0 && <> · <span class="codicon codicon-circle-large-outline verdict-text-not-written" /> {notWritten} not written yet</>}
        </span>
        <label class="toggle" title="Show only the checks that fail">
          <input
            type="checkbox"
            checked={p.state.onlyBad}
            onChange={(e) => p.onState({ ...p.state, onlyBad: (e.currentTarget as HTMLInputElement).checked })}
          />
          Only failing
        </label>
      </div>
      <div class="table-scroll">
        <table class="cmp-table">
          <thead>
            <tr>
              {header("order", "#", "col-index")}
              {header("name", "name", "col-name")}
              {header("exact", "exact", "col-exact")}
              {header("approximate", "approximate", "col-approx")}
              {header("maxdiff", "maxdiff", "num col-maxdiff")}
              {header("status", "verdict", "col-verdict")}
              <th class="col-shape">shape</th>
              <th class="num col-line" title={inCells ? "cell:line, counted as VS Code's status bar counts cells" : undefined}>{inCells ? "cell:line" : "line"}</th>
            </tr>
          </thead>
          <tbody ref={body}>
            {rows.map((r) => (
              <RowView key={r.index} r={r} selected={p.selected === r.index} firstWrong={p.firstWrong === r.index}
                cursor={p.cursorLine !== undefined && r.line === p.cursorLine} actions={actions} />
            ))}
            {rows.length === 0 && (
              <tr class="empty-row"><td colSpan={8}>{!p.state.onlyBad ? "No cmp() calls ran."
                : notWritten ? `No failing checks; ${notWritten} gradient${notWritten === 1 ? " is" : "s are"} not written yet.` : "Every check passes. Nothing to fix."}</td></tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function rowAt(p: CmpTableProps, index: number, f: (row: CmpRow) => void): void {
  const row = p.rows.find((r) => r.index === index);
  if (row) f(row);
}

/** What a row does, by row index, with the table's newest props. */
interface RowActions {
  select(index: number): void;
  activate(index: number): void;
  move(from: HTMLElement, delta: number): void;
}

interface RowViewProps {
  r: CmpRow;
  selected: boolean;
  firstWrong: boolean;
  cursor: boolean;
  actions: RowActions;
}

/** A row drawn again only when its content or its marks changed: a re-run changes few rows. */
const RowView = memoBy((p: RowViewProps) => {
  const { r } = p;
  const cls = [
    "cmp-row", `verdict-${r.status}`, isBad(r.status) ? "bad" : "",
    p.selected ? "selected" : "", p.firstWrong ? "first-wrong" : "",
    p.cursor ? "cursor" : "",
  ].filter(Boolean).join(" ");
  const shape = r.status === "shape-mismatch"
    ? `${fmtShape(r.manualShape)} ≠ ${fmtShape(r.gradShape)}`
    : fmtShape(r.gradShape ?? r.manualShape);
  return (
    <tr
      class={cls}
      tabIndex={0}
      data-index={r.index}
      data-name={r.name}
      aria-selected={p.selected}
      title={r.message ?? (r.line !== undefined ? `Reveal line ${r.line + 1}` : undefined)}
      onClick={() => {
        p.actions.select(r.index);
        p.actions.activate(r.index);
      }}
      onKeyDown={(e) => {
        if (e.key === "Enter") p.actions.activate(r.index);
        else if (e.key === "ArrowDown") p.actions.move(e.currentTarget, 1);
        else if (e.key === "ArrowUp") p.actions.move(e.currentTarget, -1);
        else return;
        e.preventDefault();
      }}
    >
      <td class="col-index">{r.index + 1}</td>
      <td class="col-name">
        <span class="mono">{r.name}</span>
        {p.firstWrong && <span class="badge badge-first" title="The first bad gradient in backward order: fix this one first">first to fix</span>}
      </td>
      <td class={`bool col-exact ${r.exact ? "true" : "false"}`}>{r.exact ? "True" : "False"}</td>
      <td class={`bool col-approx ${r.approximate ? "true" : "false"}`}>{r.approximate ? "True" : "False"}</td>
      <td class="num mono col-maxdiff">{fmtNumber(r.maxdiff, 3)}</td>
      <td class="col-verdict">
        <span class={`codicon ${verdictIcon(r.status)} verdict-text-${r.status}`} title={STATUS_TEXT[r.status]} />
        <span class="verdict-label"> {STATUS_TEXT[r.status]}</span>
      </td>
      <td class="mono col-shape">{shape}</td>
      <td class="num col-line" title={r.cell !== undefined && r.line !== undefined ? `cell ${r.cell + 1}, line ${r.line + 1}` : undefined}>
        {r.line === undefined ? "—" : r.cell !== undefined ? `${r.cell + 1}:${r.line + 1}` : r.line + 1}
      </td>
    </tr>
  );
}, (a, b) => a.selected === b.selected && a.firstWrong === b.firstWrong && a.cursor === b.cursor && a.actions === b.actions && sameShallow(a.r, b.r));

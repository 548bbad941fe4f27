// The Checks tab: one row per cmp() with the tensor drawer of the row selected.
import type { ComponentChildren } from "preact";
import type { CmpRow, PanelModel } from "../model";
import { CmpTable, type TableState } from "./CmpTable";
import { Empty } from "./Empty";

export interface ChecksTabProps {
  model: PanelModel;
  table: TableState;
  selected: number | undefined;
  firstWrong: number | undefined;
  cursorLine: number | undefined;
  /** the tensor drawer of the row selected (or of a finite-difference check alone), when open */
  drawer: ComponentChildren;
  onTable(table: TableState): void;
  onSelect(row: CmpRow): void;
  onActivate(row: CmpRow): void;
}

export function ChecksTab(p: ChecksTabProps) {
  const { model } = p;
  if (model.comparisons.length === 0) {
    return (
      <Empty
        icon="codicon-checklist"
        title={model.error ? "No checks ran before the error" : "No gradient checks in this script"}
        text={model.error ? "Fix the error above, then save to re-run." : "Call cmp('name', dname, name) after loss.backward() to compare a hand-written gradient with autograd's."}
      />
    );
  }
  return (
    <div class="checks">
      <CmpTable
        rows={model.comparisons}
        state={p.table}
        selected={p.selected}
        firstWrong={p.firstWrong}
        cursorLine={p.cursorLine}
        onState={p.onTable}
        onSelect={p.onSelect}
        onActivate={p.onActivate}
      />
      {p.drawer}
    </div>
  );
}

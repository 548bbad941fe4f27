// A notebook cell's cmp rows as a rich output: an HTML table (verdict mark and colour, name, verdict
// with maxdiff, the diagnosis sentence under a row with its own mistake) and the same rows as plain
// text, in the words CodeLens uses (model.ts). No VS Code here.
import { VERDICT_MARK, describeVerdict, verdictOf, verdictPhrase, type CmpView } from "./model";

const COLOUR: Record<CmpView["status"], string> = {
  exact: "var(--vscode-testing-iconPassed, #73c991)",
  approximate: "var(--vscode-testing-iconPassed, #73c991)",
  wrong: "var(--vscode-testing-iconFailed, #f14c4c)",
  "shape-mismatch": "var(--vscode-testing-iconFailed, #f14c4c)",
  "no-grad": "var(--vscode-editorWarning-foreground, #cca700)",
  "not-written": "var(--vscode-descriptionForeground, #9d9d9d)",
};

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function cmpTableText(rows: readonly CmpView[]): string {
  const lines = rows.flatMap((c) => [
    `${VERDICT_MARK[c.status]} ${c.name}: ${verdictPhrase(c)}`,
    ...(c.diagnosis ? [`    ↳ ${c.diagnosis}`] : []),
  ]);
  return [...lines, describeVerdict(verdictOf(rows))].join("\n");
}

export function cmpTableHtml(rows: readonly CmpView[]): string {
  const body = rows.map((c) => {
    const colour = COLOUR[c.status];
    const diagnosis = c.diagnosis
      ? `<tr><td></td><td colspan="2" style="padding:0 8px 4px;color:var(--vscode-descriptionForeground)">↳ ${escape(c.diagnosis)}</td></tr>`
      : "";
    return `<tr data-status="${c.status}"><td style="color:${colour};font-weight:bold;padding:1px 8px">${VERDICT_MARK[c.status]}</td>` +
      `<td style="font-family:var(--vscode-editor-font-family);padding:1px 8px">${escape(c.name)}</td>` +
      `<td style="color:${colour};padding:1px 8px">${escape(verdictPhrase(c))}</td></tr>${diagnosis}`;
  }).join("");
  return `<div class="bpn-cmp"><table style="border-collapse:collapse">${body}</table>` +
    `<div style="margin-top:4px;color:var(--vscode-descriptionForeground)">${escape(describeVerdict(verdictOf(rows)))}</div></div>`;
}

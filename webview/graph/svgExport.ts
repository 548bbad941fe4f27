// The whole graph (not just the part on screen) as a standalone SVG document, with the theme's
// colors resolved to values so the file looks the same outside VS Code.
import { fmtNumber, fmtShape, VERDICT_MARK } from "../model";
import type { Layout } from "./layout";

const VERDICT_VAR: Record<string, [string, string]> = {
  exact: ["--vscode-testing-iconPassed", "#73c991"],
  approximate: ["--vscode-charts-green", "#89d185"],
  wrong: ["--vscode-testing-iconFailed", "#f14c4c"],
  "shape-mismatch": ["--vscode-testing-iconFailed", "#f14c4c"],
  "no-grad": ["--vscode-editorWarning-foreground", "#cca700"],
  "not-written": ["--vscode-disabledForeground", "#8b8b8b"],
};

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function graphSvg(layout: Layout, themeSource: Element): string {
  const css = getComputedStyle(themeSource);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const bg = v("--vscode-editor-background", "#1e1e1e");
  const fg = v("--vscode-editor-foreground", "#cccccc");
  const dim = v("--vscode-descriptionForeground", "#9d9d9d");
  const box = v("--vscode-editorWidget-background", "#252526");
  const border = v("--vscode-editorWidget-border", "#454545");
  const font = v("--vscode-editor-font-family", "monospace");
  const pad = 16;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(layout.width + 2 * pad)}" height="${Math.ceil(layout.height + 2 * pad)}" viewBox="${-pad} ${-pad} ${Math.ceil(layout.width + 2 * pad)} ${Math.ceil(layout.height + 2 * pad)}" font-family="${esc(font)}" font-size="12">`);
  out.push(`<defs><marker id="a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 1L9 5L0 9z" fill="${esc(dim)}"/></marker></defs>`);
  out.push(`<rect x="${-pad}" y="${-pad}" width="100%" height="100%" fill="${esc(bg)}"/>`);
  for (const e of layout.edges) {
    out.push(`<polyline fill="none" stroke="${esc(dim)}" stroke-width="1" marker-end="url(#a)" points="${e.points.map((p) => `${p.x},${p.y}`).join(" ")}"/>`);
  }
  for (const n of layout.nodes) {
    const node = n.node;
    const [cv, cf] = node.verdict ? VERDICT_VAR[node.verdict] : ["", ""];
    const stroke = node.verdict ? v(cv, cf) : border;
    const rx = node.kind === "op" ? n.height / 2 : 4;
    out.push(`<g transform="translate(${n.x},${n.y})">`);
    // the verdict as on screen: a colored border and stripe, a mark after the name, the word in the tooltip
    if (node.verdict) out.push(`<title>${esc(`${node.label}: ${node.verdict}`)}</title>`);
    out.push(`<rect width="${n.width}" height="${n.height}" rx="${rx}" fill="${esc(node.kind === "op" ? bg : box)}" stroke="${esc(stroke)}" stroke-width="${node.verdict ? 2 : 1}"/>`);
    if (node.verdict && node.kind !== "op") out.push(`<rect width="5" height="${n.height}" rx="2" fill="${esc(stroke)}"/>`);
    if (node.kind === "op") {
      out.push(`<text x="${n.width / 2}" y="${n.height / 2 + 4}" text-anchor="middle" fill="${esc(dim)}" font-size="11">${esc(node.label)}${node.members ? ` ×${node.members.length}` : ""}</text>`);
    } else {
      const sub = node.kind === "value" ? `data ${fmtNumber(node.data)} · grad ${fmtNumber(node.grad)}` : fmtShape(node.shape);
      const mark = node.verdict ? VERDICT_MARK[node.verdict] : "";
      out.push(`<text x="14" y="17" fill="${esc(fg)}" font-weight="600">${esc(node.label)}${mark ? `<tspan fill="${esc(stroke)}" font-weight="normal"> ${mark}</tspan>` : ""}</text>`);
      out.push(`<text x="14" y="${node.kind === "value" ? 35 : 33}" fill="${esc(dim)}" font-size="11">${esc(sub)}</text>`);
    }
    out.push(`</g>`);
  }
  out.push(`</svg>`);
  return out.join("\n");
}

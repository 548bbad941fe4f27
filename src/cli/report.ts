// A self-contained HTML report: the built panel (dist/webview) inlined with the trace and a stand-in
// for VS Code's webview API that hands the panel this one snapshot.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Trace } from "../protocol/trace";

function webviewDir(): string | undefined {
  for (const dir of [path.join(__dirname, "webview"), path.resolve(__dirname, "../../dist/webview")]) {
    if (fs.existsSync(path.join(dir, "main.js"))) return dir;
  }
  return undefined;
}

/** `</script>` inside JSON would end the inline script early. */
const safeJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");

export function renderHtmlReport(trace: Trace): string | { error: string } {
  const dir = webviewDir();
  if (!dir) return { error: "the panel is not built (run `npm run build` first)" };
  const js = fs.readFileSync(path.join(dir, "main.js"), "utf8");
  let css = fs.existsSync(path.join(dir, "main.css")) ? fs.readFileSync(path.join(dir, "main.css"), "utf8") : "";
  // inline the codicon font so the file works on its own
  css = css.replace(/url\(["']?\.?\/?([^"')?]+\.ttf)(\?[^"')]*)?["']?\)/g, (m, f: string) => {
    const font = path.join(dir, f);
    return fs.existsSync(font) ? `url(data:font/ttf;base64,${fs.readFileSync(font).toString("base64")})` : m;
  });
  const title = `Backprop Ninja — ${path.basename(trace.file)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<title>${title.replace(/</g, "&lt;")}</title>
<style>
:root { color-scheme: dark; --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-editor-font-family: monospace;
  --vscode-foreground: #cccccc; --vscode-editor-background: #1e1e1e; --vscode-panel-border: #2b2b2b; --vscode-descriptionForeground: #9d9d9d;
  --vscode-testing-iconPassed: #73c991; --vscode-testing-iconFailed: #f14c4c; --vscode-editorWarning-foreground: #cca700;
  --vscode-list-hoverBackground: #2a2d2e; --vscode-list-activeSelectionBackground: #04395e; --vscode-focusBorder: #007fd4;
  --vscode-button-background: #0e639c; --vscode-button-foreground: #ffffff; --vscode-input-background: #3c3c3c; --vscode-badge-background: #4d4d4d;
  --vscode-badge-foreground: #ffffff; --vscode-charts-blue: #3794ff; --vscode-charts-red: #f14c4c; --vscode-charts-green: #89d185;
  --vscode-charts-yellow: #cca700; --vscode-charts-orange: #d18616; --vscode-charts-purple: #b180d7; --vscode-textLink-foreground: #3794ff; }
body { background: var(--vscode-editor-background); color: var(--vscode-foreground); font-family: var(--vscode-font-family); margin: 0; }
</style>
<style>${css}</style>
</head>
<body class="vscode-dark">
<div id="root"></div>
<script>
  const trace = ${safeJson(trace)};
  window.acquireVsCodeApi = () => ({
    postMessage(m) {
      if (m && m.type === "ready") window.postMessage({ type: "snapshot", uri: ${safeJson(trace.file)}, stale: false, trace }, "*");
    },
    getState: () => null,
    setState: () => {},
  });
</script>
<script>${js.replace(/<\/script/gi, "<\\/script")}</script>
</body>
</html>
`;
}

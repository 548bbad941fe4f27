// A notebook of the exercise's shape for the extension-host suites: the project's own
// examples/python/backprop_ninja.py (the workspace's python/backprop_ninja.py) cut into cells at its
// "# ----" sections, after a markdown title, then `extra` cells. Cell 4 is exercise 1's backward.
import * as fs from "node:fs";

export function exerciseNotebook(script: string, extra: string[] = []): string {
  const lines = fs.readFileSync(script, "utf8").split("\n");
  const starts = [0, ...lines.flatMap((l, i) => (l.startsWith("# ----") ? [i] : []))];
  const cells = starts.map((s, k) => lines.slice(s, starts[k + 1] ?? lines.length).join("\n").trimEnd());
  cells[0] = "%matplotlib inline\n" + cells[0];
  cells.push(...extra);
  const code = (src: string) => ({ cell_type: "code", metadata: {}, outputs: [], execution_count: null, source: src.split(/(?<=\n)/) });
  return JSON.stringify({
    nbformat: 4, nbformat_minor: 5, metadata: { language_info: { name: "python" } },
    cells: [{ cell_type: "markdown", metadata: {}, source: ["# Becoming a backprop ninja"] }, ...cells.map(code)],
  });
}

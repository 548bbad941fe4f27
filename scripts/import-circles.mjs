// Lists the value-import circles among src/ and webview/: esbuild drops type-only imports, so what
// its metafile records is what runs at load time. Usage: node scripts/import-circles.mjs
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const result = await build({
  entryPoints: [...sources("src"), ...sources("webview")],
  bundle: true, write: false, metafile: true, platform: "node", format: "esm", outdir: "/tmp/import-circles",
  logLevel: "silent", external: ["vscode", "pyodide", "esbuild"], packages: "external",
  loader: { ".css": "empty", ".py": "text", ".svg": "text", ".txt": "text", ".ttf": "empty", ".wasm": "empty" },
});
const graph = new Map(Object.entries(result.metafile.inputs).map(([file, input]) =>
  [file, input.imports.filter((i) => !i.external).map((i) => i.path)]));

// Strongly connected components (Tarjan); every component of more than one file is a circle.
let counter = 0;
const stack = [], onStack = new Set(), index = new Map(), low = new Map(), circles = [];
function visit(v) {
  index.set(v, counter); low.set(v, counter); counter++; stack.push(v); onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) !== index.get(v)) return;
  const component = [];
  let w;
  do { w = stack.pop(); onStack.delete(w); component.push(w); } while (w !== v);
  if (component.length > 1) circles.push(component.sort());
}
for (const v of graph.keys()) if (!index.has(v)) visit(v);
if (circles.length === 0) console.log("no value-import circles");
for (const c of circles) console.log(`${c.length} files: ${c.join(" ")}`);

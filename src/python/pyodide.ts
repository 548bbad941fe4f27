// Loading Pyodide (CPython compiled to WebAssembly) once per thread, lazily, with our `torch`,
// `matplotlib` and runtime modules written into its file system. Works offline: the wasm, the
// standard library zip and the lock file are read from node_modules/pyodide.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type { PyodideInterface } from "pyodide";
import { bridge } from "./bridge";
import { liveModule } from "./live";

/** Where our Python sources live inside Pyodide's file system (kept off the user's paths). */
export const SITE_DIR = "/bpn/site";

export interface LoadInfo {
  /** milliseconds spent in loadPyodide + writing our modules + importing torch (0 when reused) */
  loadMs: number;
  cold: boolean;
}

export interface LoadedPython {
  py: PyodideInterface;
  /** the JS object Python imports as `_bpn_host`; run.ts swaps its callbacks per run */
  host: Record<string, unknown>;
}

let loading: Promise<LoadedPython> | null = null;
let firstLoadMs = 0;

/**
 * The folder holding `torch/` and `site/`: next to this file when run from src (tsx, tests), or
 * `python/` next to the bundle (the build copies src/python/{torch,site} there), or $BPN_PYTHON_DIR.
 */
export function pythonSourceDir(): string {
  const candidates = [process.env.BPN_PYTHON_DIR, __dirname, path.join(__dirname, "python"), path.join(__dirname, "..", "python")];
  for (const c of candidates) {
    if (c && fs.existsSync(path.join(c, "torch", "__init__.py")) && fs.existsSync(path.join(c, "site", "_bpn_runtime.py"))) return c;
  }
  throw new Error(`Backprop Ninja: the Python sources (torch/, site/) were not found near ${__dirname}`);
}

/** Where Pyodide's runtime files are: dist/pyodide in a packaged build, else the npm package's own. */
function pyodideDir(): string | undefined {
  const dir = process.env.BPN_PYODIDE_DIR ?? (fs.existsSync(path.join(__dirname, "pyodide", "pyodide.asm.wasm")) ? path.join(__dirname, "pyodide") : undefined);
  return dir && fs.existsSync(path.join(dir, "pyodide.js")) ? dir : undefined;
}

/**
 * loadPyodide from that folder (a packaged extension has no node_modules), else from the package.
 * The folder's pyodide.js is CommonJS; a computed require keeps bundlers from inlining it.
 */
async function pyodideModule(dir: string | undefined): Promise<typeof import("pyodide")> {
  if (!dir) return import("pyodide");
  const load = createRequire(__filename);
  return load(path.join(dir, "pyodide.js")) as typeof import("pyodide");
}

function copyTree(py: PyodideInterface, from: string, to: string): void {
  py.FS.mkdirTree(to);
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = `${to}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== "__pycache__") copyTree(py, src, dst);
    } else if (entry.name.endsWith(".py")) {
      py.FS.writeFile(dst, fs.readFileSync(src, "utf8"));
    }
  }
}

/** The thread's Pyodide, loading it on first use. `onProgress` hears about a cold load only. */
export function loadPython(onProgress?: (message: string) => void): Promise<LoadedPython> {
  if (!loading) {
    loading = (async () => {
      const t0 = performance.now();
      onProgress?.("Loading Python (Pyodide)…");
      const dir = pyodideDir();
      const { loadPyodide } = await pyodideModule(dir);
      const py = await loadPyodide({ fullStdLib: false, ...(dir ? { indexURL: dir + path.sep } : {}) });
      const host: Record<string, unknown> = {};
      py.registerJsModule("_bpn_bridge", bridge);
      py.registerJsModule("_bpn_host", host);
      py.registerJsModule("_bpn_snapshots", liveModule());
      const src = pythonSourceDir();
      copyTree(py, path.join(src, "torch"), `${SITE_DIR}/torch`);
      copyTree(py, path.join(src, "site"), SITE_DIR);
      onProgress?.("Importing torch…");
      py.runPython(`import sys\nsys.path.insert(0, ${JSON.stringify(SITE_DIR)})\nsys.dont_write_bytecode = True\nimport torch, torch.nn.functional, _bpn_runtime, matplotlib.pyplot`);
      firstLoadMs = performance.now() - t0;
      return { py, host };
    })();
    loading.catch(() => { loading = null; });
  }
  return loading;
}

export function coldLoadMs(): number {
  return firstLoadMs;
}

const mounted = new Set<string>();

/**
 * Make a host folder readable (and writable) from Python at the same absolute path, so `__file__`,
 * tracebacks and open('names.txt') see the real paths. Folders inside an already mounted one are
 * covered by it.
 */
export function mountHostDir(py: PyodideInterface, dir: string): void {
  const abs = path.resolve(dir);
  for (const m of mounted) {
    if (abs === m || abs.startsWith(m + path.sep)) return;
  }
  py.FS.mkdirTree(abs);
  py.FS.mount(py.FS.filesystems.NODEFS, { root: abs }, abs);
  mounted.add(abs);
}

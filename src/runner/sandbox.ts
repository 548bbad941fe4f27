// Running prepared (instrumented) code in this thread as a CommonJS module, with a require() that
// gives the engine under its public name, Node built-ins and files next to the script.
import * as fs from "node:fs";
import { builtinModules, createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";
import * as engine from "../engine/index";
import { DEFAULT_SEED } from "../engine/random/generator";
import { prepareScript, WRAPPER_HEAD, type PreparedScript } from "./instrument";

const ALLOWED_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** require() for user scripts: the engine under its public name, Node built-ins, and files next to them. */
export function makeRequire(file: string): NodeRequire {
  const real = createRequire(file);
  const cache = new Map<string, unknown>();
  const req = ((id: string) => {
    if (id === "backprop-ninja") return engine;
    if (ALLOWED_BUILTINS.has(id)) return real(id);
    if (id.startsWith(".") || path.isAbsolute(id)) {
      const resolved = resolveLocal(path.resolve(path.dirname(file), id));
      if (resolved) {
        if (!cache.has(resolved)) cache.set(resolved, loadLocal(resolved));
        return cache.get(resolved);
      }
    }
    const e = new Error(`Cannot find module '${id}': scripts can import "backprop-ninja", Node built-ins and files next to them`);
    (e as { code?: string }).code = "MODULE_NOT_FOUND";
    throw e;
  }) as NodeRequire;
  return req;
}

function resolveLocal(base: string): string | undefined {
  for (const ext of ["", ".ts", ".js", ".mjs", ".cjs", ".mts", "/index.ts", "/index.js"]) {
    if (fs.existsSync(base + ext) && fs.statSync(base + ext).isFile()) return base + ext;
  }
  return undefined;
}

function loadLocal(file: string): unknown {
  const prepared = prepareScript(fs.readFileSync(file, "utf8"), file, false);
  return runPrepared(prepared, file, { bind: (_n, _l, _c, v) => v });
}

/** What instrumented code calls at every binding; returns the value the variable gets. */
export interface BindingHook {
  bind(name: string, line: number, column: number, value: unknown): unknown;
}

/** Run a prepared script in this thread as a CommonJS module; returns its exports. */
export function runPrepared(prepared: PreparedScript, file: string, hook: BindingHook): unknown {
  const fn = new vm.Script(WRAPPER_HEAD + prepared.code + "\n})", { filename: file, lineOffset: -1 }).runInThisContext();
  const module = { exports: {} };
  fn(module.exports, makeRequire(file), module, file, path.dirname(file), hook);
  return module.exports;
}

/** A reused worker starts every run like a fresh process: grad mode on, global generator reseeded. */
export function resetEngine(): void {
  engine.torch.set_grad_enabled(true);
  engine.torch.manual_seed(DEFAULT_SEED);
}

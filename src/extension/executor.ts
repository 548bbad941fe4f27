// The bridge to the runner, imported on the first run only (activation never loads it): each request
// becomes a Runner run in a worker thread; its events become progress, output lines and live partial
// traces (loss curves); its Trace becomes the editor model.
import * as path from "node:path";
import type * as vscode from "vscode";
import type { RunEvent, Series, Trace } from "../protocol/trace";
import type * as RunnerModule from "../runner/runner";
import { readConfig } from "./config";
import type { Log } from "./log";
import type { Executor, RunProgress } from "./runs";
import { outcomeOf } from "./traceAdapter";
import { loopLength } from "./trainingLength";

/** How often a long run refreshes the panel's live curves. */
const PARTIAL_EVERY_MS = 250;

/**
 * The runner is its own bundle (dist/runner.js, next to dist/runner-worker.js): it pulls in the
 * transpiler and the engine, which the extension bundle must not parse at activation.
 */
export function loadRunner(context: vscode.ExtensionContext): typeof RunnerModule {
  const file = path.join(context.extensionPath, "dist", "runner.js");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as typeof RunnerModule;
}

export async function createExecutor(context: vscode.ExtensionContext, log: Log): Promise<Executor> {
  const t0 = performance.now();
  const { Runner, runNative, resolvePython, workspaceNames } = loadRunner(context);
  const runner = new Runner();
  const native = new Set<RunnerModule.RunHandle>(); // child processes: stopped when the extension ends
  context.subscriptions.push({ dispose: () => { runner.dispose(); for (const h of native) h.cancel("VS Code is closing"); } });
  log.info(`runner loaded in ${(performance.now() - t0).toFixed(0)} ms`);

  return async (req) => {
    const series = new Map<string, Series>();
    let lastPartial = 0;
    let pendingLine = "";
    // a training loop's length, when the source states it (for "step n/total" and the time left)
    const totalSteps = loopLength(req.source);
    const progress: RunProgress = totalSteps !== undefined ? { totalSteps } : {};
    const onEvent = (e: RunEvent) => {
      switch (e.type) {
        case "output": {
          // chunks are not lines: keep the unfinished tail for the next chunk
          const text = pendingLine + e.chunk.text;
          const lines = text.split("\n");
          pendingLine = lines.pop() ?? "";
          for (const l of lines) req.onOutput(l);
          break;
        }
        case "phase":
          progress.message = e.message ?? e.phase;
          req.onProgress({ ...progress });
          break;
        case "comparison":
          progress.message = `cmp("${e.comparison.name}")`;
          req.onProgress({ ...progress });
          break;
        case "series": {
          let s = series.get(e.name);
          if (!s) series.set(e.name, (s = { name: e.name, steps: [], values: [] }));
          s.steps.push(e.step);
          s.values.push(e.value);
          progress.step = e.step;
          if (totalSteps !== undefined) progress.fraction = Math.min(1, (e.step + 1) / totalSteps);
          progress.message = `${e.name} ${typeof e.value === "number" ? e.value.toFixed(4) : e.value} at step ${e.step}`;
          req.onProgress({ ...progress });
          const now = Date.now();
          if (now - lastPartial >= PARTIAL_EVERY_MS) {
            lastPartial = now;
            req.onPartial?.({ series: [...series.values()] });
          }
          break;
        }
      }
    };
    // Python on the user's own interpreter when chosen (#22); everything else in the runner's worker
    const config = readConfig();
    const handle = config.pythonBackend === "interpreter" && /\.(py|ipynb)$/i.test(req.file)
      ? runNative(req.file, {
        python: resolvePython(config.pythonPath), source: req.source, documentVersion: req.documentVersion,
        timeoutMs: req.timeoutMs, memoryMb: config.memoryCap, env: workspaceNames(req.file, req.workspace), onEvent,
      }, native)
      : runner.run(req.file, {
        source: req.source,
        workspace: req.workspace,
        documentVersion: req.documentVersion,
        timeoutMs: req.timeoutMs,
        memoryMb: config.memoryCap,
        live: req.live,
        onEvent,
      });
    const onAbort = () => handle.cancel(req.signal.reason instanceof Error ? req.signal.reason.message : "stopped");
    if (req.signal.aborted) onAbort();
    else req.signal.addEventListener("abort", onAbort, { once: true });
    let trace: Trace;
    try {
      trace = await handle.trace;
    } finally {
      req.signal.removeEventListener("abort", onAbort);
    }
    if (pendingLine) req.onOutput(pendingLine);
    return { outcome: outcomeOf(trace), trace };
  };
}

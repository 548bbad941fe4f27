// Finite-difference probes of a Python script or notebook (code cells in order, as runNotebook
// runs them): the runtime compiles the code once (probe_prepare), then each probe re-runs it muted,
// from the state the last run started in (torch's default generator, Python's random), with the
// checked name's first value replaced by `nudge(value)`, and ends at the first backward() with the
// loss. The script's folders must already be mounted: a run of the same file in this thread does it.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Tensor } from "../engine/tensor";
import { graphvizVersion, renderDot } from "./graphviz";
import { notebookCodeCells } from "./notebook";
import { loadPython } from "./pyodide";

export interface PythonProbeOptions {
  /** the text that ran (default: the file on disk) */
  source?: string;
  /** the run's working directory (default: the file's folder) and environment */
  cwd?: string;
  env?: Record<string, string>;
}

interface ProbeRuntime {
  probe_prepare(path: string, name: string, cellsJson: string): void;
  probe_loss(cwd: string, envJson: string): string;
  destroy(): void;
}

interface RawProbe {
  bound: boolean;
  loss?: number | string;
  error?: { type: string; message: string; line: number | null; cell: number | null };
}

/** The loss `file` reaches with `name`'s first value replaced by `nudge(value, flat, delta)`. */
export async function pythonShiftedLoss(
  file: string, name: string, nudge: (value: Tensor, flat: number, delta: number) => Tensor, opts: PythonProbeOptions = {},
): Promise<(flat: number, delta: number) => number> {
  const { py, host } = await loadPython();
  const abs = path.resolve(file);
  const text = opts.source ?? fs.readFileSync(abs, "utf8");
  const cells = abs.endsWith(".ipynb")
    ? notebookCodeCells(text).cells.map((c) => ({ index: c.index, source: c.source }))
    : [{ index: null, source: text }];
  const cwd = path.resolve(opts.cwd ?? path.dirname(abs));
  const envJson = JSON.stringify(opts.env ?? {});
  const rt = py.pyimport("_bpn_runtime") as unknown as ProbeRuntime;
  try {
    rt.probe_prepare(abs, name, JSON.stringify(cells));
  } finally {
    rt.destroy();
  }
  const mute = { write: (buf: Uint8Array) => buf.length, isatty: false };
  return (flat, delta) => {
    // the run's host callbacks (output, bindings, charts) hear nothing of a probe
    const saved = { ...host };
    for (const k of Object.keys(host)) host[k] = () => undefined;
    host.nudge = (value: Tensor) => nudge(value, flat, delta);
    // laying a graph out has no effect on the run, and a probe's graphviz.render writes what the run wrote
    host.graphviz = renderDot;
    host.graphvizVersion = graphvizVersion;
    py.setStdout(mute);
    py.setStderr(mute);
    const runtime = py.pyimport("_bpn_runtime") as unknown as ProbeRuntime;
    let raw: RawProbe;
    try {
      raw = JSON.parse(runtime.probe_loss(cwd, envJson)) as RawProbe;
    } finally {
      runtime.destroy();
      for (const k of Object.keys(host)) delete host[k];
      Object.assign(host, saved);
    }
    if (raw.error) {
      const e = raw.error;
      const where = e.line === null ? "" : ` (${e.cell === null ? "" : `cell ${e.cell}, `}line ${e.line})`;
      throw new Error(`the script failed with ${name} nudged: ${e.type}: ${e.message}${where}`);
    }
    if (!raw.bound) throw new Error(`'${name}' is never assigned a tensor before backward()`);
    if (raw.loss === undefined) throw new Error("the script never calls backward(), so there is no loss to differentiate");
    // a loss that is not finite comes as its repr: inf, -inf, nan
    return typeof raw.loss === "number" ? raw.loss : Number(raw.loss.replace("inf", "Infinity"));
  };
}

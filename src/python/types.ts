// What a Python run reports. Lines are 1-based (as Python numbers them), columns 0-based; in a
// notebook, `cell` is the index of the code cell among ALL cells of the .ipynb (markdown included)
// and `line` counts within that cell.
import type { Comparison } from "../engine/cmp";
import type { Tensor } from "../engine/tensor";
import type { Figure } from "../protocol/trace";
import type { Chart } from "../protocol/chart";

export interface PyLocation {
  file: string;
  line: number;
  column: number;
  cell?: number;
}

export interface PyOutputChunk {
  stream: "stdout" | "stderr";
  text: string;
  cell?: number;
}

export interface PyComparison {
  comparison: Comparison;
  location: PyLocation;
  /** the manual gradient and the tensor whose .grad was compared (null when missing) */
  manual: Tensor | null;
  tensor: Tensor | null;
}

export type PyBinding =
  | { kind: "tensor"; name: string; location: PyLocation; tensor: Tensor }
  | { kind: "value"; name: string; location: PyLocation; data: number | null; grad: number | null };

/** A micrograd-style scalar graph: nodes reachable from the bound Values, children listed by id. */
/** micrograd Values of a run (src/python/site/_bpn_runtime.py _value_graph): each root's nearest nodes. */
export interface PyValueGraph {
  nodes: { id: number; name: string; data: number | null; grad: number | null; op: string; children: number[] }[];
  /** a named Value's site, or a backward() / draw_dot() call's, with its graph's size */
  roots: { node: number; kind: "named" | "backward" | "drawn"; name: string | null; line: number; col: number; cell: number | null; count: number; whole: boolean }[];
}

/** matplotlib figure as data: the chart model shared with the trace and the panel. */
export type PyChart = Chart;

export interface PyError {
  /** Python's exception type, e.g. "NameError"; engine errors surface as "RuntimeError" like PyTorch's */
  type: string;
  message: string;
  /** the traceback as Python prints it, limited to the user's frames */
  traceback: string;
  /** the innermost user frame (where the editor should point) */
  location?: PyLocation;
  kind: "syntax" | "runtime" | "cancelled" | "internal";
}

export interface PythonRunResult {
  status: "ok" | "error" | "cancelled";
  file: string;
  output: PyOutputChunk[];
  comparisons: PyComparison[];
  bindings: PyBinding[];
  valueGraph: PyValueGraph | null;
  charts: PyChart[];
  /** SVG figures the script displayed (graphviz), at most MAX_FIGURES */
  figures: Figure[];
  error?: PyError;
  /** notebook runs: the code cells run, in order, with magics that were skipped */
  cells?: { index: number; skippedLines: number[] }[];
  /** things the user should know that are not errors (e.g. "%matplotlib inline ignored") */
  notes: string[];
  timings: { loadMs: number; coldLoad: boolean; runMs: number };
  /** a live run (runPythonLive): the statement it resumed at (null: it ran in full, and why) */
  live?: { resumedAt: number | null; statements: number; fullRunReason?: string; snapshotMs: number; snapshots: number };
}

/** What a live run (runPythonLive, src/python/site/_bpn_live.py) tells its caller as it goes. */
export interface PythonLiveHooks {
  /** false: run in full (the state kept is dropped and kept anew) */
  allowResume: boolean;
  /** the script is about to run top-level statement `index` (or has run them all: index = their count) */
  boundary(index: number): void;
  /** the state before statement `index` was put back: what the run had produced up to it is its own again */
  resume(index: number): void;
  /** a resumed run cannot go on (`reason`): it starts over in full, forget what it produced */
  restart(reason: string): void;
}

export interface PythonRunHooks {
  onOutput?: (chunk: PyOutputChunk) => void;
  onComparison?: (c: PyComparison) => void;
  onBinding?: (b: PyBinding) => void;
  onChart?: (c: PyChart) => void;
  /** a notebook kernel's cell result (the repr of its last expression, as IPython's Out[n]) */
  onDisplay?: (d: { text: string; cell?: number }) => void;
  /** a cold Pyodide load is starting / progressing (for a progress notification) */
  onLoadProgress?: (message: string) => void;
}

export interface PythonRunOptions extends PythonRunHooks {
  /** the text to run instead of the file's saved content (run-on-type) */
  source?: string;
  /** working directory; default: the script's folder (so open('names.txt') next to it works) */
  cwd?: string;
  /** the workspace folder, also mounted so paths into it resolve */
  workspace?: string;
  /** more host folders to make readable (e.g. where names.txt lives) */
  extraDirs?: string[];
  argv?: string[];
  /** variables added to the script's os.environ (Pyodide has its own environment) */
  env?: Record<string, string>;
  /**
   * Pyodide's interrupt buffer (Int32Array over a SharedArrayBuffer): writing 2 into [0] raises
   * KeyboardInterrupt in the script, so Stop can end a run without killing the worker.
   */
  interruptBuffer?: Int32Array;
  /** run through runPythonLive: resume from the state kept by the last live run of the file */
  live?: PythonLiveHooks;
}

// What a run collects while the script runs (output, cmp rows, series, the first NaN/Inf), streamed
// as RunEvents as it goes; also what a stopped run still has.
import { encodeNumber, type NonFiniteEvent, type OutputChunk, type Place, type RunEvent, type Series, type TraceComparison } from "../protocol/trace";
import type { Tensor } from "../engine/tensor";

export const DEFAULT_MAX_OUTPUT_BYTES = 1 << 20;
const MAX_SERIES_POINTS = 10_000;
const FLUSH_MS = 100;

export interface RecorderMark {
  output: OutputChunk[];
  nOutput: number;
  lastText: number;
  outputBytes: number;
  droppedOutputBytes: number;
  comparisons: TraceComparison[];
  nComparisons: number;
  series: Map<string, { s: Series; n: number }>;
  nonFinite: NonFiniteEvent | undefined;
}

/** Everything a run collects before it becomes a Trace (also what a cancelled run still has). */
export class RunRecorder {
  readonly output: OutputChunk[] = [];
  outputBytes = 0;
  droppedOutputBytes = 0;
  readonly comparisons: TraceComparison[] = [];
  readonly series = new Map<string, Series>();
  nonFinite?: NonFiniteEvent;
  readonly notes: string[] = [];
  private pendingSeries: RunEvent[] = [];
  private lastFlush = 0;

  constructor(private readonly emit: ((e: RunEvent) => void) | undefined, private readonly maxOutputBytes: number) {}

  write(stream: OutputChunk["stream"], text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.outputBytes + bytes > this.maxOutputBytes) {
      this.droppedOutputBytes += bytes;
      return;
    }
    this.outputBytes += bytes;
    const last = this.output[this.output.length - 1];
    if (last && last.stream === stream && last.text.length < 4096) last.text += text;
    else this.output.push({ stream, text });
    this.emit?.({ type: "output", chunk: { stream, text } });
  }

  comparison(c: TraceComparison): void {
    this.comparisons.push(c);
    // the live event is for progress and a stopped run's rows: its samples would cost a clone per cmp
    const { manual: _m, grad: _g, diff: _d, ...row } = c;
    this.emit?.({ type: "comparison", comparison: row });
  }

  /** The run's first NaN/Inf: the op that made it and where the script was (`place`, asked once). */
  noteNonFinite(t: Tensor, op: string, place: () => Place | undefined): void {
    if (this.nonFinite) return;
    const v = t._read();
    let kind: "nan" | "inf" = "inf";
    for (let i = 0; i < v.length; i++) if (v[i] !== v[i]) { kind = "nan"; break; }
    this.nonFinite = { op, kind, tensorId: t.id, place: place() };
  }

  log(name: string, value: number, step: number | undefined): void {
    let s = this.series.get(name);
    if (!s) this.series.set(name, (s = { name, steps: [], values: [] }));
    const at = step ?? s.steps.length;
    s.steps.push(at);
    s.values.push(encodeNumber(value));
    if (this.emit) {
      this.pendingSeries.push({ type: "series", name, step: at, value: encodeNumber(value) });
      const now = Date.now();
      if (now - this.lastFlush > FLUSH_MS) this.flush(now);
    }
  }

  flush(now = Date.now()): void {
    this.lastFlush = now;
    // a long run logs every step: send the latest point of each series per flush
    const latest = new Map<string, RunEvent>();
    for (const e of this.pendingSeries) if (e.type === "series") latest.set(e.name, e);
    this.pendingSeries = [];
    for (const e of latest.values()) this.emit?.(e);
  }

  /** How much the recorder holds now (Python's live re-runs keep one per statement boundary). */
  mark(): RecorderMark {
    const last = this.output[this.output.length - 1];
    return {
      output: this.output, nOutput: this.output.length, lastText: last ? last.text.length : 0, outputBytes: this.outputBytes,
      droppedOutputBytes: this.droppedOutputBytes, comparisons: this.comparisons, nComparisons: this.comparisons.length,
      series: new Map([...this.series].map(([name, s]) => [name, { s, n: s.steps.length }])), nonFinite: this.nonFinite,
    };
  }

  /**
   * Start over with what the recorder that made `m` held then, and send it as events again (a
   * stopped run keeps it). Rows lose the diagnosis the end of that run gave them.
   */
  resume(m: RecorderMark): void {
    this.output.splice(0, Infinity, ...m.output.slice(0, m.nOutput).map((c, i) => (i === m.nOutput - 1 ? { ...c, text: c.text.slice(0, m.lastText) } : { ...c })));
    this.outputBytes = m.outputBytes;
    this.droppedOutputBytes = m.droppedOutputBytes;
    this.comparisons.splice(0, Infinity, ...m.comparisons.slice(0, m.nComparisons).map((c) => {
      const row = { ...c };
      delete row.diagnosis;
      return row;
    }));
    this.series.clear();
    for (const [name, { s, n }] of m.series) this.series.set(name, { name, steps: s.steps.slice(0, n), values: s.values.slice(0, n) });
    this.nonFinite = m.nonFinite && { ...m.nonFinite };
    this.pendingSeries = [];
    if (!this.emit) return;
    for (const chunk of this.output) this.emit({ type: "output", chunk: { ...chunk } });
    for (const c of this.comparisons) {
      const { manual: _m, grad: _g, diff: _d, ...row } = c;
      this.emit({ type: "comparison", comparison: row });
    }
    for (const s of this.series.values()) {
      const at = s.steps.length - 1;
      if (at >= 0) this.emit({ type: "series", name: s.name, step: s.steps[at], value: s.values[at] });
    }
  }

  /** Series downsampled to at most MAX_SERIES_POINTS (the last point always kept). */
  seriesList(): Series[] {
    return [...this.series.values()].map((s) => {
      if (s.steps.length <= MAX_SERIES_POINTS) return s;
      const k = Math.ceil(s.steps.length / MAX_SERIES_POINTS);
      const keep = (_: unknown, i: number) => i % k === 0 || i === s.steps.length - 1;
      return { name: s.name, steps: s.steps.filter(keep), values: s.values.filter(keep) };
    });
  }
}

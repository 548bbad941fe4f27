// What both notebook kernels (the worker's and the user's own Python's) say when a cell ends its
// session, and the session bookkeeping they share (CellSession).
import type { ScriptError } from "../protocol/trace";
import type { RunHandle } from "./runner";

/** What a cell that ended its kernel's session says, after why (the runner's part of the message). */
export const SESSION_LOST = "the kernel restarted: the globals of earlier cells are lost, and the next cell runs in a fresh session";

/** The error name of a cell whose session a second interrupt or a restart ended. */
export const KERNEL_RESTARTED = "KernelRestarted";

/** Adds what became of the session to a cell's error: the message after a semicolon, the stack (shown in the cell) as a sentence of its own. */
export function tellSession(e: ScriptError, clause: string): void {
  const stack = (e.stack ?? `${e.name}: ${e.message}`).trimEnd();
  e.stack = `${stack}\n\n${clause[0].toUpperCase()}${clause.slice(1)}.`;
  e.message += `; ${clause}`;
}

/** The error of a cell that ended its session says so. */
export const sessionLost = (e: ScriptError): void => tellSession(e, SESSION_LOST);

/**
 * The bookkeeping both notebook kernels share: the sessions counted, the cell running, the interrupts
 * it got, a restart pending. How a session lives (a worker, a process) and how an interrupt acts on it
 * are the subclasses'.
 */
export abstract class CellSession<Run extends RunHandle = RunHandle> {
  protected current: Run | undefined;
  /** the next cell starts a new session (restart) */
  protected resetNext = false;
  protected disposed = false;
  private interrupts = 0;
  private sessions = 0;

  constructor(readonly file: string) {}

  /** Counts the sessions started (a new worker or process, or a restart): a change means the globals are gone. */
  get session(): number {
    return this.sessions;
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Whether the session has a live worker or process. */
  abstract get hasWorker(): boolean;

  /**
   * Interrupt the running cell: the first time KeyboardInterrupt, which keeps the session; again,
   * while the cell still runs, the subclass ends its session.
   */
  interrupt(): void {
    const run = this.current;
    if (!run) return;
    if (this.interrupts++ === 0) this.firstInterrupt(run);
    else this.againInterrupt(run);
  }

  protected abstract firstInterrupt(run: Run): void;
  protected abstract againInterrupt(run: Run): void;

  /** The guards opening runCell; true when this cell starts a new session (counted here). */
  protected beginCell(): boolean {
    if (this.disposed) throw new Error("the kernel was disposed");
    if (this.current) throw new Error("a cell is already running in this kernel");
    const fresh = this.resetNext || !this.hasWorker;
    if (fresh) this.sessions++;
    this.resetNext = false;
    this.interrupts = 0;
    return fresh;
  }

  /** `run` is the running cell until its trace is in (before the caller sees the trace). */
  protected running(run: Run): Run {
    this.current = run;
    run.trace.then(() => { if (this.current === run) this.current = undefined; }, () => { if (this.current === run) this.current = undefined; });
    return run;
  }
}

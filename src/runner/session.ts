// What both notebook kernels (the worker's and the user's own Python's) say when a cell ends its session.
import type { ScriptError } from "../protocol/trace";

/** What a cell that ended its kernel's session says, after why (the runner's part of the message). */
export const SESSION_LOST = "the kernel restarted: the globals of earlier cells are lost, and the next cell runs in a fresh session";

/** The error name of a cell whose session a second interrupt or a restart ended. */
export const KERNEL_RESTARTED = "KernelRestarted";

/** The error of a cell that ended its session: the message says so; the stack, shown in the cell, on a line of its own. */
export function sessionLost(e: ScriptError): void {
  const stack = (e.stack ?? `${e.name}: ${e.message}`).trimEnd();
  e.stack = `${stack}\n\n${SESSION_LOST[0].toUpperCase()}${SESSION_LOST.slice(1)}.`;
  e.message += `; ${SESSION_LOST}`;
}

// Where the user's code is: stack frames of the instrumented script mapped back to the lines and
// columns of the source the user wrote.
import type { Place } from "../protocol/trace";
import type { PreparedScript } from "./instrument";

/** Matches `file:line:column` in a stack frame of the user's file. */
function frameRegex(file: string): RegExp {
  return new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+):(\\d+)`);
}

/** The innermost frame of `stack` that is in the user's file, mapped to their source. */
export function userPlace(stack: string | undefined, file: string, prepared: PreparedScript | undefined): Place | undefined {
  if (!stack || !prepared) return undefined;
  const re = frameRegex(file);
  for (const line of stack.split("\n")) {
    const m = re.exec(line);
    if (m) return prepared.toOriginal(Number(m[1]), Number(m[2]) - 1);
  }
  return undefined;
}

const callSites = (_: Error, sites: NodeJS.CallSite[]) => sites;

/**
 * Where the user's code is in the current call stack (the innermost frame in their file): what
 * userPlace(new Error().stack, …) finds, from V8's call sites instead of a formatted stack (a cmp
 * row or the first NaN pays ~0.15 ms less).
 */
export function callerPlace(file: string, prepared: PreparedScript | undefined): Place | undefined {
  if (!prepared) return undefined;
  // the user's frame is usually a few calls up (hook → cmp → the script): look at that many frames
  // first, and at the whole stack only when it is further away
  return userFrame(file, prepared, NEAR_FRAMES) ?? userFrame(file, prepared, Error.stackTraceLimit);
}

/** A cmp call or an op that the script made itself sits this many frames above callerPlace. */
const NEAR_FRAMES = 6;

function userFrame(file: string, prepared: PreparedScript, frames: number): Place | undefined {
  const saved = Error.prepareStackTrace, savedLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = callSites;
  Error.stackTraceLimit = frames;
  let sites: NodeJS.CallSite[];
  try {
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callerPlace);
    sites = holder.stack as NodeJS.CallSite[];
  } finally {
    Error.prepareStackTrace = saved;
    Error.stackTraceLimit = savedLimit;
  }
  if (!Array.isArray(sites)) return undefined;
  for (const s of sites) {
    if (s.getFileName() !== file) continue;
    const line = s.getLineNumber(), column = s.getColumnNumber();
    if (line !== null && column !== null) return prepared.toOriginal(line, column - 1);
  }
  return undefined;
}

/** The stack rewritten in the user's terms: their frames only, at their lines. */
export function userStack(err: Error, file: string, prepared: PreparedScript | undefined): string {
  const lines = (err.stack ?? String(err)).split("\n");
  const head = lines.filter((l) => !/^\s+at /.test(l));
  const frames: string[] = [];
  const re = frameRegex(file);
  for (const l of lines) {
    const m = re.exec(l);
    if (!m || !prepared) continue;
    const p = prepared.toOriginal(Number(m[1]), Number(m[2]) - 1);
    if (p) frames.push(l.replace(re, `${file}:${p.line}:${p.column}`));
  }
  return [...head, ...frames].join("\n");
}

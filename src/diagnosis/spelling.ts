// How a fix hint's code is written in the script's own language: Python spells torch as the
// notebook does; TypeScript/JavaScript use the engine's API (docs/engine-api.md), where keyword
// arguments are a trailing options object and operators are methods. Sentences are written once
// and ask this for each code fragment.
import type { Language } from "../protocol/trace";

export interface Spelling {
  /** the keepdim keyword as passed to a reduction: `keepdim=True` / `{ keepdim: true }` */
  keepdim: string;
  /** `.sum(1, keepdim=True)` / `.sum(1, { keepdim: true })`; several dims as a list */
  sum(dims: readonly number[], keepdim: boolean): string;
  /** `a @ b` / `a.matmul(b)` */
  matmul(a: string, b: string): string;
  /** `a * b` / `a.mul(b)` */
  mul(a: string, b: string): string;
  /** `x += v` / `x = x.add(v)` */
  addTo(target: string, value: string): string;
}

const dimsArg = (dims: readonly number[]) => (dims.length === 1 ? String(dims[0]) : `[${dims.join(", ")}]`);
/** An operand or a method's receiver: anything but a name or a call chain gets parentheses (`(local derivative).mul(dy)`). */
const atom = (a: string) => (/^[\w$.]+(\(.*\))?$/.test(a) ? a : `(${a})`);

const PYTHON: Spelling = {
  keepdim: "keepdim=True",
  sum: (dims, keepdim) => `.sum(${dimsArg(dims)}${keepdim ? ", keepdim=True" : ""})`,
  matmul: (a, b) => `${atom(a)} @ ${atom(b)}`,
  mul: (a, b) => `${atom(a)} * ${atom(b)}`,
  addTo: (target, value) => `${target} += ${value}`,
};

const ENGINE: Spelling = {
  keepdim: "{ keepdim: true }",
  sum: (dims, keepdim) => `.sum(${dimsArg(dims)}${keepdim ? ", { keepdim: true }" : ""})`,
  matmul: (a, b) => `${atom(a)}.matmul(${b})`,
  mul: (a, b) => `${atom(a)}.mul(${b})`,
  addTo: (target, value) => `${target} = ${target}.add(${value})`,
};

/** The spelling for a script's language; Python when it is not known (the notebook's own form). */
export function spelling(language?: Language): Spelling {
  return language === "typescript" || language === "javascript" ? ENGINE : PYTHON;
}

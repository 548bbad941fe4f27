// Fixture traces for the panel tests: the runner's output in test/fixtures/traces/generated/ when it
// has been generated (npm run fixtures:traces), else the hand-built test inputs of ../fixtures/traces/handbuilt.ts.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { isTrace, type Trace } from "../../src/protocol/trace";
import {
  handbuiltBig, handbuiltError, handbuiltOneWrong, handbuiltSolved, handbuiltTraining, handbuiltValues,
} from "../fixtures/traces/handbuilt";
import { repoRoot } from "./harness";

export type FixtureName =
  | "exercise1-solved" | "exercise1-one-wrong" | "script-error" | "graph-1000" | "training" | "values" | "scaffold" | "exercise-python";

/** The solved exercise as "New backprop exercise" leaves it: every gradient still to write. */
function handbuiltScaffold(): Trace {
  const t = handbuiltSolved();
  t.file = "/work/backprop_ninja.ts";
  t.comparisons = t.comparisons.map(({ manual: _m, diff: _d, ...c }) => ({
    ...c, status: "not-written", exact: false, approximate: false, maxdiff: null, manualShape: null, message: `d${c.name} is not written yet`,
  }));
  return t;
}

const HANDBUILT: Record<FixtureName, () => Trace> = {
  "exercise1-solved": handbuiltSolved,
  "exercise1-one-wrong": handbuiltOneWrong,
  "script-error": handbuiltError,
  "graph-1000": () => handbuiltBig(1000),
  training: handbuiltTraining,
  values: handbuiltValues,
  scaffold: handbuiltScaffold,
  "exercise-python": () => ({ ...handbuiltSolved(), file: "/work/backprop_ninja.py", language: "python" }),
};

export const generatedDir = path.join(repoRoot, "test/fixtures/traces/generated");
const announced = new Set<string>();

export function loadFixture(name: FixtureName): Trace {
  const file = path.join(generatedDir, `${name}.json`);
  if (existsSync(file)) {
    const t: unknown = JSON.parse(readFileSync(file, "utf8"));
    if (!isTrace(t)) throw new Error(`${file} is not a trace`);
    return t;
  }
  if (!announced.has(name)) {
    announced.add(name);
    console.log(`      (fixture ${name}: hand-built test input; no runner-generated trace)`);
  }
  return HANDBUILT[name]();
}

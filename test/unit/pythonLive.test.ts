// Python live mode (src/python/site/_bpn_live.py): a save re-runs from the first changed top-level
// statement, from the interpreter state kept in front of it. Randomized edits of the exercise
// (changed, inserted and deleted statements in the backward part, constants early on, a second
// backward through the kept graph) are run both ways; the trace of each incremental run must be
// the trace of a full run of the same text in a fresh worker: cmp rows (verdicts, maxdiffs, samples,
// diagnoses), printed output, status and error.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Trace } from "../../src/protocol/trace";
import { runPythonTrace } from "../../src/runner/python";
import { Runner } from "../../src/runner/runner";
import { loadPython } from "../../src/python/index";
import { EXAMPLE } from "./python.exercise";

const repoRoot = path.resolve(__dirname, "../..");
const namesFile = path.resolve(repoRoot, "../shared/data/names.txt");
/** A subset of the names keeps the full runs short; which names does not matter here. */
const WORDS = 4000;

/** mulberry32: the edits are random, and the same ones on every run of the test */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LINES = EXAMPLE.split("\n");
const at = (prefix: string) => {
  const i = LINES.findIndex((l) => l.startsWith(prefix));
  assert.ok(i >= 0, prefix);
  return i;
};
const BACKWARD = { first: at("dlogprobs = torch.zeros_like"), last: at("dC = torch.zeros_like") - 1 };
const EX2 = { first: at("loss_fast = F.cross_entropy"), last: at("dhprebn = bngain * bnvar_inv") };

type Edit = { label: string; apply(lines: string[]): string[] };

/** One random edit of the exercise's text. */
function randomEdit(r: () => number): Edit {
  const pick = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const kinds: (() => Edit)[] = [
    () => { // a factor in one backward formula (wrong rows, diagnoses)
      const i = pick(BACKWARD.first, BACKWARD.last);
      const f = [0.5, 2, -1, 1.0001][pick(0, 3)];
      return { label: `scale line ${i + 1} by ${f}`, apply: (ls) => ls.map((l, k) => (k === i && /^d\w+ = /.test(l) ? l.replace(/ = (.*)$/, ` = (${f}) * ($1)`) : l)) };
    },
    () => { // a statement inserted in the backward part
      const i = pick(BACKWARD.first + 1, BACKWARD.last);
      return { label: `print before line ${i + 1}`, apply: (ls) => [...ls.slice(0, i), `print('probe', ${i}, dlogprobs.sum().item())`, ...ls.slice(i)] };
    },
    () => { // a backward statement deleted (a later use may fail: the error must be the same)
      const i = pick(BACKWARD.first + 1, BACKWARD.last);
      return { label: `delete line ${i + 1}`, apply: (ls) => (/^\w/.test(ls[i]) && !/^for |^\s/.test(ls[i]) ? [...ls.slice(0, i), ...ls.slice(i + 1)] : ls) };
    },
    () => { // exercise 2 or 3 changed
      const i = pick(EX2.first, EX2.last);
      return { label: `exercise 2/3 line ${i + 1}`, apply: (ls) => ls.map((l, k) => (k === i && /^d\w+ \/= n$/.test(l) ? "dlogits /= (n + 1)" : k === i ? l.replace("keepdim=True", "keepdim=True").replace("1e-5", "1e-4") : l)) };
    },
    () => { // a constant early on: everything after it differs
      const v = pick(30, 40);
      return { label: `batch_size = ${v}`, apply: (ls) => ls.map((l) => (l.startsWith("batch_size = ") ? `batch_size = ${v}` : l)) };
    },
    () => ({ // a second backward through the graph the kept state holds: not resumable
      label: "loss.backward() again in the backward part",
      apply: (ls) => [...ls.slice(0, BACKWARD.first + 3), "loss.backward(retain_graph=True)", ...ls.slice(BACKWARD.first + 3)],
    }),
    () => ({ label: "no change", apply: (ls) => ls }),
  ];
  return kinds[pick(0, kinds.length - 1)]();
}

/**
 * What must be equal: rows (verdicts, maxdiffs, samples, diagnoses), printed text, status, error.
 * Tensor and node ids are left out: they count on across the runs a warm worker makes.
 */
function essence(t: Trace): unknown {
  return {
    status: t.status,
    rows: t.comparisons.map((c) => {
      const { tensorId: _t, manualId: _m, nodeId: _n, ...row } = c as typeof c & { tensorId?: number; manualId?: number };
      return row;
    }),
    output: t.output.map((c) => c.text).join(""),
    error: t.error && { name: t.error.name, message: t.error.message, place: t.error.place },
    nonFinite: t.nonFinite,
  };
}

describe("Python live mode: a save parses only what changed", function () {
  this.timeout(600_000);
  it("random line edits: the statements (or the syntax error) of parsing the whole text", async function () {
    const { py } = await loadPython();
    const mod = py.runPython(fs.readFileSync(path.join(__dirname, "pythonLive.parse.py"), "utf8") + "\ncheck") as unknown as
      ((base: string, steps: number, seed: number) => { toJs(): [string[], number]; destroy(): void }) & { destroy(): void };
    const r = mod(EXAMPLE, 200, 17);
    const [bad, partial] = r.toJs();
    r.destroy();
    mod.destroy();
    assert.deepEqual(bad, []);
    // most edits took the partial path, not the whole parse it falls back to
    assert.ok(partial > 100, `only ${partial} of 200 edits were parsed in part`);
  });
});

describe("Python live mode: incremental re-runs equal full runs", function () {
  this.timeout(1_200_000);
  let dir = "";
  let runner: Runner;

  before(function () {
    if (!fs.existsSync(namesFile)) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-live-"));
    const names = fs.readFileSync(namesFile, "utf8").split("\n").slice(0, WORDS);
    fs.writeFileSync(path.join(dir, "names.txt"), names.join("\n") + "\n");
    runner = new Runner();
  });
  after(() => {
    runner?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const file = () => path.join(dir, "backprop_ninja.py");
  const live = (source: string) => runPythonTrace({ type: "run", file: file(), source, live: true, lastPlace: new SharedArrayBuffer(8), cwd: dir }, () => {});
  const full = (source: string) => runner.run(file(), { source, timeoutMs: 0 }).trace;

  it("a random sequence of edits: every incremental trace equals the full run's", async function () {
    const r = rng(17);
    fs.writeFileSync(file(), EXAMPLE);
    const first = await live(EXAMPLE);
    assert.equal(first.status, "ok");
    assert.match(first.notes.join("\n"), /live run: all \d+ statements ran/);
    let resumed = 0, fellBack = 0;
    const STEPS = Number(process.env.BPN_LIVE_STEPS ?? 14);
    for (let step = 0; step < STEPS; step++) {
      const edit = randomEdit(r);
      const source = edit.apply(LINES).join("\n");
      const inc = await live(source);
      const ref = await full(source);
      const note = inc.notes.find((n) => n.startsWith("live run:")) ?? "";
      if (/resumed at|no statement changed/.test(note)) resumed++;
      if (/backward\(\) goes through/.test(note)) fellBack++;
      assert.deepEqual(essence(inc), essence(ref), `step ${step}: ${edit.label} (${note})`);
    }
    // the fast path was taken, and was refused where it must be
    assert.ok(resumed >= STEPS / 3, `only ${resumed} of ${STEPS} runs resumed`);
    void fellBack;
  });

  it("a second backward through the kept graph runs in full, and says why", async function () {
    fs.writeFileSync(file(), EXAMPLE);
    await live(EXAMPLE);
    const lines = [...LINES];
    lines.splice(BACKWARD.first + 3, 0, "loss.backward(retain_graph=True)");
    const source = lines.join("\n");
    const inc = await live(source);
    assert.match(inc.notes.join("\n"), /all \d+ statements ran \(backward\(\) goes through \w+, made before the statements that were re-run\)/);
    assert.deepEqual(essence(inc), essence(await full(source)));
  });

  it("state is kept right after loss.backward(): an edit of the next statement resumes there", async function () {
    fs.writeFileSync(file(), EXAMPLE);
    await live(EXAMPLE);
    assert.ok(/^loss\.backward\(\)\nprint\(loss\)$/m.test(EXAMPLE), "the exercise prints the loss right after backward()");
    const source = EXAMPLE.replace(/^loss\.backward\(\)\nprint\(loss\)$/m, "loss.backward()\nprint(loss, 'after backward')");
    const inc = await live(source);
    assert.match(inc.notes.join("\n"), /resumed at statement \d+ of \d+/);
    assert.deepEqual(essence(inc), essence(await full(source)));
  });

  it("an edit in the backward part resumes there; saving again unchanged replays the whole trace", async function () {
    fs.writeFileSync(file(), EXAMPLE);
    await live(EXAMPLE);
    const source = EXAMPLE.replace("dh = dlogits @ W2.T", "dh = dlogits @ W2.T * 2");
    const inc = await live(source);
    assert.match(inc.notes.join("\n"), /resumed at statement \d+ of \d+/);
    assert.equal(inc.comparisons.find((c) => c.name === "h")?.status, "wrong");
    const again = await live(source);
    assert.match(again.notes.join("\n"), /no statement changed/);
    assert.deepEqual(essence(again), essence(inc));
  });
});

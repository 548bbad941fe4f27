// One Problems entry per mistake (src/extension/problems.ts) on real traces: small TypeScript
// chains with planted mistakes run in process, the panel's generated exercise trace (written before
// rows carried `causes` and `manualPlace`), and a notebook run through Python.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Trace } from "../../src/protocol/trace";
import { executeScript } from "../../src/runner/execute";
import { Runner } from "../../src/runner/runner";
import { problemsOf, type Problem } from "../../src/extension/problems";
import { outcomeOf } from "../../src/extension/traceAdapter";

const repo = path.resolve(__dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-problems-"));

// y = x @ w → tanh → row sums → mean of squares; the hand-written backward pass, one line each
const CHAIN = {
  head: `import { torch, cmp } from "backprop-ninja";
const g = torch.Generator().manual_seed(1);
const x = torch.randn(4, 3, { generator: g, requires_grad: true });
const w = torch.randn(3, 5, { generator: g, requires_grad: true });
const h = x.matmul(w);
const a = h.tanh();
const s = a.sum(1, { keepdim: true });
const loss = s.mul(s).mean();
for (const t of [h, a, s]) t.retain_grad();
loss.backward();
`,
  ds: "const ds = s.mul(2 / 4);",
  da: "const da = ds.mul(1).expand(4, 5);",
  dh: "const dh = torch.ones_like(a).sub(a.mul(a)).mul(da);",
  dw: "const dw = x.T.matmul(dh);",
  dx: "const dx = dh.matmul(w.T);",
  cmps: `cmp("s", ds, s);
cmp("a", da, a);
cmp("h", dh, h);
cmp("w", dw, w);
cmp("x", dx, x);
`,
};
type Step = "ds" | "da" | "dh" | "dw" | "dx";

/** Runs the chain with some steps replaced; returns the trace and the text it ran. */
function runChain(name: string, plants: Partial<Record<Step, string>>, tail = ""): { trace: Trace; lines: string[] } {
  const steps = (["ds", "da", "dh", "dw", "dx"] as const).map((k) => plants[k] ?? CHAIN[k]);
  const text = CHAIN.head + steps.join("\n") + "\n" + CHAIN.cmps + tail;
  const file = path.join(dir, `${name}.ts`);
  fs.writeFileSync(file, text);
  const trace = executeScript({ file });
  assert.equal(trace.status, "ok", trace.error?.message);
  return { trace, lines: text.split("\n") };
}
/** 0-based line of the first line starting with `start`. */
const lineOf = (lines: string[], start: string) => {
  const i = lines.findIndex((l) => l.startsWith(start));
  assert.ok(i >= 0, `${start} not in the script`);
  return i;
};
const cmpLine = (lines: string[], name: string) => lineOf(lines, `cmp("${name}"`);

describe("Problems: one entry per mistake", () => {
  it("a correct run has no entries", () => {
    const { trace } = runChain("solved", {});
    assert.deepEqual(trace.comparisons.map((c) => c.status), ["exact", "exact", "exact", "exact", "exact"]);
    assert.deepEqual(problemsOf(outcomeOf(trace)), []);
  });

  it("a sign flip: one warning at the line assigning it, its cmp and the rows that inherit it as related information", () => {
    const { trace, lines } = runChain("sign", { da: "const da = ds.mul(-1).expand(4, 5);" });
    const rowA = trace.comparisons.find((c) => c.name === "a")!;
    assert.equal(rowA.diagnosis?.kind, "sign-flipped");
    const problems = problemsOf(outcomeOf(trace));
    assert.equal(problems.length, 1, problems.map((p) => p.message).join("\n"));
    const [p] = problems;
    assert.equal(p.severity, "warning");
    assert.equal(p.code, "wrong");
    assert.deepEqual(p.place, { line: lineOf(lines, "const da = ") });
    assert.ok(p.message.startsWith(rowA.diagnosis!.sentence), p.message);
    assert.match(p.message, /\(3 later cmp rows depend on it\.\)$/);
    assert.deepEqual(p.related.map((r) => r.place.line), ["a", "h", "w", "x"].map((n) => cmpLine(lines, n)));
    assert.match(p.related[0].message, /^cmp\("a"\): ✗ wrong, maxdiff \S+$/);
    for (const r of p.related.slice(1)) assert.match(r.message, /^cmp\("\w"\): ✗ wrong, maxdiff \S+ — only inherits this error$/);
  });

  it("a second, independent mistake keeps its own entry; rows inheriting only the first stay under it", () => {
    const { trace, lines } = runChain("two", { da: "const da = ds.mul(-1).expand(4, 5);", dw: "const dw = x.T.matmul(dh).mul(3);" });
    const kinds = Object.fromEntries(trace.comparisons.map((c) => [c.name, c.diagnosis?.kind]));
    assert.equal(kinds.a, "sign-flipped");
    assert.notEqual(kinds.w, "downstream");
    const problems = problemsOf(outcomeOf(trace));
    assert.deepEqual(problems.map((p) => p.place.line), [lineOf(lines, "const da = "), lineOf(lines, "const dw = ")]);
    const [a, w] = problems;
    assert.deepEqual(a.related.map((r) => r.place.line), ["a", "h", "x"].map((n) => cmpLine(lines, n)));
    assert.deepEqual(w.related.map((r) => r.place.line), [cmpLine(lines, "w")]);
    assert.equal(w.message, trace.comparisons.find((c) => c.name === "w")!.diagnosis!.sentence);
  });

  it("a wrong shape: its entry lists the rows that cannot be checked before it is fixed", () => {
    const { trace, lines } = runChain("shape", {
      dh: "const dh = torch.ones_like(a).sub(a.mul(a)).mul(da).sum(0, { keepdim: true });",
      dw: "const dw = x.T.matmul(dh.expand(4, 5));",
      dx: "const dx = dh.expand(4, 5).matmul(w.T);",
    });
    assert.equal(trace.comparisons.find((c) => c.name === "h")!.status, "shape-mismatch");
    const problems = problemsOf(outcomeOf(trace));
    assert.equal(problems.length, 1, problems.map((p) => p.message).join("\n"));
    assert.equal(problems[0].code, "shape-mismatch");
    assert.equal(problems[0].place.line, lineOf(lines, "const dh = "));
    assert.match(problems[0].message, /^first wrong gradient · /);
    assert.deepEqual(problems[0].related.map((r) => r.place.line), ["h", "w", "x"].map((n) => cmpLine(lines, n)));
    for (const r of problems[0].related.slice(1)) assert.match(r.message, /can be checked once this is fixed$/);
  });

  it("a cmp without an autograd gradient and a manual gradient written in the call stay at the cmp line", () => {
    const tail = `const z = torch.ones(2);\ncmp("z", torch.ones(2), z);\ncmp("s2", s.mul(2 / 4).neg(), s);\n`;
    const { trace, lines } = runChain("nograd", {}, tail);
    const problems = problemsOf(outcomeOf(trace));
    assert.deepEqual(problems.map((p) => [p.code, p.place.line]), [["no-grad", cmpLine(lines, "z")], ["wrong", cmpLine(lines, "s2")]]);
    assert.deepEqual(problems.map((p) => p.related), [[], []]);
    assert.match(problems[0].message, /^cmp\("z"\): /);
  });

  it("a script error is an error entry at its place, after the gradients' entries", () => {
    const { trace } = runChain("sign-then-error", { da: "const da = ds.mul(-1).expand(4, 5);" });
    const file = path.join(dir, "error.ts");
    fs.writeFileSync(file, CHAIN.head + "const bad = x.matmul(x);\n");
    const errTrace = executeScript({ file });
    const problems = problemsOf(outcomeOf(errTrace));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].severity, "error");
    assert.equal(problems[0].code, "script-error");
    assert.equal(problems[0].place.line, errTrace.error!.place!.line - 1);
    // both together: the gradient's entry first
    const both = outcomeOf({ ...trace, status: "error", error: errTrace.error });
    assert.deepEqual(problemsOf(both).map((p) => p.severity), ["warning", "error"]);
  });

  it("the generated exercise-1 trace (rows without causes or manualPlace): one entry at dbndiff's assignment", () => {
    const trace: Trace = JSON.parse(fs.readFileSync(path.join(repo, "test/fixtures/traces/generated/exercise1-one-wrong.json"), "utf8"));
    const first = trace.comparisons.find((c) => c.diagnosis && !c.diagnosis.downstreamOf)!;
    const inheriting = trace.comparisons.filter((c) => c.diagnosis?.downstreamOf === first.name);
    assert.ok(inheriting.length > 0);
    const problems = problemsOf(outcomeOf(trace));
    assert.equal(problems.length, 1, problems.map((p) => p.message).join("\n"));
    const bound = trace.tensors.find((t) => t.name === first.manualName)!;
    assert.equal(problems[0].place.line, bound.line - 1);
    assert.deepEqual(problems[0].related.map((r) => r.place.line), [first, ...inheriting].map((c) => c.line - 1));
  });
});

describe("Problems: a notebook's entries carry the cell of each place", function () {
  this.timeout(120_000); // loads Pyodide
  const runner = new Runner();
  after(() => runner.dispose());

  it("the entry at the assigning line in its cell, the cmp rows in theirs", async () => {
    const cell = (cell_type: string, source: string) => ({ cell_type, metadata: {}, source, ...(cell_type === "code" ? { outputs: [], execution_count: null } : {}) });
    const forward = "import torch\ng = torch.Generator().manual_seed(1)\nx = torch.randn(4, 3, generator=g, requires_grad=True)\nw = torch.randn(3, 5, generator=g, requires_grad=True)\n" +
      "h = x @ w\na = h.tanh()\ns = a.sum(1, keepdim=True)\nloss = (s * s).mean()\nfor t in [h, a, s]:\n    t.retain_grad()\nloss.backward()";
    const backward = "ds = s * (2 / 4)\nda = (ds * -1).expand(4, 5)\ndh = (1 - a * a) * da\ndw = x.T @ dh\ndx = dh @ w.T";
    const cmps = "def cmp(s, dt, t):\n    ex = torch.all(dt == t.grad).item()\n    app = torch.allclose(dt, t.grad)\n    maxdiff = (dt - t.grad).abs().max().item()\n" +
      "    print(f'{s:15s} | exact: {str(ex):5s} | approximate: {str(app):5s} | maxdiff: {maxdiff}')\n\n" +
      "cmp('s', ds, s)\ncmp('a', da, a)\ncmp('h', dh, h)\ncmp('w', dw, w)\ncmp('x', dx, x)";
    const file = path.join(dir, "chain.ipynb");
    fs.writeFileSync(file, JSON.stringify({ cells: [cell("markdown", "# planted"), cell("code", forward), cell("code", backward), cell("code", cmps)], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    const trace = await runner.run(file).trace;
    assert.equal(trace.status, "ok", trace.error?.message);
    const wrong = trace.comparisons.filter((c) => c.status === "wrong").map((c) => c.name);
    assert.deepEqual(wrong, ["a", "h", "w", "x"]);
    const problems: Problem[] = problemsOf(outcomeOf(trace));
    const cmpPlace = (name: string) => ({ line: cmps.split("\n").findIndex((l) => l.startsWith(`cmp('${name}'`)), cell: 3 });
    const daPlace = { line: backward.split("\n").findIndex((l) => l.startsWith("da = ")), cell: 2 };
    assert.equal(trace.comparisons.find((c) => c.name === "a")!.diagnosis?.kind, "sign-flipped");
    // the learner's own cmp passes no names: the entry finds `da` by the dX convention, in its cell
    assert.equal(problems.length, 1, problems.map((p) => p.message).join("\n"));
    assert.deepEqual(problems[0].place, daPlace);
    assert.deepEqual(problems[0].related.map((r) => r.place), wrong.map(cmpPlace));
  });
});

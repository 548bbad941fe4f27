// micrograd on the native backend (#22): Debian's python3 with real numpy and graphviz. The Values a
// script binds and the roots of its graphs (backward(), draw_dot()) reach the trace as the built-in
// engine reports them; a notebook's draw_dot is drawn by the user's own graphviz as SVG.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NativeKernelSession } from "../../src/runner/nativeKernel";
import { runNative } from "../../src/runner/nativePython";
import { notebookCodeCells } from "../../src/python/notebook";
import { interpreterOrSkip, PYTHON } from "./nativeInterpreter";

const repoRoot = path.resolve(__dirname, "../..");

// a micrograd-style Value whose tanh and data come from numpy
const NUMPY_MICROGRAD = `import numpy as np

class Value:
    def __init__(self, data, _children=(), _op='', label=''):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __add__(self, other):
        out = Value(self.data + other.data, (self, other), '+')
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other), '*')
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = np.tanh(self.data)
        out = Value(t, (self,), 'tanh')
        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, seen = [], set()
        def build(v):
            if v not in seen:
                seen.add(v)
                for c in v._prev:
                    build(c)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

rng = np.random.default_rng(0)
xs = [Value(x) for x in rng.standard_normal(2)]
w1, w2 = Value(-3.0), Value(1.0)
b = Value(6.8813735870195432)
n = xs[0] * w1 + xs[1] * w2 + b
o = n.tanh()
o.backward()
print(f"{o.data:.6f} {w1.grad:.6f}")
`;

describe("micrograd on the native backend (real numpy and graphviz)", function () {
  this.timeout(180_000);
  let dir: string;

  before(async function () {
    await interpreterOrSkip(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-native-micrograd-"));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it("a numpy micrograd script: its Values, the backward() root and its graph, data and grad as Python printed them", async () => {
    const file = path.join(dir, "mg.py");
    fs.writeFileSync(file, NUMPY_MICROGRAD);
    const plain = spawnSync(PYTHON, [file], { encoding: "utf8" });
    assert.equal(plain.status, 0, plain.stderr);
    const [oData, w1Grad] = plain.stdout.trim().split(" ").map(Number);
    const trace = await runNative(file, { python: PYTHON }).trace;
    assert.equal(trace.status, "ok", trace.error?.stack);
    const values = new Map((trace.values ?? []).map((v) => [v.name, v]));
    assert.equal(Number(values.get("o")?.data).toFixed(6), oData.toFixed(6));
    assert.equal(Number(values.get("w1")?.grad).toFixed(6), w1Grad.toFixed(6));
    assert.equal(values.get("o")?.line, NUMPY_MICROGRAD.split("\n").indexOf("o = n.tanh()") + 1);
    const root = trace.valueRoots?.find((r) => r.kind === "backward");
    assert.ok(root, JSON.stringify(trace.valueRoots));
    assert.equal(root.name, "o");
    assert.equal(root.nodes, 10, "o, n (the second sum), the first sum, two products, xs[0], xs[1], w1, w2, b");
    const graph = trace.valueGraphs![root.id];
    assert.equal(graph.source, "values");
    const top = graph.nodes.find((nd) => nd.id === graph.root);
    assert.ok(top, "the graph has its root");
    assert.equal(graph.nodes.length, 10);
  });

  it("the micrograd script of the examples: L's graph and grads, as the built-in engine shows them", async () => {
    const file = path.join(dir, "micrograd.py");
    fs.copyFileSync(path.join(repoRoot, "examples/python/micrograd.py"), file);
    const trace = await runNative(file, { python: PYTHON }).trace;
    assert.equal(trace.status, "ok", trace.error?.stack);
    const L = trace.values?.find((v) => v.name === "L");
    assert.equal(L?.grad, 1);
    assert.ok(trace.valueRoots?.some((r) => r.kind === "backward" && r.name === "L"), JSON.stringify(trace.valueRoots?.map((r) => r.name)));
    assert.equal(trace.graph?.source, "values");
  });

  it("the draw_dot notebook in the kernel: figures drawn by graphviz's dot, the drawn root, display() too", async () => {
    const nbFile = path.join(dir, "draw_dot.ipynb");
    fs.copyFileSync(path.join(repoRoot, "test/fixtures/graphviz/draw_dot.ipynb"), nbFile);
    const { cells } = notebookCodeCells(fs.readFileSync(nbFile, "utf8"));
    const k = new NativeKernelSession(nbFile, { python: PYTHON });
    try {
      const traces = [];
      for (const c of cells) traces.push(await k.runCell({ index: c.index, source: c.source }).trace);
      for (const t of traces) assert.equal(t.status, "ok", t.error?.stack);
      const drawn = traces[traces.length - 2];
      assert.equal(drawn.figures?.length, 1, "draw_dot(o) as the cell's last expression");
      assert.match(drawn.figures![0].svg, /<svg[\s\S]*tanh[\s\S]*<\/svg>/);
      assert.ok(drawn.valueRoots?.some((r) => r.kind === "drawn" && r.name === "o"), JSON.stringify(drawn.valueRoots));
      const shown = traces[traces.length - 1];
      assert.equal(shown.figures?.length, 1, "display(dot)");
      assert.ok(fs.existsSync(path.join(dir, "out", "neuron.svg")) || fs.readdirSync(path.join(dir, "out")).length > 0, "dot.render wrote its file");
    } finally {
      await k.dispose();
    }
  });
});

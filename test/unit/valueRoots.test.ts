// micrograd roots in the trace: every backward() root and named Value with its size, the panel's
// initial graph the smallest whole expression (not the training graph), the others on request.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { executeScript } from "../../src/runner/execute";
import { runPythonTrace } from "../../src/runner/python";
import { INITIAL_GRAPH_NODES } from "../../src/runner/valueRoots";
import { compactTrace, MAX_GRAPH_NODES, valueGraphOf, type Trace, type ValueRoot } from "../../src/protocol/trace";

const repo = path.resolve(__dirname, "../..");
const lineOf = (source: string, text: string) => source.split("\n").findIndex((l) => l.includes(text)) + 1;

function rootsByName(t: Trace): Map<string, ValueRoot> {
  return new Map((t.valueRoots ?? []).map((r) => [r.name, r]));
}

/** The graph of a root, as the panel would get it: its nodes are the root and what it was made from. */
function checkGraph(t: Trace, root: ValueRoot): void {
  const g = valueGraphOf(t, root.id)!;
  assert.ok(g, `a graph for ${root.name}`);
  assert.equal(g.root, root.id);
  assert.equal(g.nodes[g.nodes.length - 1].id, root.id, "root last");
  assert.equal(g.nodes.length, Math.min(root.nodes, MAX_GRAPH_NODES));
  assert.equal(g.truncated, root.nodes > MAX_GRAPH_NODES);
  const ids = new Set(g.nodes.map((n) => n.id));
  assert.ok(g.edges.every((e) => ids.has(e.from) && ids.has(e.to)));
}

describe("micrograd roots in the trace", () => {
  it("TypeScript demo: one root per backward() call site and per name; opens on the neuron, not the training graph", () => {
    const file = path.join(repo, "examples/micrograd.ts");
    const source = fs.readFileSync(file, "utf8");
    const t = executeScript({ file });
    assert.equal(t.status, "ok", JSON.stringify(t.error));
    const roots = rootsByName(t);
    const o = roots.get("o")!, total = roots.get("total")!, dataLoss = roots.get("dataLoss")!, x1 = roots.get("x1")!;
    // o = tanh(x1·w1 + x2·w2 + b): five leaves, two products, two sums, tanh
    assert.deepEqual([o.kind, o.nodes, o.whole, o.line], ["backward", 10, true, lineOf(source, "const o = n.tanh()")]);
    // the loop's backward() is one root (its last step's loss); its parts are no whole expressions
    assert.equal(t.valueRoots!.filter((r) => r.kind === "backward").length, 2);
    assert.equal(total.kind, "backward");
    assert.ok(total.whole && total.nodes > 50_000, `total has ${total.nodes} nodes`);
    assert.ok(!dataLoss.whole && dataLoss.nodes < total.nodes);
    assert.deepEqual([x1.nodes, x1.whole], [1, false]);

    assert.equal(t.valueRoot, o.id);
    assert.equal(t.graph!.root, o.id);
    assert.equal(t.graph!.nodes.length, 10);
    assert.equal(t.graph!.edges.length, 9);
    for (const r of [o, total, dataLoss, x1]) checkGraph(t, r);
    // the panel's copy names the roots and carries only the initial graph
    const compact = compactTrace(t);
    assert.equal(compact.valueRoots!.length, t.valueRoots!.length);
    assert.equal("valueGraphs" in compact, false);
    assert.ok(JSON.stringify(compact).length < 200_000, "the snapshot stays small");
  });

  it("Python demo: backward() roots named by their receiver, no roots from inside class Value", async function () {
    this.timeout(120_000);
    const file = path.join(repo, "examples/python/micrograd.py");
    const source = fs.readFileSync(file, "utf8");
    const t = await runPythonTrace({ type: "run", file, source, lastPlace: new SharedArrayBuffer(8) }, () => {});
    assert.equal(t.status, "ok", JSON.stringify(t.error));
    const roots = rootsByName(t);
    const L = roots.get("L")!, total = roots.get("total_loss")!, n = roots.get("n")!;
    // L = (e - 1) / (e + 1) with e = exp(2n): 18 Values
    assert.deepEqual([L.kind, L.nodes, L.whole, L.line], ["backward", 18, true, lineOf(source, "L.backward()")]);
    assert.deepEqual([n.kind, n.nodes, n.whole], ["named", 9, false]);
    assert.equal(total.kind, "backward");
    assert.ok(total.whole && total.nodes > 5_000, `total_loss has ${total.nodes} nodes`);
    assert.ok(!roots.has("out") && !roots.has("other"), "the engine's own temporaries are no roots");
    assert.ok(!roots.get("data_loss")!.whole);
    assert.equal(t.valueRoot, L.id);
    assert.equal(t.graph!.nodes.length, 18);
    const unnamed = t.graph!.nodes.filter((node) => node.name === undefined);
    assert.ok(unnamed.length > 0 && unnamed.every((node) => node.op !== undefined || node.leaf), "unnamed nodes carry their op");
    for (const r of [L, total, n]) checkGraph(t, r);
  });

  it("Python: draw_dot's argument is a root, even an unnamed expression", async function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-roots-"));
    const file = path.join(dir, "drawn.py");
    const source = [
      "class Value:",
      "    def __init__(self, data, _children=(), _op=''):",
      "        self.data, self.grad, self._prev, self._op = data, 0.0, set(_children), _op",
      "    def __add__(self, other):",
      "        return Value(self.data + other.data, (self, other), '+')",
      "    def __mul__(self, other):",
      "        return Value(self.data * other.data, (self, other), '*')",
      "",
      "def draw_dot(root):",
      "    return root",
      "",
      "a = Value(2.0)",
      "b = Value(-3.0)",
      "c = Value(10.0)",
      "draw_dot(a * b + c)",
      "big = a",
      "for i in range(600):",
      "    big = big * b + c",
      "",
    ].join("\n");
    fs.writeFileSync(file, source);
    const t = await runPythonTrace({ type: "run", file, source, lastPlace: new SharedArrayBuffer(8) }, () => {});
    assert.equal(t.status, "ok", JSON.stringify(t.error));
    const drawn = t.valueRoots!.find((r) => r.kind === "drawn")!;
    assert.deepEqual([drawn.name, drawn.nodes, drawn.whole, drawn.line], ["draw_dot(…)", 5, true, lineOf(source, "draw_dot(a * b + c)")]);
    const big = rootsByName(t).get("big")!;
    assert.equal(big.nodes, 3 + 2 * 600); // a, b, c and a product and a sum per step
    // the smallest whole expression opens; the big one is cut near its root until asked for
    assert.equal(t.valueRoot, drawn.id);
    const g = valueGraphOf(t, big.id)!;
    assert.equal(g.nodes.length, big.nodes);
    assert.ok(big.nodes > INITIAL_GRAPH_NODES);
  });
});

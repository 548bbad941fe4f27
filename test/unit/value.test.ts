import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { Value } from "../../src/engine/value";

const repoRoot = path.resolve(__dirname, "../..");

/** |a − b| ≤ atol + rtol·|b| */
function close(actual: number, expected: number, rtol: number, atol: number, what: string) {
  assert.ok(Number.isFinite(actual), `${what}: got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= atol + rtol * Math.abs(expected), `${what}: ${actual} vs expected ${expected}`);
}

const relu = (v: Value) => v.relu();

/** The expressions of scripts/reference/gen_parity_fixtures.py (SCALAR), written with Value. */
const EXPRESSIONS: Record<string, (...x: Value[]) => Value> = {
  sanity: (x) => {
    const z = x.mul(2).add(2).add(x);
    const q = relu(z).add(z.mul(x));
    const h = relu(z.mul(z));
    return h.add(q).add(q.mul(x));
  },
  mul_add_tanh: (a, b, c) => a.mul(b).add(c).tanh(),
  div_pow: (a, b) => a.div(b).add(b.pow(3)).sub(a.pow(-2)),
  reverse_scalars: (x) => x.rsub(2).mul(x.rdiv(3)).add(x.radd(1)).sub(x.rmul(4)),
  exp_log_sigmoid: (a, b) => a.mul(b).exp().log().mul(a.sub(b).sigmoid()).add(b.div(a).log()),
  relu_both_sides: (a, b) => relu(a).mul(b).add(relu(b).mul(a)).sub(relu(a.sub(b))),
  reuse: (x) => {
    const y = x.mul(x).add(x);
    return y.mul(y).add(y.tanh().mul(x));
  },
  neuron: (x1, x2, w1, w2, b, k) => x1.mul(w1).add(x2.mul(w2)).add(b).tanh().pow(2).mul(k),
  more_ops: (a, b) => {
    let c = a.add(b);
    let d = a.mul(b).add(b.pow(3));
    c = c.add(c).add(1);
    c = c.add(1).add(c).add(a.neg());
    d = d.add(d.mul(2)).add(b.add(a).relu());
    d = d.add(d.rmul(3)).add(b.sub(a).relu());
    const e = c.sub(d);
    const f = e.pow(2);
    let g = f.div(2.0);
    g = g.add(f.rdiv(10.0));
    return g;
  },
};

interface ScalarFixture {
  torch: string;
  cases: { name: string; inputs: number[]; out: number; grads: number[] }[];
}

describe("Value against PyTorch (float64 fixtures)", () => {
  const fixture = JSON.parse(fs.readFileSync(path.join(repoRoot, "test/fixtures/parity/scalar.json"), "utf8")) as ScalarFixture;

  it("covers every expression the fixture has", () => {
    assert.deepEqual(fixture.cases.map((c) => c.name).sort(), Object.keys(EXPRESSIONS).sort());
    assert.match(fixture.torch, /^1\.13/);
  });

  for (const name of Object.keys(EXPRESSIONS)) {
    it(`${name}: forward and gradients match PyTorch ${fixture.torch} to 1e-12`, () => {
      const c = fixture.cases.find((k) => k.name === name)!;
      const xs = c.inputs.map((v) => new Value(v));
      const out = EXPRESSIONS[name](...xs);
      out.backward();
      close(out.data, c.out, 1e-12, 1e-12, `${name} forward`);
      xs.forEach((x, i) => close(x.grad, c.grads[i], 1e-12, 1e-12, `${name} d/dx${i}`));
    });
  }
});

describe("Value ops: gradients against central finite differences", () => {
  const h = 1e-6;
  const ops: [string, (a: Value, b: Value) => Value, number, number][] = [
    ["add", (a, b) => a.add(b), 0.7, -1.3],
    ["sub", (a, b) => a.sub(b), 0.7, -1.3],
    ["mul", (a, b) => a.mul(b), 0.7, -1.3],
    ["div", (a, b) => a.div(b), 0.7, -1.3],
    ["pow 3", (a) => a.pow(3), -0.9, 0],
    ["pow -0.5", (a) => a.pow(-0.5), 1.7, 0],
    ["pow 2.5", (a) => a.pow(2.5), 0.8, 0],
    ["neg", (a) => a.neg(), 0.4, 0],
    ["exp", (a) => a.exp(), 0.4, 0],
    ["log", (a) => a.log(), 2.4, 0],
    ["tanh", (a) => a.tanh(), -0.6, 0],
    ["relu (positive)", (a) => a.relu(), 0.6, 0],
    ["relu (negative)", (a) => a.relu(), -0.6, 0],
    ["sigmoid", (a) => a.sigmoid(), -0.3, 0],
    ["radd", (a) => a.radd(2), 0.3, 0],
    ["rsub", (a) => a.rsub(2), 0.3, 0],
    ["rmul", (a) => a.rmul(2), 0.3, 0],
    ["rdiv", (a) => a.rdiv(2), 0.3, 0],
    ["Value.from(number) first", (a, b) => Value.from(3).div(a).mul(b), 0.5, 1.5],
  ];
  for (const [name, f, x0, y0] of ops) {
    it(name, () => {
      const a = new Value(x0), b = new Value(y0);
      f(a, b).backward();
      const fd = (da: number, db: number) => f(new Value(x0 + da), new Value(y0 + db)).data;
      const numA = (fd(h, 0) - fd(-h, 0)) / (2 * h);
      const numB = (fd(0, h) - fd(0, -h)) / (2 * h);
      close(a.grad, numA, 1e-6, 1e-8, `${name} d/da`);
      close(b.grad, numB, 1e-6, 1e-8, `${name} d/db`);
    });
  }
});

describe("Value graph", () => {
  it("a reused node accumulates both paths", () => {
    const a = new Value(3);
    const b = a.add(a); // d/da = 2
    b.backward();
    assert.equal(a.grad, 2);
    const x = new Value(-2);
    const y = x.mul(x).add(x); // d/dx = 2x + 1 = −3
    y.backward();
    assert.equal(x.grad, -3);
  });

  it("ids are stable and unique per object, never keyed by value", () => {
    const a = new Value(1), b = new Value(1);
    assert.notEqual(a.id, b.id);
    const c = a.add(b);
    c.backward();
    assert.equal(a.grad, 1);
    assert.equal(b.grad, 1);
    const g = Value.graph(c);
    assert.equal(g.nodes.length, 3);
    assert.deepEqual(g.edges.map((e) => e.to), [c.id, c.id]);
  });

  it("Value.graph lists nodes in topological order with op, data, grad, label and one edge per parent", () => {
    const a = new Value(2, [], "", "a"), b = new Value(-3, [], "", "b");
    const e = a.mul(b);
    e.label = "e";
    const d = e.add(a).tanh();
    d.backward();
    const g = Value.graph(d);
    const pos = new Map(g.nodes.map((n, i) => [n.id, i]));
    for (const edge of g.edges) assert.ok(pos.get(edge.from)! < pos.get(edge.to)!, "edge goes forward in the order");
    assert.equal(g.nodes[g.nodes.length - 1].id, d.id);
    assert.equal(g.nodes.length, 5);
    assert.equal(g.edges.length, 5); // a→e, b→e, e→+, a→+, +→tanh
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    assert.equal(byId.get(e.id)!.op, "*");
    assert.equal(byId.get(e.id)!.label, "e");
    assert.equal(byId.get(d.id)!.op, "tanh");
    assert.equal(byId.get(a.id)!.grad, a.grad);
    assert.equal(byId.get(b.id)!.data, -3);
    // d = tanh(ab + a): dd/da = (1 − d²)(b + 1)
    assert.ok(Math.abs(a.grad - (1 - d.data ** 2) * (b.data + 1)) < 1e-15);
  });

  it("backward on a 100,000-deep chain does not overflow the stack", function () {
    this.timeout(60_000); // 400k nodes on a shared 2-core machine
    const x = new Value(0.5);
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.mul(1.00001).add(1e-6);
    y.backward();
    assert.ok(Math.abs(x.grad - 1.00001 ** 100_000) < 1e-9 * 1.00001 ** 100_000);
    assert.equal(Value.graph(y).nodes.length, 1 + 100_000 * 4); // x, and per step: constant, *, constant, +
  });

  it("pow rejects a Value exponent", () => {
    assert.throws(() => new Value(2).pow(new Value(2) as unknown as number), /number exponent/);
  });
});

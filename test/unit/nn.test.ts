import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { Value } from "../../src/engine/value";
import { Layer, MLP, Neuron, makeMoons } from "../../src/engine/nn";
import { PyRandom } from "../../src/engine/random/pyrandom";
import * as engine from "../../src/engine/index";

/** micrograd's demo loss: SVM max-margin + 1e-4 L2; returns the loss and the training accuracy */
function demoLoss(model: MLP, X: [number, number][], y: number[]) {
  const scores = X.map((row) => model.call(row.map((v) => new Value(v)))[0]);
  let dataLoss = new Value(0);
  scores.forEach((s, i) => (dataLoss = dataLoss.add(s.mul(-y[i]).radd(1).relu())));
  dataLoss = dataLoss.mul(1 / scores.length);
  let reg = new Value(0);
  for (const p of model.parameters()) reg = reg.add(p.mul(p));
  const accuracy = scores.filter((s, i) => (y[i] > 0) === (s.data > 0)).length / scores.length;
  return { loss: dataLoss.add(reg.mul(1e-4)), accuracy };
}

describe("nn (micrograd MLP)", () => {
  it("is exported by the engine's entry as nn and Value", () => {
    assert.equal(engine.Value, Value);
    assert.equal(engine.nn.MLP, MLP);
    assert.equal(engine.nn.makeMoons, makeMoons);
  });

  it("Neuron, Layer and MLP have the expected parameters and shapes", () => {
    assert.equal(new Neuron(3).parameters().length, 4);
    assert.equal(new Layer(3, 5).parameters().length, 20);
    const model = new MLP(2, [16, 16, 1], { seed: 1 });
    assert.equal(model.parameters().length, 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1); // 337
    assert.equal(model.layers[0].neurons[0].nonlin, "relu");
    assert.equal(model.layers[2].neurons[0].nonlin, "linear");
    assert.equal(new MLP(2, [4, 1], { nonlin: "tanh" }).layers[0].neurons[0].nonlin, "tanh");
    const out = model.call([0.5, -0.2]);
    assert.equal(out.length, 1);
    assert.ok(Number.isFinite(out[0].data));
    assert.throws(() => model.call([1]), /expected 2 inputs/);
  });

  it("weights are uniform(-1, 1) from Python's random with the given seed, biases 0", () => {
    const rng = new PyRandom(7);
    const expected = Array.from({ length: 3 }, () => -1 + 2 * rng.random());
    const n = new Neuron(3, { seed: 7 });
    assert.deepEqual(n.w.map((w) => w.data), expected);
    assert.equal(n.b.data, 0);
    // the same seed gives the same network; another seed a different one
    const a = new MLP(2, [4, 1], { seed: 3 }).parameters().map((p) => p.data);
    assert.deepEqual(new MLP(2, [4, 1], { seed: 3 }).parameters().map((p) => p.data), a);
    assert.notDeepEqual(new MLP(2, [4, 1], { seed: 4 }).parameters().map((p) => p.data), a);
    // neurons of one layer do not share weights
    const layer = new Layer(2, 2, { seed: 3 });
    assert.notDeepEqual(layer.neurons[0].w.map((w) => w.data), layer.neurons[1].w.map((w) => w.data));
  });

  it("zeroGrad clears every parameter's grad", () => {
    const model = new MLP(2, [3, 1], { nonlin: "tanh", seed: 2 });
    model.call([1, 2])[0].backward();
    assert.ok(model.parameters().some((p) => p.grad !== 0));
    model.zeroGrad();
    assert.ok(model.parameters().every((p) => p.grad === 0));
  });

  it("makeMoons is deterministic, labelled ±1, and shaped like two interleaved half-moons", () => {
    const a = makeMoons(100, { noise: 0.1, seed: 1 });
    assert.deepEqual(makeMoons(100, { noise: 0.1, seed: 1 }), a);
    assert.notDeepEqual(makeMoons(100, { noise: 0.1, seed: 2 }).X, a.X);
    assert.equal(a.X.length, 100);
    assert.equal(a.y.filter((v) => v === 1).length, 50);
    assert.equal(a.y.filter((v) => v === -1).length, 50);
    // without noise the points lie exactly on the two arcs
    const clean = makeMoons(7, { seed: 0 });
    clean.X.forEach(([x, y], i) => {
      const [cx, cy] = clean.y[i] === -1 ? [0, 0] : [1, 0.5];
      assert.ok(Math.abs(Math.hypot(x - cx, y - cy) - 1) < 1e-12, `point ${i} on its arc`);
      assert.ok(clean.y[i] === -1 ? y >= -1e-12 : y <= 0.5 + 1e-12, `point ${i} on the right half`);
    });
    // with noise 0.1 the class means stay where the arcs put them: outer ≈ (0, 0.64), inner ≈ (1, -0.14)
    const mean = (label: number, k: 0 | 1) => {
      const pts = a.X.filter((_, i) => a.y[i] === label);
      return pts.reduce((s, p) => s + p[k], 0) / pts.length;
    };
    assert.ok(Math.abs(mean(-1, 0) - 0) < 0.1 && Math.abs(mean(-1, 1) - 2 / Math.PI) < 0.1);
    assert.ok(Math.abs(mean(1, 0) - 1) < 0.1 && Math.abs(mean(1, 1) - (0.5 - 2 / Math.PI)) < 0.1);
  });

  it("the classic demo (2→16→16→1, max-margin + L2, 100 SGD steps on 100 moons) reaches 100% training accuracy", function () {
    this.timeout(120_000);
    const { X, y } = makeMoons(100, { noise: 0.1, seed: 1 });
    const model = new MLP(2, [16, 16, 1], { seed: 1337 });
    let first = NaN, last = NaN, accuracy = 0;
    for (let k = 0; k < 100; k++) {
      const r = demoLoss(model, X, y);
      if (k === 0) first = r.loss.data;
      last = r.loss.data;
      accuracy = r.accuracy;
      model.zeroGrad();
      r.loss.backward();
      const lr = 1.0 - (0.9 * k) / 100;
      for (const p of model.parameters()) p.data -= lr * p.grad;
    }
    const final = demoLoss(model, X, y); // accuracy after the last update
    assert.ok(last < first / 5, `loss fell from ${first} to ${last}`);
    assert.equal(final.accuracy, 1, `training accuracy ${final.accuracy} (at step 99: ${accuracy})`);
  });

  it("reproduces the pure-Python micrograd run of examples/python/micrograd.py (CPython output in test/fixtures/python/micrograd.json)", function () {
    this.timeout(60_000);
    const fixture = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../fixtures/python/micrograd.json"), "utf8")) as { stdout: string[] };
    const lines: string[] = [];
    // the single tanh neuron, tanh spelled out with exp
    const [x1, x2, w1, w2, b] = [2.0, 0.0, -3.0, 1.0, 6.8813735870195432].map((v) => new Value(v));
    const n = x1.mul(w1).add(x2.mul(w2)).add(b);
    const e = n.rmul(2).exp();
    const L = e.sub(1).div(e.add(1));
    L.backward();
    lines.push(`L = ${L.data.toFixed(4)}`);
    for (const [name, v] of [["x1", x1], ["w1", w1], ["x2", x2], ["w2", w2], ["b", b]] as const) lines.push(`d L / d ${name} = ${v.grad.toFixed(4)}`);
    // the script's data: its own make_moons on random.Random(7), with CPython's gauss (pairs of Box-Muller draws)
    const rng = new PyRandom(7);
    let gaussNext: number | null = null;
    const gauss = (sigma: number) => {
      let z = gaussNext;
      gaussNext = null;
      if (z === null) {
        const x2pi = rng.random() * 2 * Math.PI;
        const g2rad = Math.sqrt(-2.0 * Math.log(1.0 - rng.random()));
        z = Math.cos(x2pi) * g2rad;
        gaussNext = Math.sin(x2pi) * g2rad;
      }
      return z * sigma;
    };
    const X: [number, number][] = [], y: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = Math.PI * rng.random();
      if (i % 2 === 0) {
        const px = Math.cos(t) + gauss(0.1);
        X.push([px, Math.sin(t) + gauss(0.1)]);
        y.push(-1);
      } else {
        const px = 1 - Math.cos(t) + gauss(0.1);
        X.push([px, 0.5 - Math.sin(t) + gauss(0.1)]);
        y.push(1);
      }
    }
    const model = new MLP(2, [8, 8, 1], { seed: 1337 }); // random.seed(1337) then micrograd's constructors
    lines.push(`number of parameters ${model.parameters().length}`);
    for (let k = 0; k < 20; k++) {
      const r = demoLoss(model, X, y);
      model.zeroGrad();
      r.loss.backward();
      const lr = 1.0 - (0.9 * k) / 20;
      for (const p of model.parameters()) p.data -= lr * p.grad;
      if (k % 5 === 0 || k === 19) lines.push(`step ${k} loss ${r.loss.data.toFixed(6)}, accuracy ${(r.accuracy * 100).toFixed(1)}%`);
    }
    assert.deepEqual(lines, fixture.stdout);
  });
});

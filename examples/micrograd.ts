// micrograd in TypeScript: a scalar Value graph you can see. Run it with "Backprop Ninja: Run
// backprop exercise": the panel draws every Value with its data and grad, like draw_dot.
import { Value, nn, log } from "backprop-ninja";

// ---- one neuron, by hand: o = tanh(x1·w1 + x2·w2 + b) ----
const x1 = new Value(2.0, [], "", "x1");
const x2 = new Value(0.0, [], "", "x2");
const w1 = new Value(-3.0, [], "", "w1");
const w2 = new Value(1.0, [], "", "w2");
const b = new Value(6.8813735870195432, [], "", "b");
const x1w1 = x1.mul(w1);
const x2w2 = x2.mul(w2);
const n = x1w1.add(x2w2).add(b);
const o = n.tanh();
o.backward();
console.log(`o = ${o.data.toFixed(4)}; do/dx1 = ${x1.grad.toFixed(4)}, do/dw1 = ${w1.grad.toFixed(4)}, do/dx2 = ${x2.grad.toFixed(4)}, do/dw2 = ${w2.grad.toFixed(4)}`);

// ---- a small MLP on two moons: max-margin loss + L2, SGD ----
const { X, y } = nn.makeMoons(100, { noise: 0.1, seed: 1 });
const model = new nn.MLP(2, [16, 16, 1], { seed: 1337 });
console.log(`number of parameters ${model.parameters().length}`);
for (let k = 0; k < 20; k++) {
  const scores = X.map((xi) => model.call(xi)[0]);
  const losses = scores.map((s, i) => s.mul(-y[i]).add(1).relu());
  const dataLoss = losses.reduce((a, l) => a.add(l), new Value(0)).div(losses.length);
  const reg = model.parameters().reduce((a, p) => a.add(p.mul(p)), new Value(0)).mul(1e-4);
  const total = dataLoss.add(reg);
  const accuracy = scores.filter((s, i) => (s.data > 0) === (y[i] > 0)).length / scores.length;
  model.zeroGrad();
  total.backward();
  const lr = 1.0 - (0.9 * k) / 100;
  for (const p of model.parameters()) p.data -= lr * p.grad;
  log("loss", total.data, k);
  if (k % 5 === 0 || k === 19) console.log(`step ${k} loss ${total.data.toFixed(6)}, accuracy ${(accuracy * 100).toFixed(1)}%`);
}

// The storage pool (src/engine/pool.ts, lifetime.ts): storages of dead tensors are reused, and a
// reused storage is never visible through a live tensor. Every case runs with the pool's poison on
// (storages handed back are filled with NaN), so a tensor read after its storage went back shows.
import assert from "node:assert/strict";
import { torch, F, Tensor } from "../../src/engine/index";
import { clearPool, poolConfig, poolStats } from "../../src/engine/pool";
import { loadPython } from "../../src/python/index";

const bits = (t: Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.toArray()).buffer));

/** Exercise 4's MLP trained with loss.backward() for `steps` steps; its parameters' bits after each. */
function train(steps: number): number[][][] {
  const g = torch.Generator().manual_seed(42);
  const C = torch.randn([27, 10], { generator: g, requires_grad: true });
  const W1 = torch.randn([30, 200], { generator: g }).mul(0.2).requires_grad_();
  const W2 = torch.randn([200, 27], { generator: g }).mul(0.1).requires_grad_();
  const b2 = torch.zeros(27).requires_grad_();
  const params = [C, W1, W2, b2];
  const out: number[][][] = [];
  for (let i = 0; i < steps; i++) {
    const X = torch.randint(0, 27, [32, 3], { generator: g });
    const Y = torch.randint(0, 27, [32], { generator: g });
    const h = C.index(X).view(32, 30).matmul(W1).tanh();
    const loss = F.cross_entropy(h.matmul(W2).add(b2), Y);
    for (const p of params) p.grad = null;
    loss.backward();
    torch.no_grad(() => { for (const p of params) p.sub_(p.grad!.mul(0.1)); });
    out.push(params.map(bits));
  }
  return out;
}

describe("storage pool", function () {
  this.timeout(300_000);
  const saved = { ...poolConfig };
  beforeEach(() => {
    poolConfig.poison = true;
    clearPool();
  });
  afterEach(() => {
    Object.assign(poolConfig, saved);
    clearPool();
  });

  it("loss.backward() reuses the storages of dead gradients and gives the same bits as without the pool", () => {
    poolConfig.enabled = false;
    const without = train(6);
    poolConfig.enabled = true;
    const reused = poolStats.reused;
    const withPool = train(6);
    assert.ok(poolStats.reused > reused, "no storage was reused");
    assert.deepEqual(withPool, without);
  });

  it("views, detach and .data share a storage: it never goes back through the first tensor", () => {
    const t = torch.ones(64, 64);
    assert.ok(t._own, "a fresh tensor owns its storage");
    const v = t.view(-1);
    assert.ok(!t._own && !v._own, "a view revokes the ownership");
    const d = torch.ones(64, 64);
    d.detach();
    assert.ok(!d._own);
    const a = torch.ones(64, 64), b = torch.ones(64, 64);
    a.data = b;
    assert.ok(!a._own && !b._own);
  });

  it("Python: a dropped tensor's storage is reused, and what live tensors, views and graphs still use is not", async () => {
    const { py } = await loadPython();
    const given = poolStats.given, reused = poolStats.reused;
    // each check computes its values twice: with the tensors dropped early, and kept
    const out = String(py.runPython(`
import torch
import torch.nn.functional as F
import torch._tensor as T

def flush():
    T._release_dead()

g = torch.Generator().manual_seed(1)
checks = []

# a view outlives its base
x = torch.randn(64, 64, generator=g)
want = x.clone()
y = x.view(-1)
del x
flush()
z = torch.randn(64, 64, generator=g) * 2  # would reuse x's storage if it had gone back
checks.append(("view", torch.equal(y.view(64, 64), want)))

# detach and .data outlive the tensor
x = torch.randn(64, 64, generator=g)
want = x.clone()
d = x.detach()
e = x.data
del x
flush()
z = torch.randn(64, 64, generator=g) * 2
checks.append(("detach", torch.equal(d, want) and torch.equal(e, want)))

def step(drop):
    W = torch.randn(30, 64, generator=torch.Generator().manual_seed(2), requires_grad=True)
    X = torch.randint(0, 5, (32, 3), generator=torch.Generator().manual_seed(3))
    Y = torch.randint(0, 64, (32,), generator=torch.Generator().manual_seed(4))
    C = torch.randn(5, 10, generator=torch.Generator().manual_seed(5), requires_grad=True)
    emb = C[X].view(32, 30)
    h = (emb @ W).tanh()
    vals, idx = h.max(1)
    m = (h * (h > 0)).sum(0) + vals.sum()
    loss = F.cross_entropy(h, Y) + m.mean()
    if drop:
        del X, Y, emb, vals, idx
        flush()
        for _ in range(50):
            junk = torch.randn(32, 64, generator=g) * 3
        flush()
    loss.backward()
    return W.grad.clone(), C.grad.clone()

a, b = step(True), step(False)
checks.append(("graph", torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) and not bool(a[0].isnan().any())))

# a .grad outlives every Python handle to it
W = torch.randn(32, 64, generator=g, requires_grad=True)
(W * 3).sum().backward()
gr = W.grad
want = gr.clone()
del gr
flush()
for _ in range(20):
    junk = torch.randn(32, 64, generator=g)
flush()
checks.append(("grad", torch.equal(W.grad, want)))

# a training-like loop hands its temporaries back
for _ in range(200):
    a = torch.randn(32, 64, generator=g)
    b = (a * 2 + 1).tanh()
flush()
str(checks)
`));
    for (const [, name, ok] of out.matchAll(/\('(\w+)', (True|False)\)/g)) assert.equal(ok, "True", `${name}: ${out}`);
    assert.equal([...out.matchAll(/True/g)].length, 4, out);
    assert.ok(poolStats.given > given && poolStats.reused > reused, `pool not used: ${JSON.stringify(poolStats)}`);
  });
});

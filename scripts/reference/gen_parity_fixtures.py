"""Parity fixtures from real PyTorch 1.13 for the engine's scalar Value and its Tensor ops.

Run with the Debian Python that has PyTorch (the `python3` first on PATH has none):
    /usr/bin/python3 scripts/reference/gen_parity_fixtures.py
Writes test/fixtures/parity/scalar.json (float64 scalar expressions, replayed by test/unit/value.test.ts)
and test/fixtures/parity/tensor.json (one case per op and shape, replayed by test/parity/parity.test.ts).
Every input is drawn from one seeded torch.Generator, so the output is the same on every run.
"""
import json
import math
import os
import platform
import subprocess
import sys
import zlib

import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "parity")


def num(x):
    """JSON has no NaN/Inf: non-finite numbers become strings."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


# ---------------------------------------------------------------------------------------------------
# Scalar expressions (float64), written the way micrograd's own tests write them. The TypeScript test
# writes the same expressions with Value under the same names.

def relu(x):
    return x.relu()


SCALAR = {
    # micrograd's test_sanity_check
    "sanity": ([-4.0], lambda x: (lambda z: (lambda q, h: h + q + q * x)(relu(z) + z * x, relu(z * z)))(2 * x + 2 + x)),
    "mul_add_tanh": ([2.0, -3.0, 0.5], lambda a, b, c: (a * b + c).tanh()),
    "div_pow": ([1.5, -0.75], lambda a, b: a / b + b ** 3 - a ** -2),
    "reverse_scalars": ([0.3], lambda x: (2 - x) * (3 / x) + (1 + x) - 4 * x),
    "exp_log_sigmoid": ([0.7, 1.3], lambda a, b: (a * b).exp().log() * torch.sigmoid(a - b) + (b / a).log()),
    "relu_both_sides": ([-1.25, 2.5], lambda a, b: relu(a) * b + relu(b) * a - relu(a - b)),
    "reuse": ([1.1], lambda x: (lambda y: y * y + y.tanh() * x)(x * x + x)),
    "neuron": ([0.5, -1.5, 2.0, 0.25, -0.8, 0.1], lambda x1, x2, w1, w2, b, k: (x1 * w1 + x2 * w2 + b).tanh() ** 2 * k),
}


def micrograd_more_ops():
    """micrograd's test_more_ops, in-place `+=` included (they rebind, as in the Python test)."""
    a = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return {"name": "more_ops", "inputs": [-4.0, 2.0], "out": g.item(), "grads": [a.grad.item(), b.grad.item()]}


def scalar_cases():
    cases = []
    for name, (inputs, fn) in SCALAR.items():
        xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
        out = fn(*xs)
        out.backward()
        cases.append({"name": name, "inputs": inputs, "out": out.item(), "grads": [x.grad.item() for x in xs]})
    cases.append(micrograd_more_ops())
    return cases


def main():
    if not torch.__version__.startswith("1.13"):
        sys.exit(f"expected PyTorch 1.13, found {torch.__version__}")
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    env = {"made_by": "scripts/reference/gen_parity_fixtures.py", "torch": torch.__version__,
           "python": platform.python_version(), "machine": platform.machine()}
    with open(os.path.join(OUT, "scalar.json"), "w") as f:
        json.dump({**env, "dtype": "float64", "cases": scalar_cases()}, f, indent=1, allow_nan=False)
        f.write("\n")
    if "--scalar-only" not in sys.argv:
        tensor = tensor_cases()
        with open(os.path.join(OUT, "tensor.json"), "w") as f:
            json.dump({**env, "cases": tensor}, f, separators=(",", ":"), allow_nan=False)
            f.write("\n")
        print(f"tensor: {len(tensor)} cases")


# ---------------------------------------------------------------------------------------------------
# Tensor ops. Each case: an op name (the TypeScript test has the same table), inputs with their exact
# values, keyword arguments, forward outputs, and the gradients of sum_k sum(out_k * w_k) for random
# float32 w_k (so the upstream gradient of every output element is a distinct random number).

G = torch.Generator().manual_seed(20261123)
INF, NAN = float("inf"), float("nan")


def seeded(name):
    """A generator of its own for one op's or case's draws: adding an op leaves every other case as it was."""
    return torch.Generator().manual_seed(20261123 + zlib.crc32(name.encode()))


def randn(*shape, dtype=torch.float32, g=None):
    return torch.randn(shape, generator=g or G, dtype=dtype)


def positive(*shape, g=None):
    return torch.rand(shape, generator=g or G) * 2 + 0.1


def ints(high, *shape):
    return torch.randint(0, high, shape, generator=G)


def with_specials(x, specials=(0.0, -1.5, INF, -INF, NAN)):
    x = x.clone()
    flat = x.view(-1)
    for i, v in enumerate(specials):
        flat[i * 3 % flat.numel()] = v
    return x


def bools(*shape):
    return torch.rand(shape, generator=G) < 0.5


def index_items(items, xs):
    """index items as JSON: {"t": k} input k, {"s": "1:"} slice, {"i": n}, {"none": 1}, {"ellipsis": 1}, {"list": [...]}"""
    out = []
    for it in items:
        if "t" in it:
            out.append(xs[it["t"]])
        elif "s" in it:
            parts = [int(p) if p else None for p in it["s"].split(":")]
            out.append(slice(*parts))
        elif "i" in it:
            out.append(it["i"])
        elif "none" in it:
            out.append(None)
        elif "ellipsis" in it:
            out.append(Ellipsis)
        else:
            out.append(it["list"])
    return tuple(out)


def index_put(x, idx, v, accumulate):
    y = x.clone()  # a leaf that requires grad cannot be written in place
    return y.index_put_((idx,), v, accumulate=accumulate)


def op_table():
    """The engine's op table (src/engine/ops/table.ts) as data, printed by op_table.ts."""
    out = subprocess.run(["npx", "tsx", os.path.join("scripts", "reference", "op_table.ts")], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


# the table's ops with parity cases: unary by input domain, binary arithmetic, comparisons
OPS = op_table()
UNARY = {r["name"]: r["parity"] for r in OPS["unary"] if r["parity"]}
BINARY = [r["name"] for r in OPS["binary"] if r["parity"] == "arith"]
COMPARE = [r["name"] for r in OPS["binary"] if r["parity"] == "compare"]

PY = {
    **{op: (lambda op: lambda x, **k: getattr(x, op)())(op) for op in UNARY},
    **{op: (lambda op: lambda a, b, **k: getattr(a, op)(b))(op) for op in BINARY + COMPARE},
    **{f"{op}_n": (lambda op: lambda a, n, **k: getattr(a, op)(n))(op) for op in BINARY + COMPARE},
    "rsub_n": lambda a, n, **k: n - a,
    "rdiv_n": lambda a, n, **k: n / a,
    "rpow_n": lambda a, n, **k: n ** a,
    "where": lambda c, a, b, **k: torch.where(c, a, b),
    "masked_fill": lambda a, m, value, **k: a.masked_fill(m, value),
    "sum": lambda x, dim=None, keepdim=False: x.sum() if dim is None else x.sum(dim, keepdim=keepdim),
    "mean": lambda x, dim=None, keepdim=False: x.mean() if dim is None else x.mean(dim, keepdim=keepdim),
    "var": lambda x, dim=None, keepdim=False, unbiased=True: x.var(unbiased=unbiased) if dim is None else x.var(dim, keepdim=keepdim, unbiased=unbiased),
    "std": lambda x, dim=None, keepdim=False, unbiased=True: x.std(unbiased=unbiased) if dim is None else x.std(dim, keepdim=keepdim, unbiased=unbiased),
    "var_correction": lambda x, dim, correction, keepdim=False: torch.var(x, dim, correction=correction, keepdim=keepdim),
    "max_all": lambda x: x.max(),
    "min_all": lambda x: x.min(),
    "max_dim": lambda x, dim, keepdim=False: tuple(x.max(dim, keepdim=keepdim)),
    "min_dim": lambda x, dim, keepdim=False: tuple(x.min(dim, keepdim=keepdim)),
    "argmax": lambda x, dim=None, keepdim=False: x.argmax() if dim is None else x.argmax(dim, keepdim=keepdim),
    "matmul": lambda a, b: a @ b,
    "view": lambda x, shape: x.view(*shape),
    "reshape": lambda x, shape: x.reshape(*shape),
    "T": lambda x: x.T,
    "transpose": lambda x, a, b: x.transpose(a, b),
    "permute": lambda x, dims: x.permute(*dims),
    "unsqueeze": lambda x, dim: x.unsqueeze(dim),
    "squeeze": lambda x, dim=None: x.squeeze() if dim is None else x.squeeze(dim),
    "expand": lambda x, shape: x.expand(*shape),
    "flatten": lambda x: x.flatten(),
    "contiguous_T": lambda x: x.T.contiguous(),
    "add_inplace": lambda a, b: a.clone().add_(b),
    "mul_inplace": lambda a, b: a.clone().mul_(b),
    "sub_inplace_n": lambda a, n: a.clone().sub_(n),
    "div_inplace_n": lambda a, n: a.clone().div_(n),
    "index": lambda *xs, items: xs[0][index_items(items, xs)],
    "index_put": lambda x, idx, v, accumulate: index_put(x, idx, v, accumulate),
    "one_hot": lambda t, num_classes=-1: F.one_hot(t, num_classes),
    "softmax": lambda x, dim: F.softmax(x, dim),
    "log_softmax": lambda x, dim: F.log_softmax(x, dim),
    "cross_entropy": lambda logits, target: F.cross_entropy(logits, target),
}

# tolerances: forward (rtol, atol), gradient (rtol, atol); exact for data movement
TOL = {
    "elementwise": ((1e-6, 1e-7), (1e-6, 1e-7)),
    "reduction": ((1e-5, 1e-6), (1e-5, 1e-6)),
    # products summed over an inner dimension of up to 64 unit-size terms: float32 sums taken in another
    # order (PyTorch's blocked kernels vs a straight loop) differ by up to about K * 2^-24 in absolute terms
    "matmul": ((1e-5, 2e-5), (1e-5, 2e-5)),
    "exact": ((0, 0), (0, 0)),
    "movement": ((0, 0), (1e-6, 1e-7)),  # values copied exactly; gradients may add repeated indices in another order
}


def encode(t):
    dtype = str(t.dtype).replace("torch.", "")
    vals = t.detach().reshape(-1).tolist()
    if dtype == "bool":
        vals = [1 if v else 0 for v in vals]
    elif dtype.startswith("float"):
        vals = [num(v) for v in vals]
    return {"shape": list(t.shape), "dtype": dtype, "values": vals}


CASES = []


def case(name, op, inputs, tol="elementwise", **kw):
    CASES.append((name, op, inputs, tol, kw))


def define_cases():
    # elementwise unary, on random values and on 0, negatives, ±Inf, NaN
    for op, domain in UNARY.items():
        g = seeded(op)
        base = positive(4, 5, g=g) if domain == "positive" else randn(4, 5, g=g)
        case(f"{op} [4,5]", op, [base])
        case(f"{op} [3,7] with 0/neg/±Inf/NaN", op, [with_specials(randn(3, 7, g=g))])
    case("tanh [2,3] float64", "tanh", [randn(2, 3, dtype=torch.float64)])
    # binary with broadcasting
    shapes = [([4, 5], [4, 5]), ([4, 5], [5]), ([4, 1], [1, 5]), ([2, 3, 4], [3, 1]), ([1], [3, 2]), ([], [2, 3])]
    for op in BINARY:
        for sa, sb in shapes:
            a = positive(*sa) if op == "pow" else randn(*sa)
            b = randn(*sb) if op != "div" else positive(*sb) * torch.where(bools(*sb), 1.0, -1.0)
            case(f"{op} {sa} {sb}", op, [a, b])
        a = with_specials(randn(3, 4)) if op != "pow" else with_specials(positive(3, 4), (0.0, 1.0, INF, NAN))
        case(f"{op} [3,4] with specials, [4]", op, [a, randn(4)])
    for op, ns in [("add", [2.5, -1]), ("sub", [0.5]), ("mul", [-3, 0.1]), ("div", [7, -0.25]), ("pow", [2, 3, -0.5, 0.5, -1, 1.5])]:
        for n in ns:
            base = positive(3, 4) if op == "pow" and n != int(n) or (op == "pow" and n < 0) else randn(3, 4)
            case(f"{op} [3,4] number {n}", f"{op}_n", [base], n=n)
    case("pow [2,5] number 2 with specials", "pow_n", [with_specials(randn(2, 5))], n=2)
    for op, n in [("rsub", 1.0), ("rdiv", 2.0), ("rpow", 2.0), ("rpow", 0.5)]:
        case(f"{op} number {n} [3,4]", f"{op}_n", [randn(3, 4) if op != "rdiv" else positive(3, 4)], n=n)
    # negative bases with integer-valued tensor exponents: finite powers, NaN d/d(exponent) (log of a negative)
    case("pow [2,4] negative base, integer exponents", "pow", [-positive(2, 4), torch.tensor([[1.0, 2.0, 3.0, -1.0], [0.0, 2.0, -2.0, 1.0]])])
    # dtype promotion: float32 with int64 and bool operands (PyTorch's result_type)
    case("add float32 [3,4] int64 [4]", "add", [randn(3, 4), ints(5, 4)])
    case("mul float32 [3,4] bool [3,4]", "mul", [randn(3, 4), bools(3, 4)])
    case("sum int64 [3,4] dim=1", "sum", [ints(9, 3, 4)], tol="exact", dim=1)
    case("eq int64 [6] int64 [6]", "eq", [ints(3, 6), ints(3, 6)], tol="exact")
    # float64 stays float64
    case("exp [3,4] float64", "exp", [randn(3, 4, dtype=torch.float64)])
    case("sum [4,5] float64 dim=0", "sum", [randn(4, 5, dtype=torch.float64)], tol="reduction", dim=0)
    case("matmul [3,5] [5,2] float64", "matmul", [randn(3, 5, dtype=torch.float64), randn(5, 2, dtype=torch.float64)], tol="matmul")
    # in-place ops on a non-leaf (a clone), differentiated through
    case("add_ [3,4] [4] in place", "add_inplace", [randn(3, 4), randn(4)])
    case("mul_ [3,4] [3,1] in place", "mul_inplace", [randn(3, 4), randn(3, 1)])
    case("sub_ [3,4] number 0.5 in place", "sub_inplace_n", [randn(3, 4)], n=0.5)
    case("div_ [3,4] number 32 in place", "div_inplace_n", [randn(3, 4)], n=32)
    # comparisons (bool outputs, exact), incl. NaN and broadcasting
    for op in COMPARE:
        a = with_specials(randn(3, 4))
        b = a.clone()
        b[0] = randn(4)
        case(f"{op} [3,4] [3,4] with specials", op, [a, b], tol="exact")
        case(f"{op} [3,4] [4]", op, [randn(3, 4), randn(4)], tol="exact")
        case(f"{op} [3,4] number 0", f"{op}_n", [with_specials(randn(3, 4))], tol="exact", n=0.0)
    case("where [3,4] [3,4] [4]", "where", [bools(3, 4), randn(3, 4), randn(4)])
    case("where [3,1] [1,4] [3,4]", "where", [bools(3, 1), randn(1, 4), randn(3, 4)])
    case("masked_fill [3,4] [3,4] -inf", "masked_fill", [randn(3, 4), bools(3, 4)], value=-INF)
    case("masked_fill [3,4] [4] 0.5", "masked_fill", [randn(3, 4), bools(4)], value=0.5)
    # reductions
    x = randn(4, 5, 6)
    for dim, keep in [(None, False), (0, False), (1, True), (-1, False), (-2, True), ([0, 2], False), ([-1, 0], True)]:
        for op in ["sum", "mean"]:
            kw = {} if dim is None else {"dim": dim, "keepdim": keep}
            case(f"{op} [4,5,6] dim={dim} keepdim={keep}", op, [x], tol="reduction", **kw)
    for op in ["var", "std"]:
        for dim, keep, unbiased in [(None, False, True), (None, False, False), (0, True, True), (-1, False, False), ([0, 1], False, True)]:
            kw = {"unbiased": unbiased} if dim is None else {"dim": dim, "keepdim": keep, "unbiased": unbiased}
            case(f"{op} [4,5,6] dim={dim} keepdim={keep} unbiased={unbiased}", op, [x], tol="reduction", **kw)
    case("var [32,64] dim=0 keepdim correction=0", "var_correction", [randn(32, 64)], tol="reduction", dim=0, correction=0, keepdim=True)
    case("var [32,64] dim=0 correction=1", "var_correction", [randn(32, 64)], tol="reduction", dim=0, correction=1)
    case("sum [3,4] with NaN/Inf dim=1", "sum", [with_specials(randn(3, 4), (INF, NAN, -INF))], tol="reduction", dim=1)
    y = randn(5, 7)
    case("max [5,7]", "max_all", [y], tol="exact")
    case("min [5,7]", "min_all", [y], tol="exact")
    for dim, keep in [(0, False), (1, True), (-1, False)]:
        case(f"max [5,7] dim={dim} keepdim={keep}", "max_dim", [y], tol="exact", dim=dim, keepdim=keep)
        case(f"min [5,7] dim={dim} keepdim={keep}", "min_dim", [y], tol="exact", dim=dim, keepdim=keep)
        case(f"argmax [5,7] dim={dim} keepdim={keep}", "argmax", [y], tol="exact", dim=dim, keepdim=keep)
    case("argmax [5,7]", "argmax", [y], tol="exact")
    case("max [2,3,4] dim=1", "max_dim", [randn(2, 3, 4)], tol="exact", dim=1)
    # matmul
    for sa, sb in [([5], [5]), ([3, 5], [5]), ([5], [5, 4]), ([3, 5], [5, 4]), ([32, 64], [64, 27]), ([2, 3, 5], [2, 5, 4]),
                   ([2, 3, 5], [5, 4]), ([5], [2, 5, 4])]:
        case(f"matmul {sa} {sb}", "matmul", [randn(*sa), randn(*sb)], tol="matmul")
    # views
    z = randn(2, 3, 4)
    case("view [2,3,4] -> [6,4]", "view", [z], tol="movement", shape=[6, 4])
    case("view [2,3,4] -> [-1,12]", "view", [z], tol="movement", shape=[-1, 12])
    case("reshape [2,3,4] -> [4,-1]", "reshape", [z], tol="movement", shape=[4, -1])
    case("T [3,4]", "T", [randn(3, 4)], tol="movement")
    case("transpose [2,3,4] 0 2", "transpose", [z], tol="movement", a=0, b=2)
    case("permute [2,3,4] (2,0,1)", "permute", [z], tol="movement", dims=[2, 0, 1])
    case("unsqueeze [3,4] -1", "unsqueeze", [randn(3, 4)], tol="movement", dim=-1)
    case("squeeze [3,1,4] 1", "squeeze", [randn(3, 1, 4)], tol="movement", dim=1)
    case("squeeze [1,3,1]", "squeeze", [randn(1, 3, 1)], tol="movement")
    case("expand [3,1] -> [3,4]", "expand", [randn(3, 1)], tol="movement", shape=[3, 4])
    case("expand [4] -> [2,3,4]", "expand", [randn(4)], tol="movement", shape=[2, 3, 4])
    case("flatten [2,3,4]", "flatten", [z], tol="movement")
    case("contiguous of T [3,4]", "contiguous_T", [randn(3, 4)], tol="movement")
    # indexing
    C = randn(27, 10)
    case("index C[27,10][Xb[32,3]]", "index", [C, ints(27, 32, 3)], tol="movement", items=[{"t": 1}])
    lp = randn(32, 27)
    case("index logprobs[32,27][range(32), Yb[32]]", "index", [lp, torch.arange(32), ints(27, 32)], tol="movement", items=[{"t": 1}, {"t": 2}])
    case("index [5,6][1:, ::2]", "index", [randn(5, 6)], tol="movement", items=[{"s": "1:"}, {"s": "::2"}])
    case("index [5,6][-1]", "index", [randn(5, 6)], tol="movement", items=[{"i": -1}])
    case("index [5,6][2, None, 1:4]", "index", [randn(5, 6)], tol="movement", items=[{"i": 2}, {"none": 1}, {"s": "1:4"}])
    case("index [2,3,4][..., 1]", "index", [z], tol="movement", items=[{"ellipsis": 1}, {"i": 1}])
    case("index [5,6][bool [5,6]]", "index", [randn(5, 6), bools(5, 6)], tol="movement", items=[{"t": 1}])
    case("index [5,6][[0,2,2]]", "index", [randn(5, 6)], tol="movement", items=[{"list": [0, 2, 2]}])
    case("index [5,6][:, idx[2,2]]", "index", [randn(5, 6), ints(6, 2, 2)], tol="movement", items=[{"s": ":"}, {"t": 1}])
    case("index_put_ [27,10] idx[96] accumulate", "index_put", [torch.zeros(27, 10), ints(27, 96), randn(96, 10)], tol="movement", accumulate=True)
    case("index_put_ [8,3] idx[5] accumulate", "index_put", [randn(8, 3), torch.tensor([1, 4, 1, 1, 7]), randn(5, 3)], tol="movement", accumulate=True)
    case("index_put_ [8,3] idx[4] no accumulate", "index_put", [randn(8, 3), torch.tensor([0, 2, 5, 6]), randn(4, 3)], tol="movement", accumulate=False)
    case("one_hot [32] 27", "one_hot", [ints(27, 32)], tol="exact", num_classes=27)
    case("one_hot [2,3]", "one_hot", [ints(5, 2, 3)], tol="exact")
    # softmax family
    for op in ["softmax", "log_softmax"]:
        case(f"{op} [32,27] dim=1", op, [randn(32, 27) * 3], tol="reduction", dim=1)
        case(f"{op} [4,5] dim=0", op, [randn(4, 5)], tol="reduction", dim=0)
        case(f"{op} [2,3,4] dim=-1", op, [randn(2, 3, 4)], tol="reduction", dim=-1)
    case("softmax [2,4] dim=1 with -inf", "softmax", [with_specials(randn(2, 4), (-INF,))], tol="reduction", dim=1)
    case("cross_entropy [32,27] [32]", "cross_entropy", [randn(32, 27) * 2, ints(27, 32)], tol="reduction")
    case("cross_entropy [5,3] [5]", "cross_entropy", [randn(5, 3), ints(3, 5)], tol="reduction")


def run_case(name, op, inputs, tol, kw):
    xs = [x.clone().requires_grad_(x.is_floating_point()) for x in inputs]
    args = dict(kw)
    n = args.pop("n", None)
    out = PY[op](*xs, *([] if n is None else [n]), **args)
    outs = list(out) if isinstance(out, tuple) else [out]
    g = seeded(name)
    weights = [randn(*o.shape, dtype=o.dtype, g=g) if o.requires_grad else None for o in outs]
    terms = [(o * w).sum() for o, w in zip(outs, weights) if w is not None]
    if terms:
        sum(terms).backward()
    (ftol, gtol) = TOL[tol]
    return {
        "name": name, "op": op, "kw": {k: num(v) if isinstance(v, float) else v for k, v in kw.items()},
        "inputs": [encode(x) for x in inputs],
        "outputs": [encode(o) for o in outs],
        "weights": [encode(w) if w is not None else None for w in weights],
        "grads": [encode(x.grad) if x.grad is not None else None for x in xs] if terms else [None for _ in xs],
        "tol": {"rtol": ftol[0], "atol": ftol[1], "grad_rtol": gtol[0], "grad_atol": gtol[1]},
    }


def tensor_cases():
    define_cases()
    return [run_case(*c) for c in CASES]


if __name__ == "__main__":
    main()

"""The same benchmark workloads in PyTorch (one thread); prints one JSON line. Run by bench/index.mjs."""
import json, os, resource, sys, time
import torch
import torch.nn.functional as F

# one thread, as ours; the *_threads workloads keep PyTorch's default (every core)
if not sys.argv[1:2] or not sys.argv[1].endswith("_threads"):
    torch.set_num_threads(1)
NAMES = os.environ.get("BACKPROP_NINJA_NAMES", "../shared/data/names.txt")


def dataset():
    words = open(NAMES).read().splitlines()
    xs, ys = [], []
    for w in words:
        c = [0, 0, 0]
        for ch in w + ".":
            i = 0 if ch == "." else ord(ch) - 96
            xs.append(c); ys.append(i); c = c[1:] + [i]
    return torch.tensor(xs), torch.tensor(ys)


def model(n_hidden):
    g = torch.Generator().manual_seed(2147483647)
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, n_hidden), generator=g) * (5/3) / (30**0.5)
    b1 = torch.randn(n_hidden, generator=g) * 0.1
    W2 = torch.randn((n_hidden, 27), generator=g) * 0.1
    b2 = torch.randn(27, generator=g) * 0.1
    bngain = torch.randn((1, n_hidden)) * 0.1 + 1.0
    bnbias = torch.randn((1, n_hidden)) * 0.1
    params = [C, W1, b1, W2, b2, bngain, bnbias]
    for p in params:
        p.requires_grad = True
    return g, params


def manual_step(g, params, X, Y, lr):
    C, W1, b1, W2, b2, bngain, bnbias = params
    n = 32
    ix = torch.randint(0, X.shape[0], (n,), generator=g)
    Xb, Yb = X[ix], Y[ix]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmean = hprebn.mean(0, keepdim=True)
    bnvar = hprebn.var(0, keepdim=True, unbiased=True)
    bnvar_inv = (bnvar + 1e-5)**-0.5
    bnraw = (hprebn - bnmean) * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Yb)
    dlogits = F.softmax(logits, 1)
    dlogits[range(n), Yb] -= 1
    dlogits /= n
    dh = dlogits @ W2.T; dW2 = h.T @ dlogits; db2 = dlogits.sum(0)
    dhpreact = (1.0 - h**2) * dh
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
    dbnbias = dhpreact.sum(0, keepdim=True)
    dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) - n/(n-1)*bnraw*(dhpreact*bnraw).sum(0))
    dembcat = dhprebn @ W1.T; dW1 = embcat.T @ dhprebn; db1 = dhprebn.sum(0)
    demb = dembcat.view(emb.shape)
    dC = torch.zeros_like(C)
    for k in range(Xb.shape[0]):
        for j in range(Xb.shape[1]):
            dC[Xb[k, j]] += demb[k, j]
    for p, grad in zip(params, [dC, dW1, db1, dW2, db2, dbngain, dbnbias]):
        p.data += -lr * grad
    return loss.item()


def autograd_step(g, params, X, Y, lr):
    C, W1, b1, W2, b2, bngain, bnbias = params
    ix = torch.randint(0, X.shape[0], (32,), generator=g)
    emb = C[X[ix]]
    hprebn = emb.view(emb.shape[0], -1) @ W1 + b1
    bnraw = (hprebn - hprebn.mean(0, keepdim=True)) * (hprebn.var(0, keepdim=True) + 1e-5)**-0.5
    logits = torch.tanh(bngain * bnraw + bnbias) @ W2 + b2
    loss = F.cross_entropy(logits, Y[ix])
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p.data += -lr * p.grad
    return loss.item()


def time_steps(step, steps):
    for _ in range(min(100, steps)):
        step()
    rates = []
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        rates.append(steps / (time.perf_counter() - t0))
    return sorted(rates)[1]


def train_manual(steps):
    X, Y = dataset(); g, params = model(200)
    with torch.no_grad():
        return {"steps_per_s": time_steps(lambda: manual_step(g, params, X, Y, 0.1), steps)}


def train_autograd(steps):
    X, Y = dataset(); g, params = model(200)
    return {"steps_per_s": time_steps(lambda: autograd_step(g, params, X, Y, 0.1), steps)}


def matmul(size):
    shapes = [(size, size, size)] if size else [(32, 30, 200), (32, 200, 27), (200, 32, 27), (32, 200, 30), (30, 32, 200), (256, 256, 256), (512, 512, 512)]
    out = {}
    for m, k, n in shapes:
        a, b = torch.randn(m, k), torch.randn(k, n)
        reps = max(3, int(4e7 // (2 * m * k * n)))  # as ours: warm-up, then the median of 7 timings
        for _ in range(reps):
            a @ b
        rates = []
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(reps):
                a @ b
            rates.append(2 * m * k * n * reps / (time.perf_counter() - t0) / 1e9)
        out[f"{m}x{k}x{n}_gflops"] = sorted(rates)[3]
    return out


def trace(reps):
    """The same exercise script run by real PyTorch, in-process and warm (import torch excluded)."""
    import contextlib, io, tempfile, shutil
    script = os.path.join(os.path.dirname(__file__), "..", "examples", "python", "backprop_ninja.py")
    work = tempfile.mkdtemp()
    shutil.copy(NAMES, os.path.join(work, "names.txt"))
    code = compile(open(script).read(), script, "exec")
    here = os.getcwd()
    os.chdir(work)
    times = []
    try:
        for i in range(reps + 1):
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, {"__name__": "__main__"})
            if i:
                times.append((time.perf_counter() - t0) * 1000)
    finally:
        os.chdir(here)
    return {"script_to_trace_ms": sorted(times)[len(times) // 2]}


def micrograd(steps):
    """The scalar MLP demo in CPython: examples/python/micrograd.py's Value and MLP (the classic
    micrograd code), 2-16-16-1 on 100 moons, max-margin loss + L2, SGD; no torch involved."""
    import contextlib, io, random
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../examples/python/micrograd.py")
    mg = {"__name__": "micrograd"}
    with contextlib.redirect_stdout(io.StringIO()):  # the example trains a little on import
        exec(compile(open(src).read(), src, "exec"), mg)
    Value, MLP = mg["Value"], mg["MLP"]
    X, y = mg["make_moons"](100, 0.1, random.Random(1))
    random.seed(1337)
    model = MLP(2, [16, 16, 1])

    def step():
        scores = [model(x) for x in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum((p * p for p in model.parameters()))
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
    return {"steps_per_s": time_steps(step, steps)}


def train_python(steps):
    """examples/python/train_ninja.py as it is, in this process (one thread), timing its own training
    loop; and µs per a + b on [4] tensors (bench/py_add_timing.py, the text our Pyodide runs)."""
    import contextlib, io, re, runpy
    here = os.path.dirname(os.path.abspath(__file__))
    timing = open(os.path.join(here, "py_add_timing.py")).read().rsplit("\n", 2)
    scope = {}
    exec(timing[0], scope)  # all but the last line, which names the result
    add_us = scope["best"]
    cwd, out = os.getcwd(), io.StringIO()
    os.environ["BPN_MAX_STEPS"] = str(steps)
    os.chdir(os.path.dirname(os.path.abspath(NAMES)))  # the script opens names.txt
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(os.path.join(here, "../examples/python/train_ninja.py"), run_name="__main__")
    finally:
        os.chdir(cwd)
    m = re.search(r"training: \d+ steps, ([\d.]+) steps/s", out.getvalue())
    return {"steps_per_s": float(m.group(1)), "py_add_us": add_us}


def train_python_threads(steps):
    """train_python with PyTorch's default threads (bench/index.mjs leaves OMP_NUM_THREADS unset)."""
    return {"steps_per_s": train_python(steps)["steps_per_s"], "torch_threads": torch.get_num_threads()}


def _script_rate(script, steps):
    """A bench script that prints "training: N steps, R steps/s", run here with names.txt in its cwd."""
    import contextlib, io, re, runpy
    cwd, out = os.getcwd(), io.StringIO()
    os.environ["BPN_MAX_STEPS"] = str(steps)
    os.chdir(os.path.dirname(os.path.abspath(NAMES)))
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(script, run_name="__main__")
    finally:
        os.chdir(cwd)
    return float(re.search(r"training: \d+ steps, ([\d.]+) steps/s", out.getvalue()).group(1))


def mlp(steps):
    """bench/mlp.py (two hidden layers of 128, batch 48, loss.backward()) in CPython; ours: its TS twin."""
    return {"steps_per_s": _script_rate(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp.py"), steps)}


def mlp_python(steps):
    """The same script; ours runs it in Pyodide."""
    return mlp(steps)


LECTURE_NOTEBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../test/fixtures/lectures/micrograd_moons.ipynb")


def lecture_notebook(reps):
    """The micrograd lecture-like notebook (its own Scalar class, make_moons, a training loop, a
    decision boundary) in native CPython, in a process of its own without torch (bench/notebook_cpython.py)."""
    import subprocess
    child = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notebook_cpython.py")
    out = subprocess.run([sys.executable, child, LECTURE_NOTEBOOK, str(reps)], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return {"first_ms": r["first_ms"], "warm_ms": r["warm_ms"], "warm_cpu_ms": r["warm_cpu_ms"]}


def memory(steps):
    X, Y = dataset(); g, params = model(200)
    with torch.no_grad():
        for _ in range(steps):
            manual_step(g, params, X, Y, 0.1)
    return {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


if __name__ == "__main__":
    name, arg = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0
    print(json.dumps(globals()[name](arg)))

"""Runs a notebook's code cells in real CPython (Debian's numpy, sklearn, matplotlib), as
scripts/reference/lecture_outputs.py does, and prints one JSON line of timings: first_ms from this
script's start (the imports the notebook makes included) to the end of its first run, warm_ms the
median of `reps` more runs in the same process, warm_cpu_ms their median CPU time (this process's:
on a loaded machine it swings much less than the wall clock). Run by bench/torch_workloads.py lecture_notebook."""
import time

T0 = time.perf_counter()
import contextlib, io, json, statistics, sys  # noqa: E401,E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # figures are drawn nowhere, as in lecture_outputs.py
import matplotlib.pyplot as plt  # noqa: E402


def cells(path):
    nb = json.load(open(path))
    out = []
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            out.append(compile("\n".join(l for l in src.splitlines() if not l.lstrip().startswith("%")), path, "exec"))
    return out


def run(code):
    buf = io.StringIO()
    env = {"__name__": "__main__"}
    with contextlib.redirect_stdout(buf):
        for c in code:
            exec(c, env)
    plt.close("all")
    return buf.getvalue()


path, reps = sys.argv[1], int(sys.argv[2])
code = cells(path)
printed = run(code)
first = (time.perf_counter() - T0) * 1000
warm, cpu = [], []
for _ in range(reps):
    t, c = time.perf_counter(), time.process_time()
    run(code)
    warm.append((time.perf_counter() - t) * 1000)
    cpu.append((time.process_time() - c) * 1000)
print(json.dumps({"first_ms": first, "warm_ms": statistics.median(warm), "warm_cpu_ms": statistics.median(cpu), "lines": printed.count("\n")}))

"""Reference outputs for the Python scripts Backprop Ninja runs through Pyodide, made with real PyTorch.

Run with the Debian Python that has PyTorch 1.13 (the `python3` first on PATH may not):
    /usr/bin/python3 scripts/reference/python_outputs.py [fixture names, e.g. divmod]
Each script runs unchanged in a subprocess; its stdout lines are written to
test/fixtures/python/<name>.json, which test/unit/python.test.ts compares with the Pyodide run.
Lines that would repeat names.txt content (the words list) are dropped, never committed.
"""
import json
import os
import platform
import subprocess
import sys

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))
OUT = os.path.join(ROOT, "test", "fixtures", "python")

# (fixture name, script, working directory, line filter[, extra environment])
SCRIPTS = [
    ("backprop_ninja", "examples/python/backprop_ninja.py", DATA, lambda line: not line.startswith("['")),
    ("api", "test/fixtures/python/api_checks.py", None, None),
    ("micrograd", "examples/python/micrograd.py", None, None),
    ("inplace_views", "test/fixtures/python/inplace_views.py", None, None),
    ("index_items", "test/fixtures/python/index_items.py", None, None),
    ("divmod", "test/fixtures/python/divmod_checks.py", None, None),
    # the exercise again, saving PyTorch's random draws for a replay that does not depend on our RNG
    ("backprop_ninja_replay", "test/fixtures/python/replay_draws.py", DATA, lambda line: not line.startswith("['")),
    # exercise 4, 200 steps: losses, evaluation and sampled names (the timing line is dropped)
    ("train_ninja_200", "examples/python/train_ninja.py", DATA, lambda line: not line.startswith("training:"),
     {"BPN_MAX_STEPS": "200"}),
]


def main():
    if not torch.__version__.startswith("1.13"):
        sys.exit(f"expected PyTorch 1.13, found {torch.__version__}")
    os.makedirs(OUT, exist_ok=True)
    only = sys.argv[1:]  # fixture names to remake; none: all
    for name, script, cwd, keep, *extra in SCRIPTS:
        if only and name not in only:
            continue
        path = os.path.join(ROOT, script)
        env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", BPN_DRAWS="record", **(extra[0] if extra else {}))
        proc = subprocess.run([sys.executable, path], cwd=cwd or os.path.dirname(path), env=env,
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(f"{script} failed:\n{proc.stderr}")
        lines = proc.stdout.splitlines()
        if keep:
            lines = [line for line in lines if keep(line)]
        fixture = {
            "script": script,
            "made_by": "scripts/reference/python_outputs.py",
            "torch": torch.__version__,
            "python": platform.python_version(),
            "env": extra[0] if extra else {},
            "stdout": lines,
        }
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(fixture, f, indent=1)
            f.write("\n")
        print(f"{name}: {len(lines)} lines")


if __name__ == "__main__":
    main()

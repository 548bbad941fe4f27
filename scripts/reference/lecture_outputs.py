# Runs the team's lecture-like notebooks and scripts (test/fixtures/lectures/*.ipynb, *.py) with real
# CPython on Debian's python3-numpy, python3-matplotlib, python3-sklearn, python3-torch and writes
# what each prints next to it (<name>.out); test/unit/lectures.test.ts runs them through our runner
# and compares line by line. Run: /usr/bin/python3 scripts/reference/lecture_outputs.py
import contextlib
import io
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # figures are drawn nowhere; plt.show() returns at once

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "lectures")


def code_of(path):
    if path.endswith(".py"):
        return [open(path).read()]
    nb = json.load(open(path))
    cells = []
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        cells.append("\n".join(line for line in src.splitlines() if not line.lstrip().startswith("%")))
    return cells


def run(path):
    out = io.StringIO()
    env = {"__name__": "__main__"}
    with contextlib.redirect_stdout(out):
        for src in code_of(path):
            exec(compile(src, path, "exec"), env)
    return out.getvalue()


for name in sorted(os.listdir(HERE)):
    if name.endswith((".py", ".ipynb")):
        path = os.path.join(HERE, name)
        with open(os.path.splitext(path)[0] + ".out", "w") as f:
            f.write(run(path))
        print("wrote", os.path.splitext(name)[0] + ".out", file=sys.stderr)

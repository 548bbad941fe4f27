"""Reference DOT sources for Backprop Ninja's graphviz module, made by the real graphviz package.

Run with the Debian Python that has python3-graphviz (apt-get install python3-graphviz):
    /usr/bin/python3 scripts/reference/gen_graphviz_sources.py
It runs test/fixtures/graphviz/sources.py unchanged and writes its printed lines, with the package's
version, to test/fixtures/graphviz/sources.json; test/unit/graphviz.test.ts runs the same script in
Pyodide and compares.
"""
import json
import os
import subprocess
import sys

import graphviz

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "test", "fixtures", "graphviz", "sources.py")
OUT = os.path.join(ROOT, "test", "fixtures", "graphviz", "sources.json")

run = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True, check=True, cwd=os.path.dirname(SCRIPT))
lines = run.stdout.splitlines()
with open(OUT, "w", encoding="utf-8") as f:
    json.dump({"graphviz": graphviz.__version__, "python": sys.version.split()[0], "lines": lines}, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"{len(lines)} cases from graphviz {graphviz.__version__} → {os.path.relpath(OUT, ROOT)}")

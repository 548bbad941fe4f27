"""Reference output of our numpy checks, made with real numpy 1.24 (Debian's python3-numpy).

    /usr/bin/python3 scripts/reference/numpy_outputs.py
runs test/fixtures/numpy/numpy_checks.py unchanged and writes its stdout lines to
test/fixtures/numpy/numpy_checks.json, which test/unit/numpy.test.ts compares with the same script
run through Pyodide by our emulated numpy (src/python/site/numpy).
"""
import json
import os
import subprocess
import sys

import numpy

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "test", "fixtures", "numpy", "numpy_checks.py")


def main():
    if not numpy.__version__.startswith("1.24"):
        sys.exit(f"expected numpy 1.24, found {numpy.__version__}")
    out = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True, check=True).stdout
    path = SCRIPT[:-3] + ".json"
    with open(path, "w") as f:
        json.dump({"numpy": numpy.__version__, "stdout": out.splitlines()}, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)}: {len(out.splitlines())} lines")


if __name__ == "__main__":
    main()

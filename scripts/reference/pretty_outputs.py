"""Reference: how IPython 8 (Debian's python3-ipython) shows a cell's result, for the values in
test/fixtures/pretty/values.py. Objects without a repr show their address: it is replaced by 0xADDR.
    /usr/bin/python3 scripts/reference/pretty_outputs.py  ->  test/fixtures/pretty/values.json
"""
import json
import os
import re

import IPython
from IPython.lib.pretty import pretty

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SOURCE = os.path.join(ROOT, "test", "fixtures", "pretty", "values.py")

# run as a notebook cell runs: classes defined there belong to __main__
cell = {"__name__": "__main__"}
with open(SOURCE) as f:
    exec(compile(f.read(), SOURCE, "exec"), cell)
out = {"ipython": IPython.__version__,
       "shown": [[label, re.sub(r"0x[0-9a-f]+", "0xADDR", pretty(v))] for label, v in cell["values"]()]}
with open(os.path.join(ROOT, "test", "fixtures", "pretty", "values.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"{len(out['shown'])} values shown by IPython {IPython.__version__}")

# The engine's op table and the codes the bridge shares with Python (src/engine/ops/table.ts and
# bridge.ts pythonTable), read once at import: the names and codes below are written nowhere else.
import json

import _bpn_bridge as _b

_table = json.loads(_b.pythonTable())
_ops = _table["ops"]

# Tensor methods by how the handle path calls them (bridge.ts h_<name>, h_<name>_t / _s)
UNARY = tuple(r["name"] for r in _ops["unary"])
BINARY = tuple(r["name"] for r in _ops["binary"])
INPLACE = tuple(_ops["inplace"])
# o (op) t: only Python's reflected operators (__rsub__, ...), not Tensor methods
REFLECTED = tuple(r["name"] for r in _ops["binary"] if r["reflected"])
# torch.<name>(input, ...) and torch.nn.functional.<name>(input)
TORCH = tuple(r["name"] for r in _ops["unary"] + _ops["binary"] if r["torch"])
FUNCTIONAL = tuple(r["name"] for r in _ops["unary"] if r["functional"])

# dtypes in code order: each a dict of name, itemsize, label ("Float"), floating, rank (type promotion)
DTYPES = tuple(_table["dtypes"])
DTYPE_CODE = {d["name"]: i for i, d in enumerate(DTYPES)}
REDUCTION_CODE = {name: i for i, name in enumerate(_table["reductions"])}
IOP_MODES = tuple(_table["iopModes"])

# index items in the argument buffer: from ITEMS_AT, ITEM_SLOTS slots each, a code and its values
ITEMS_AT = _table["index"]["at"]
ITEM_SLOTS = _table["index"]["slots"]
ITEM = _table["index"]["codes"]

del _table, _ops

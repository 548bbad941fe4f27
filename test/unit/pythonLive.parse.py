# Used by pythonLive.test.ts: random line edits of a script, each parsed by _bpn_live's partial parse
# (after a parse of the text before the edit) and by ast.parse of the whole text. check() returns the
# edits where the two disagree and how many of them took the partial path.
import ast
import random

import _bpn_live as live

# constructs where a statement spans lines, or shares one, or a later line could extend it
TRICKY = '''
@decorate(1)
def f(x):
    return x + 1

a = 1; b = [2,
  3]; c = 4
if a:
    y = """text
over lines"""
else:
    y = 2
class K:
    z = 3
w = a + \\
    b
'''
POOL = ["else:", "    q = 1", ")", '"""', "@decorate(2)", "a = 5; b = 6", "# note", "", "x = (1,", "def g():",
        "print(a)", "        deep = 1", "y = 7", "elif b:", "    return 2"]


def _dump(text, parse):
    try:
        return ast.dump(ast.Module(parse(text), []), include_attributes=True)
    except SyntaxError:
        return "SyntaxError"


def parse_both(before, after):
    lines = before.splitlines(True)
    live._last_parse.update(path="x.py", lines=lines, body=ast.parse(before, "x.py").body)
    partial = live._parse_changed("x.py", after.splitlines(True), lines, live._last_parse["body"]) is not None
    got = _dump(after, lambda t: live._parse("x.py", t, t.splitlines(True)))
    want = _dump(after, lambda t: ast.parse(t, "x.py").body)
    return got == want, partial


def check(base, steps, seed):
    r = random.Random(seed)
    lines = (base + TRICKY).split("\n")
    bad, partial = [], 0
    for step in range(steps):
        i = r.randrange(len(lines))
        kind = r.randrange(4)
        new = list(lines)
        if kind == 0:
            new[i] = r.choice(POOL)
        elif kind == 1:
            new.insert(i, r.choice(POOL))
        elif kind == 2:
            del new[i]
        else:
            new[i] = new[i].replace(" ", "  ", 1) if " " in new[i] else new[i] + " "
        same, p = parse_both("\n".join(lines), "\n".join(new))
        partial += p
        if not same:
            bad.append(f"step {step}: edit {kind} at line {i + 1}")
        # the edits pile up while the text still parses, half of the time
        if r.random() < 0.5:
            try:
                ast.parse("\n".join(new))
                lines = new
            except SyntaxError:
                pass
    live._last_parse.update(path=None, lines=[], body=[])
    return bad, partial

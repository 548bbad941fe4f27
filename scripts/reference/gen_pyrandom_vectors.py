"""Reference outputs of CPython's `random` for test/unit/pyrandom.test.ts (any CPython 3 works)."""
import json, random, sys

cases = []
for seed in [0, 1, 42, 2**32 - 1, 2**32, 2**40, -7, 12345678901234567890]:
    r = random.Random(seed)
    case = {"seed": str(seed), "random": [r.random() for _ in range(5)]}
    case["getrandbits"] = {str(k): str(r.getrandbits(k)) for k in [1, 7, 31, 32, 33, 64, 100]}
    case["randrange"] = [r.randrange(10), r.randrange(3, 1000), r.randrange(0, 100, 7), r.randint(1, 6), r.randrange(2**40)]
    case["choice"] = [r.choice("abcdefghij") for _ in range(5)]
    for n in [1, 2, 10, 33, 1000]:
        xs = list(range(n))
        r.shuffle(xs)
        case[f"shuffle{n}"] = xs
    cases.append(case)
json.dump({"python": sys.version.split()[0], "cases": cases}, sys.stdout, indent=1)

# One small op from Python, the same text in our Pyodide and in CPython with PyTorch: µs per a + b on
# [4] tensors (best of 5 rounds of 20,000). The value of the last line is the result.
import time
import torch

a, b = torch.ones(4), torch.ones(4)
for _ in range(2000):
    a + b
best = float("inf")
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(20000):
        a + b
    best = min(best, (time.perf_counter() - t0) / 20000 * 1e6)
best

# A larger MLP than exercise 4's, trained with loss.backward(): the names' 3-character contexts
# embedded in 10 dimensions, two hidden layers of 128 with tanh, batch 48, SGD. Matrix products
# dominate here. The same text runs in our Pyodide (bench/workloads.ts mlp_python) and in CPython
# with PyTorch (bench/torch_workloads.py); bench/workloads.ts mlpStep is its TypeScript twin.
# BPN_MAX_STEPS: the timed steps (after 100 warm-up steps). Prints "training: N steps, R steps/s".
import os
import time

import torch
import torch.nn.functional as F

words = open('names.txt', 'r').read().splitlines()
xs, ys = [], []
for w in words:
    c = [0, 0, 0]
    for ch in w + '.':
        i = 0 if ch == '.' else ord(ch) - 96
        xs.append(c)
        ys.append(i)
        c = c[1:] + [i]
X, Y = torch.tensor(xs), torch.tensor(ys)

g = torch.Generator().manual_seed(2147483647)
C = torch.randn((27, 10), generator=g)
W1 = torch.randn((30, 128), generator=g) * (5 / 3) / 30**0.5
b1 = torch.randn(128, generator=g) * 0.1
W2 = torch.randn((128, 128), generator=g) * (5 / 3) / 128**0.5
b2 = torch.randn(128, generator=g) * 0.1
W3 = torch.randn((128, 27), generator=g) * 0.1
b3 = torch.randn(27, generator=g) * 0.1
parameters = [C, W1, b1, W2, b2, W3, b3]
for p in parameters:
    p.requires_grad = True


def step():
    ix = torch.randint(0, X.shape[0], (48,), generator=g)
    emb = C[X[ix]]
    h1 = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
    h2 = torch.tanh(h1 @ W2 + b2)
    loss = F.cross_entropy(h2 @ W3 + b3, Y[ix])
    for p in parameters:
        p.grad = None
    loss.backward()
    for p in parameters:
        p.data += -0.05 * p.grad
    return loss


steps = int(os.environ.get('BPN_MAX_STEPS', 2000))
for _ in range(100):
    step()
t0 = time.perf_counter()
for _ in range(steps):
    loss = step()
elapsed = time.perf_counter() - t0
print(f'loss {loss.item():.4f}')
print(f'training: {steps} steps, {steps / elapsed:.1f} steps/s')

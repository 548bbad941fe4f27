"""Reference numbers for the backprop-ninja exercise, computed by real PyTorch 1.13.

Run with the Debian Python that has PyTorch (the `python3` first on PATH has none):
    /usr/bin/python3 scripts/reference/gen_exercise_reference.py
Writes test/fixtures/exercise/reference.json. It follows ../shared/notes/exercise.md and makes the same
calls, in the same order and with the same seeds, as examples/backprop_ninja.ts (exercises 1-3) and
examples/train_ninja.ts (exercise 4, shortened), so a TypeScript run can be compared number for number.
names.txt is read from ../shared/data and never copied: only sizes, indices and computed numbers are kept.
"""
import json
import os
import platform
import random
import sys

import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NAMES = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "names.txt"))
OUT = os.path.join(ROOT, "test", "fixtures", "exercise", "reference.json")

GLOBAL_SEED = 42            # torch.manual_seed, before the Generator is made (bngain, bnbias)
GENERATOR_SEED = 2147483647  # g: C, W1, b1, W2, b2, then every minibatch's randint
SHUFFLE_SEED = 42           # Python random.seed before random.shuffle(words)
SAMPLE_SEED = 2147483647 + 10
TRAIN_STEPS = 300
N_SAMPLES = 20
BLOCK_SIZE = 3
BATCH = 32


def load_splits():
    words = open(NAMES, "r").read().splitlines()
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}

    def build(ws):
        X, Y = [], []
        for w in ws:
            context = [0] * BLOCK_SIZE
            for ch in w + ".":
                ix = stoi[ch]
                X.append(context)
                Y.append(ix)
                context = context[1:] + [ix]
        return torch.tensor(X), torch.tensor(Y)

    random.seed(SHUFFLE_SEED)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    splits = {"train": build(words[:n1]), "dev": build(words[n1:n2]), "test": build(words[n2:])}
    return len(words), itos, splits


def init_params(n_embd, n_hidden, vocab_size):
    """Seeds and draws in the notebook's order; returns (g, parameters)."""
    torch.manual_seed(GLOBAL_SEED)
    g = torch.Generator().manual_seed(GENERATOR_SEED)
    C = torch.randn((vocab_size, n_embd), generator=g)
    W1 = torch.randn((n_embd * BLOCK_SIZE, n_hidden), generator=g) * (5 / 3) / ((n_embd * BLOCK_SIZE) ** 0.5)
    b1 = torch.randn(n_hidden, generator=g) * 0.1
    W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.1
    b2 = torch.randn(vocab_size, generator=g) * 0.1
    bngain = torch.randn((1, n_hidden)) * 0.1 + 1.0
    bnbias = torch.randn((1, n_hidden)) * 0.1
    return g, [C, W1, b1, W2, b2, bngain, bnbias]


def cmp_row(name, dt, t):
    return {
        "name": name,
        "exact": bool(torch.all(dt == t.grad).item()),
        "approximate": bool(torch.allclose(dt, t.grad)),
        "maxdiff": (dt - t.grad).abs().max().item(),
    }


def exercises_1_to_3(splits, vocab_size):
    Xtr, Ytr = splits["train"]
    g, parameters = init_params(10, 64, vocab_size)
    C, W1, b1, W2, b2, bngain, bnbias = parameters
    n_params = sum(p.nelement() for p in parameters)
    for p in parameters:
        p.requires_grad = True
    n = BATCH
    ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=g)
    Xb, Yb = Xtr[ix], Ytr[ix]

    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff ** 2
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdim=True)
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum ** -1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()
    for t in [logprobs, probs, counts, counts_sum, counts_sum_inv, norm_logits, logit_maxes, logits, h, hpreact,
              bnraw, bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani, embcat, emb]:
        t.retain_grad()
    loss.backward()

    # exercise 1: the canonical hand-written solution
    dlogprobs = torch.zeros_like(logprobs)
    dlogprobs[range(n), Yb] = -1.0 / n
    dprobs = (1.0 / probs) * dlogprobs
    dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
    dcounts = counts_sum_inv * dprobs
    dcounts_sum = (-counts_sum ** -2) * dcounts_sum_inv
    dcounts += torch.ones_like(counts) * dcounts_sum
    dnorm_logits = counts * dcounts
    dlogits = dnorm_logits.clone()
    dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
    dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
    dh = dlogits @ W2.T
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(0)
    dhpreact = (1.0 - h ** 2) * dh
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
    dbnraw = bngain * dhpreact
    dbnbias = dhpreact.sum(0, keepdim=True)
    dbndiff = bnvar_inv * dbnraw
    dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
    dbnvar = (-0.5 * (bnvar + 1e-5) ** -1.5) * dbnvar_inv
    dbndiff2 = (1.0 / (n - 1)) * torch.ones_like(bndiff2) * dbnvar
    dbndiff += (2 * bndiff) * dbndiff2
    dhprebn = dbndiff.clone()
    dbnmeani = (-dbndiff).sum(0, keepdim=True)
    dhprebn += 1.0 / n * (torch.ones_like(hprebn) * dbnmeani)
    dembcat = dhprebn @ W1.T
    dW1 = embcat.T @ dhprebn
    db1 = dhprebn.sum(0)
    demb = dembcat.view(emb.shape)
    dC = torch.zeros_like(C)
    for k in range(Xb.shape[0]):
        for j in range(Xb.shape[1]):
            dC[Xb[k, j]] += demb[k, j]
    rows = [cmp_row(*r) for r in [
        ("logprobs", dlogprobs, logprobs), ("probs", dprobs, probs), ("counts_sum_inv", dcounts_sum_inv, counts_sum_inv),
        ("counts_sum", dcounts_sum, counts_sum), ("counts", dcounts, counts), ("norm_logits", dnorm_logits, norm_logits),
        ("logit_maxes", dlogit_maxes, logit_maxes), ("logits", dlogits, logits), ("h", dh, h), ("W2", dW2, W2),
        ("b2", db2, b2), ("hpreact", dhpreact, hpreact), ("bngain", dbngain, bngain), ("bnbias", dbnbias, bnbias),
        ("bnraw", dbnraw, bnraw), ("bnvar_inv", dbnvar_inv, bnvar_inv), ("bnvar", dbnvar, bnvar),
        ("bndiff2", dbndiff2, bndiff2), ("bndiff", dbndiff, bndiff), ("bnmeani", dbnmeani, bnmeani),
        ("hprebn", dhprebn, hprebn), ("embcat", dembcat, embcat), ("W1", dW1, W1), ("b1", db1, b1),
        ("emb", demb, emb), ("C", dC, C)]]

    # exercise 2: cross entropy in one step
    loss_fast = F.cross_entropy(logits, Yb)
    dlogits_fast = F.softmax(logits, 1)
    dlogits_fast[range(n), Yb] -= 1
    dlogits_fast /= n
    ex2 = {"loss_fast": loss_fast.item(), "diff": (loss_fast - loss).item(), "cmp": cmp_row("logits", dlogits_fast, logits)}

    # exercise 3: batchnorm in one step
    hpreact_fast = bngain * (hprebn - hprebn.mean(0, keepdim=True)) / torch.sqrt(hprebn.var(0, keepdim=True, unbiased=True) + 1e-5) + bnbias
    forward_maxdiff = (hpreact_fast - hpreact).abs().max().item()
    dhprebn_fast = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
    ex3 = {"forward_maxdiff": forward_maxdiff, "cmp": cmp_row("hprebn", dhprebn_fast, hprebn)}

    return {
        "parameters": n_params,
        "first_minibatch_ix": ix.tolist(),
        "loss": loss.item(),
        "loss_hex": loss.item().hex(),  # float32 loss widened to a double, bit for bit
        "cmp": rows,
        "exact_rows": sum(r["exact"] for r in rows),
        "exercise2": ex2,
        "exercise3": ex3,
    }


def exercise_4(splits, vocab_size, itos):
    Xtr, Ytr = splits["train"]
    Xdev, Ydev = splits["dev"]
    g, parameters = init_params(10, 200, vocab_size)
    C, W1, b1, W2, b2, bngain, bnbias = parameters
    n_params = sum(p.nelement() for p in parameters)
    for p in parameters:
        p.requires_grad = True
    n = BATCH
    losses = []
    with torch.no_grad():
        for i in range(TRAIN_STEPS):
            ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=g)
            Xb, Yb = Xtr[ix], Ytr[ix]
            emb = C[Xb]
            embcat = emb.view(emb.shape[0], -1)
            hprebn = embcat @ W1 + b1
            bnmean = hprebn.mean(0, keepdim=True)
            bnvar = hprebn.var(0, keepdim=True, unbiased=True)
            bnvar_inv = (bnvar + 1e-5) ** -0.5
            bnraw = (hprebn - bnmean) * bnvar_inv
            hpreact = bngain * bnraw + bnbias
            h = torch.tanh(hpreact)
            logits = h @ W2 + b2
            loss = F.cross_entropy(logits, Yb)
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dh, dW2, db2 = dlogits @ W2.T, h.T @ dlogits, dlogits.sum(0)
            dhpreact = (1.0 - h ** 2) * dh
            dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
            dbnbias = dhpreact.sum(0, keepdim=True)
            dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
            dembcat, dW1, db1 = dhprebn @ W1.T, embcat.T @ dhprebn, dhprebn.sum(0)
            demb = dembcat.view(emb.shape)
            dC = torch.zeros_like(C)
            for k in range(Xb.shape[0]):
                for j in range(Xb.shape[1]):
                    dC[Xb[k, j]] += demb[k, j]
            grads = [dC, dW1, db1, dW2, db2, dbngain, dbnbias]
            lr = 0.1 if i < 100000 else 0.01
            for p, grad in zip(parameters, grads):
                p.data += -lr * grad
            losses.append(loss.item())

        emb = C[Xtr]
        hpre = emb.view(emb.shape[0], -1) @ W1 + b1
        bnmean = hpre.mean(0, keepdim=True)
        bnvar = hpre.var(0, keepdim=True, unbiased=True)

        def forward(x):
            e = C[x]
            hp = bngain * (e.view(e.shape[0], -1) @ W1 + b1 - bnmean) * (bnvar + 1e-5) ** -0.5 + bnbias
            return torch.tanh(hp) @ W2 + b2

        evaluation = {"train": F.cross_entropy(forward(Xtr), Ytr).item(), "val": F.cross_entropy(forward(Xdev), Ydev).item()}
        gs = torch.Generator().manual_seed(SAMPLE_SEED)
        samples = []
        for _ in range(N_SAMPLES):
            out, context = [], [0] * BLOCK_SIZE
            while True:
                probs = F.softmax(forward(torch.tensor([context])), dim=1)
                ix = torch.multinomial(probs, num_samples=1, generator=gs).item()
                context = context[1:] + [ix]
                out.append(ix)
                if ix == 0:
                    break
            samples.append("".join(itos[i] for i in out))
    return {"parameters": n_params, "steps": TRAIN_STEPS, "losses": losses, "evaluation": evaluation, "samples": samples}


def main():
    if not torch.__version__.startswith("1.13"):
        sys.exit(f"expected PyTorch 1.13, found {torch.__version__}")
    torch.set_num_threads(1)
    n_words, itos, splits = load_splits()
    vocab_size = len(itos)
    ex123 = exercises_1_to_3(splits, vocab_size)
    ex4 = exercise_4(splits, vocab_size, itos)
    reference = {
        "made_by": "scripts/reference/gen_exercise_reference.py",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "choices": {
            "names": "../shared/data/names.txt (not copied)",
            "shuffle": f"random.seed({SHUFFLE_SEED}); random.shuffle(words); 80/10/10 split",
            "order": [
                f"torch.manual_seed({GLOBAL_SEED})",
                f"g = torch.Generator().manual_seed({GENERATOR_SEED})",
                "C, W1, b1, W2, b2 = randn(..., generator=g) scaled as in the notebook",
                "bngain = randn((1, n_hidden)) * 0.1 + 1.0; bnbias = randn((1, n_hidden)) * 0.1 (global generator)",
                f"ix = torch.randint(0, Xtr.shape[0], ({BATCH},), generator=g) for each minibatch",
            ],
            "exercise4": (f"n_hidden 200, the same seeding as above re-done from scratch, {TRAIN_STEPS} steps of SGD lr 0.1 "
                          "with the hand-written backward under no_grad (dlogits from softmax, batchnorm in one step, dC by "
                          "a loop of dC[Xb[k, j]] += demb[k, j]), calibration over all of Xtr with var(unbiased), "
                          f"then {N_SAMPLES} names sampled with multinomial from a Generator seeded {SAMPLE_SEED}"),
            "threads": 1,
            "global_seed": GLOBAL_SEED,
            "generator_seed": GENERATOR_SEED,
            "shuffle_seed": SHUFFLE_SEED,
            "sample_seed": SAMPLE_SEED,
        },
        "dataset": {
            "words": n_words,
            "vocab_size": vocab_size,
            "train": list(splits["train"][0].shape), "dev": list(splits["dev"][0].shape), "test": list(splits["test"][0].shape),
        },
        "exercise1_3": ex123,
        "exercise4": ex4,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print(f"loss {ex123['loss']!r}; {ex123['exact_rows']}/26 exact; ex4 last loss {ex4['losses'][-1]:.4f}; "
          f"train {ex4['evaluation']['train']:.4f} val {ex4['evaluation']['val']:.4f}")


if __name__ == "__main__":
    main()

// Becoming a backprop ninja: write every gradient below by hand and check it against autograd.
// Run: "Backprop Ninja: Run backprop exercise" (Ctrl+Alt+Enter). In live mode every save re-runs it;
// the CodeLens above each cmp() and the gradient panel show the verdicts.
import { torch, F, cmp, range, data, Tensor } from "backprop-ninja";

// ---- data: names.txt next to this file ("Backprop Ninja: Download names.txt"), else a built-in list
const { words, origin } = data.loadWords();
console.log(`${words.length} words from ${origin}`);
const { Xtr, Ytr, vocab } = data.makemoreSplits(words, 3, 42);

// ---- model, initialised like the notebook (the odd scales keep mistakes from hiding) ----
torch.manual_seed(42);
const n_embd = 10, n_hidden = 64, block_size = 3, vocab_size = vocab.size;
const g = torch.Generator().manual_seed(2147483647);
const C = torch.randn([vocab_size, n_embd], { generator: g });
const W1 = torch.randn([n_embd * block_size, n_hidden], { generator: g }).mul(5 / 3).div((n_embd * block_size) ** 0.5);
const b1 = torch.randn([n_hidden], { generator: g }).mul(0.1);
const W2 = torch.randn([n_hidden, vocab_size], { generator: g }).mul(0.1);
const b2 = torch.randn([vocab_size], { generator: g }).mul(0.1);
const bngain = torch.randn([1, n_hidden]).mul(0.1).add(1.0);
const bnbias = torch.randn([1, n_hidden]).mul(0.1);
for (const p of [C, W1, b1, W2, b2, bngain, bnbias]) p.requires_grad = true;

// ---- one minibatch ----
const batch_size = 32, n = batch_size;
const ix = torch.randint(0, Xtr.shape[0], [batch_size], { generator: g });
const Xb = Xtr.index(ix), Yb = Ytr.index(ix);

// ---- forward pass, one atom per line ----
const emb = C.index(Xb); // [32, 3, 10]
const embcat = emb.view(emb.shape[0], -1); // [32, 30]
const hprebn = embcat.matmul(W1).add(b1); // [32, 64]
const bnmeani = hprebn.sum(0, { keepdim: true }).mul(1 / n);
const bndiff = hprebn.sub(bnmeani);
const bndiff2 = bndiff.pow(2);
const bnvar = bndiff2.sum(0, { keepdim: true }).mul(1 / (n - 1));
const bnvar_inv = bnvar.add(1e-5).pow(-0.5);
const bnraw = bndiff.mul(bnvar_inv);
const hpreact = bngain.mul(bnraw).add(bnbias);
const h = torch.tanh(hpreact);
const logits = h.matmul(W2).add(b2); // [32, 27]
const logit_maxes = logits.max(1, { keepdim: true }).values;
const norm_logits = logits.sub(logit_maxes);
const counts = norm_logits.exp();
const counts_sum = counts.sum(1, { keepdims: true });
const counts_sum_inv = counts_sum.pow(-1);
const probs = counts.mul(counts_sum_inv);
const logprobs = probs.log();
const loss = logprobs.index(range(n), Yb).mean().neg();

for (const t of [logprobs, probs, counts, counts_sum, counts_sum_inv, norm_logits, logit_maxes, logits, h, hpreact,
  bnraw, bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani, embcat, emb]) {
  t.retain_grad();
}
loss.backward();
console.log(`loss: ${loss.item()}`);

// ---- exercise 1: backprop through the whole thing by hand, in reverse ----
// Replace each null with your gradient. A tensor used twice gets the sum of both paths.
const dlogprobs: Tensor | null = null; // hint: only the n picked entries of logprobs reach the loss
const dprobs: Tensor | null = null;
const dcounts_sum_inv: Tensor | null = null;
const dcounts_sum: Tensor | null = null;
const dcounts: Tensor | null = null;
const dnorm_logits: Tensor | null = null;
const dlogit_maxes: Tensor | null = null;
const dlogits: Tensor | null = null;
const dh: Tensor | null = null;
const dW2: Tensor | null = null;
const db2: Tensor | null = null;
const dhpreact: Tensor | null = null;
const dbngain: Tensor | null = null;
const dbnbias: Tensor | null = null;
const dbnraw: Tensor | null = null;
const dbnvar_inv: Tensor | null = null;
const dbnvar: Tensor | null = null;
const dbndiff2: Tensor | null = null;
const dbndiff: Tensor | null = null;
const dbnmeani: Tensor | null = null;
const dhprebn: Tensor | null = null;
const dembcat: Tensor | null = null;
const dW1: Tensor | null = null;
const db1: Tensor | null = null;
const demb: Tensor | null = null;
const dC: Tensor | null = null;

cmp("logprobs", dlogprobs, logprobs);
cmp("probs", dprobs, probs);
cmp("counts_sum_inv", dcounts_sum_inv, counts_sum_inv);
cmp("counts_sum", dcounts_sum, counts_sum);
cmp("counts", dcounts, counts);
cmp("norm_logits", dnorm_logits, norm_logits);
cmp("logit_maxes", dlogit_maxes, logit_maxes);
cmp("logits", dlogits, logits);
cmp("h", dh, h);
cmp("W2", dW2, W2);
cmp("b2", db2, b2);
cmp("hpreact", dhpreact, hpreact);
cmp("bngain", dbngain, bngain);
cmp("bnbias", dbnbias, bnbias);
cmp("bnraw", dbnraw, bnraw);
cmp("bnvar_inv", dbnvar_inv, bnvar_inv);
cmp("bnvar", dbnvar, bnvar);
cmp("bndiff2", dbndiff2, bndiff2);
cmp("bndiff", dbndiff, bndiff);
cmp("bnmeani", dbnmeani, bnmeani);
cmp("hprebn", dhprebn, hprebn);
cmp("embcat", dembcat, embcat);
cmp("W1", dW1, W1);
cmp("b1", db1, b1);
cmp("emb", demb, emb);
cmp("C", dC, C);

// ---- exercise 2: the gradient of cross_entropy with respect to logits, in one expression ----
const dlogits_fast: Tensor | null = null;
cmp("logits", dlogits_fast, logits);

// ---- exercise 3: the gradient through batchnorm (hprebn -> hpreact) in one expression ----
const dhprebn_fast: Tensor | null = null;
cmp("hprebn", dhprebn_fast, hprebn);

// Becoming a backprop ninja — exercise 1 to 3 in TypeScript, against the Backprop Ninja engine.
// The forward pass is cut into atoms; every gradient below is written by hand and checked against
// autograd with cmp(). Run it with "Backprop Ninja: Run backprop exercise" or
// `npx backprop-ninja run examples/backprop_ninja.ts`.
import { torch, F, cmp, range, data } from "backprop-ninja";

// ---- data: names.txt next to this file (or $BACKPROP_NINJA_NAMES), else the embedded list ----
const { words, origin } = data.loadWords();
console.log(`${words.length} words from ${origin}`);
const { Xtr, Ytr, vocab } = data.makemoreSplits(words, 3, 42);
console.log(`train examples: ${Xtr.shape[0]}`);

// ---- model, initialised exactly like the notebook ----
torch.manual_seed(42); // the global generator (bngain, bnbias)
const n_embd = 10, n_hidden = 64, block_size = 3, vocab_size = vocab.size;
const g = torch.Generator().manual_seed(2147483647);
const C = torch.randn([vocab_size, n_embd], { generator: g });
const W1 = torch.randn([n_embd * block_size, n_hidden], { generator: g }).mul(5 / 3).div((n_embd * block_size) ** 0.5);
const b1 = torch.randn([n_hidden], { generator: g }).mul(0.1); // useless because of batchnorm, kept for fun
const W2 = torch.randn([n_hidden, vocab_size], { generator: g }).mul(0.1);
const b2 = torch.randn([vocab_size], { generator: g }).mul(0.1);
const bngain = torch.randn([1, n_hidden]).mul(0.1).add(1.0);
const bnbias = torch.randn([1, n_hidden]).mul(0.1);
const parameters = [C, W1, b1, W2, b2, bngain, bnbias];
console.log(`parameters: ${parameters.reduce((s, p) => s + p.nelement(), 0)}`);
for (const p of parameters) p.requires_grad = true;

// ---- one minibatch ----
const batch_size = 32, n = batch_size;
const ix = torch.randint(0, Xtr.shape[0], [batch_size], { generator: g });
const Xb = Xtr.index(ix), Yb = Ytr.index(ix);

// ---- forward pass, chunked into steps we can backprop through one at a time ----
const emb = C.index(Xb); // [32, 3, 10]
const embcat = emb.view(emb.shape[0], -1); // [32, 30]
const hprebn = embcat.matmul(W1).add(b1); // [32, 64]
const bnmeani = hprebn.sum(0, { keepdim: true }).mul(1 / n);
const bndiff = hprebn.sub(bnmeani);
const bndiff2 = bndiff.pow(2);
const bnvar = bndiff2.sum(0, { keepdim: true }).mul(1 / (n - 1)); // Bessel's correction
const bnvar_inv = bnvar.add(1e-5).pow(-0.5);
const bnraw = bndiff.mul(bnvar_inv);
const hpreact = bngain.mul(bnraw).add(bnbias);
const h = torch.tanh(hpreact);
const logits = h.matmul(W2).add(b2); // [32, 27]
const logit_maxes = logits.max(1, { keepdim: true }).values;
const norm_logits = logits.sub(logit_maxes); // subtract max for numerical stability
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

// ---- exercise 1: backprop through the whole thing manually ----
const dlogprobs = torch.zeros_like(logprobs);
dlogprobs.indexSet([range(n), Yb], -1.0 / n);
const dprobs = torch.div(1.0, probs).mul(dlogprobs);
const dcounts_sum_inv = counts.mul(dprobs).sum(1, { keepdim: true });
const dcounts = counts_sum_inv.mul(dprobs);
const dcounts_sum = counts_sum.pow(-2).neg().mul(dcounts_sum_inv);
dcounts.add_(torch.ones_like(counts).mul(dcounts_sum));
const dnorm_logits = counts.mul(dcounts);
const dlogits = dnorm_logits.clone();
const dlogit_maxes = dnorm_logits.neg().sum(1, { keepdim: true });
dlogits.add_(F.one_hot(logits.max(1).indices, logits.shape[1]).mul(dlogit_maxes));
const dh = dlogits.matmul(W2.T);
const dW2 = h.T.matmul(dlogits);
const db2 = dlogits.sum(0);
const dhpreact = torch.sub(1.0, h.pow(2)).mul(dh);
const dbngain = bnraw.mul(dhpreact).sum(0, { keepdim: true });
const dbnraw = bngain.mul(dhpreact);
const dbnbias = dhpreact.sum(0, { keepdim: true });
const dbndiff = bnvar_inv.mul(dbnraw);
const dbnvar_inv = bndiff.mul(dbnraw).sum(0, { keepdim: true });
const dbnvar = torch.mul(-0.5, bnvar.add(1e-5).pow(-1.5)).mul(dbnvar_inv);
const dbndiff2 = torch.mul(1.0 / (n - 1), torch.ones_like(bndiff2)).mul(dbnvar);
dbndiff.add_(torch.mul(2, bndiff).mul(dbndiff2));
const dhprebn = dbndiff.clone();
const dbnmeani = dbndiff.neg().sum(0, { keepdim: true });
dhprebn.add_(torch.mul(1.0 / n, torch.ones_like(hprebn).mul(dbnmeani)));
const dembcat = dhprebn.matmul(W1.T);
const dW1 = embcat.T.matmul(dhprebn);
const db1 = dhprebn.sum(0);
const demb = dembcat.view(emb.shape);
const dC = torch.zeros_like(C);
for (let k = 0; k < Xb.shape[0]; k++) {
  for (let j = 0; j < Xb.shape[1]; j++) {
    const ix = Xb.index(k, j);
    dC.indexAdd([ix], demb.index(k, j));
  }
}

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

// ---- exercise 2: cross entropy in one step ----
const loss_fast = F.cross_entropy(logits, Yb);
console.log(`${loss_fast.item()} diff: ${loss_fast.sub(loss).item()}`);
const dlogits_fast = F.softmax(logits, 1);
dlogits_fast.indexSub([range(n), Yb], 1);
dlogits_fast.div_(n);
cmp("logits", dlogits_fast, logits);

// ---- exercise 3: batchnorm in one step ----
const hpreact_fast = bngain
  .mul(hprebn.sub(hprebn.mean(0, { keepdim: true })))
  .div(torch.sqrt(hprebn.var(0, { keepdim: true, unbiased: true }).add(1e-5)))
  .add(bnbias);
console.log(`max diff: ${hpreact_fast.sub(hpreact).abs().max().item()}`);
const dhprebn_fast = bngain.mul(bnvar_inv).div(n).mul(
  dhpreact.mul(n).sub(dhpreact.sum(0)).sub(torch.mul(n / (n - 1), bnraw).mul(dhpreact.mul(bnraw).sum(0))),
);
cmp("hprebn", dhprebn_fast, hprebn);

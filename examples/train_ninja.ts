// Becoming a backprop ninja — exercise 4: train the MLP with the hand-written backward pass only
// (no loss.backward()), calibrate batchnorm over the training set, evaluate, and sample names.
// Set BPN_MAX_STEPS for a shorter run (the full run is 200,000 steps).
import { torch, F, range, data, log } from "backprop-ninja";

const { words } = data.loadWords();
const { Xtr, Ytr, Xdev, Ydev, vocab } = data.makemoreSplits(words, 3, 42);

torch.manual_seed(42); // the global generator (bngain, bnbias)
const n_embd = 10, n_hidden = 200, block_size = 3, vocab_size = vocab.size;
const g = torch.Generator().manual_seed(2147483647);
const C = torch.randn([vocab_size, n_embd], { generator: g });
const W1 = torch.randn([n_embd * block_size, n_hidden], { generator: g }).mul(5 / 3).div((n_embd * block_size) ** 0.5);
const b1 = torch.randn([n_hidden], { generator: g }).mul(0.1);
const W2 = torch.randn([n_hidden, vocab_size], { generator: g }).mul(0.1);
const b2 = torch.randn([vocab_size], { generator: g }).mul(0.1);
const bngain = torch.randn([1, n_hidden]).mul(0.1).add(1.0);
const bnbias = torch.randn([1, n_hidden]).mul(0.1);
const parameters = [C, W1, b1, W2, b2, bngain, bnbias];
console.log(`parameters: ${parameters.reduce((s, p) => s + p.nelement(), 0)}`);
for (const p of parameters) p.requires_grad = true;

const max_steps = Number(process.env.BPN_MAX_STEPS ?? 200_000);
const batch_size = 32, n = batch_size;

torch.no_grad(() => {
  for (let i = 0; i < max_steps; i++) {
    // minibatch
    const ix = torch.randint(0, Xtr.shape[0], [batch_size], { generator: g });
    const Xb = Xtr.index(ix), Yb = Ytr.index(ix);
    // forward
    const emb = C.index(Xb);
    const embcat = emb.view(emb.shape[0], -1);
    const hprebn = embcat.matmul(W1).add(b1);
    const bnmean = hprebn.mean(0, { keepdim: true });
    const bnvar = hprebn.var(0, { keepdim: true, unbiased: true });
    const bnvar_inv = bnvar.add(1e-5).pow(-0.5);
    const bnraw = hprebn.sub(bnmean).mul(bnvar_inv);
    const hpreact = bngain.mul(bnraw).add(bnbias);
    const h = torch.tanh(hpreact);
    const logits = h.matmul(W2).add(b2);
    const loss = F.cross_entropy(logits, Yb);
    // backward, by hand
    const dlogits = F.softmax(logits, 1);
    dlogits.indexSub([range(n), Yb], 1);
    dlogits.div_(n);
    const dh = dlogits.matmul(W2.T), dW2 = h.T.matmul(dlogits), db2 = dlogits.sum(0);
    const dhpreact = torch.sub(1.0, h.pow(2)).mul(dh);
    const dbngain = bnraw.mul(dhpreact).sum(0, { keepdim: true });
    const dbnbias = dhpreact.sum(0, { keepdim: true });
    const dhprebn = bngain.mul(bnvar_inv).div(n).mul(
      dhpreact.mul(n).sub(dhpreact.sum(0)).sub(torch.mul(n / (n - 1), bnraw).mul(dhpreact.mul(bnraw).sum(0))),
    );
    const dembcat = dhprebn.matmul(W1.T), dW1 = embcat.T.matmul(dhprebn), db1 = dhprebn.sum(0);
    const demb = dembcat.view(emb.shape);
    const dC = torch.zeros_like(C);
    for (let k = 0; k < Xb.shape[0]; k++) {
      for (let j = 0; j < Xb.shape[1]; j++) dC.indexAdd([Xb.index(k, j)], demb.index(k, j));
    }
    const grads = [dC, dW1, db1, dW2, db2, dbngain, dbnbias];
    // update
    const lr = i < 100_000 ? 0.1 : 0.01;
    parameters.forEach((p, k) => p.data.add_(torch.mul(-lr, grads[k])));
    if (i % 10_000 === 0) console.log(`${String(i).padStart(7)}/${String(max_steps).padStart(7)}: ${loss.item().toFixed(4)}`);
    log("loss", loss.item(), i);
  }
});

// calibrate the batch norm at the end of training
const [bnmean, bnvar] = torch.no_grad(() => {
  const emb = C.index(Xtr);
  const hpreact = emb.view(emb.shape[0], -1).matmul(W1).add(b1);
  return [hpreact.mean(0, { keepdim: true }), hpreact.var(0, { keepdim: true, unbiased: true })];
});

function forward(x: typeof Xtr) {
  const emb = C.index(x);
  const hpreact = bngain.mul(emb.view(emb.shape[0], -1).matmul(W1).add(b1).sub(bnmean)).mul(bnvar.add(1e-5).pow(-0.5)).add(bnbias);
  return torch.tanh(hpreact).matmul(W2).add(b2);
}

torch.no_grad(() => {
  for (const [split, x, y] of [["train", Xtr, Ytr], ["val", Xdev, Ydev]] as const) {
    console.log(split, F.cross_entropy(forward(x), y).item());
  }
  // sample from the model
  const gs = torch.Generator().manual_seed(2147483647 + 10);
  for (let s = 0; s < 20; s++) {
    const out: number[] = [];
    let context = new Array<number>(block_size).fill(0);
    for (;;) {
      const probs = F.softmax(forward(torch.tensor([context], { dtype: torch.long })), 1);
      const ix = torch.multinomial(probs, 1, { generator: gs }).item();
      context = [...context.slice(1), ix];
      out.push(ix);
      if (ix === 0) break;
    }
    console.log(out.map((i) => vocab.itos[i]).join(""));
  }
});

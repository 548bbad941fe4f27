// The makemore names pipeline: words → vocabulary → (context, next char) examples → 80/10/10 split.
// Pure functions; reading files lives in ./load.ts.
import { fromArray } from "../ops/creation";
import { Tensor } from "../tensor";
import { PyRandom } from "../random/pyrandom";
import { sameBytes } from "../dtype";

/** The start/end token; index 0 in the vocabulary. */
export const BOUNDARY = ".";

export interface Vocabulary {
  /** index → character; itos[0] is '.' */
  itos: string[];
  stoi: Map<string, number>;
  size: number;
}

export interface Dataset {
  /** int64 [N, blockSize] */
  X: Tensor;
  /** int64 [N] */
  Y: Tensor;
}

export interface Splits {
  vocab: Vocabulary;
  blockSize: number;
  words: { train: string[]; dev: string[]; test: string[] };
  Xtr: Tensor; Ytr: Tensor;
  Xdev: Tensor; Ydev: Tensor;
  Xte: Tensor; Yte: Tensor;
}

/** One word per line, like `open('names.txt').read().splitlines()` (blank lines dropped). */
export function parseWords(text: string): string[] {
  return text.split(/\r?\n/).map((w) => w.trim()).filter((w) => w.length > 0);
}

/** Sorted distinct characters map to 1..k; '.' is 0. */
export function buildVocabulary(words: readonly string[]): Vocabulary {
  const chars = new Set<string>();
  for (const w of words) for (const ch of w) chars.add(ch);
  chars.delete(BOUNDARY);
  const itos = [BOUNDARY, ...[...chars].sort()];
  const stoi = new Map(itos.map((ch, i) => [ch, i] as [string, number]));
  return { itos, stoi, size: itos.length };
}

/** Every (context of blockSize previous chars, next char) pair of every word, '.'-padded. */
export function buildDataset(words: readonly string[], vocab: Vocabulary, blockSize = 3): Dataset {
  let total = 0;
  for (const w of words) total += w.length + 1;
  const xs = new Float64Array(total * blockSize);
  const ys = new Float64Array(total);
  const context = new Array<number>(blockSize);
  let row = 0;
  for (const w of words) {
    context.fill(0);
    for (const ch of w + BOUNDARY) {
      const ix = vocab.stoi.get(ch);
      if (ix === undefined) throw new Error(`buildDataset: character ${JSON.stringify(ch)} in "${w}" is not in the vocabulary`);
      xs.set(context, row * blockSize);
      ys[row++] = ix;
      context.shift();
      context.push(ix);
    }
  }
  return {
    X: fromArray(xs, [total, blockSize], "int64"),
    Y: fromArray(ys, [total], "int64"),
  };
}

/** `random.seed(seed); random.shuffle(words)`, then the first 80% / next 10% / last 10%. */
export function splitWords(words: readonly string[], seed = 42): Splits["words"] {
  const shuffled = [...words];
  new PyRandom(seed).shuffle(shuffled);
  const n1 = Math.trunc(0.8 * shuffled.length);
  const n2 = Math.trunc(0.9 * shuffled.length);
  return { train: shuffled.slice(0, n1), dev: shuffled.slice(n1, n2), test: shuffled.slice(n2) };
}

/**
 * The last split made, reused while the words and options are the same (warm re-runs), with a
 * private copy of its tensors' values: a script that edited them in place gets them restored.
 */
let lastSplit: { words: string[]; blockSize: number; seed: number; splits: Splits; pristine: Float64Array[] } | undefined;

const TENSORS = ["Xtr", "Ytr", "Xdev", "Ydev", "Xte", "Yte"] as const;

/** Same words in the same order (loadWords hands out copies of one cached list: mostly the same string objects). */
function sameWords(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Put back `pristine` into `t`'s storage if a run changed it (cheaper than a fresh copy per run). */
function restore(t: Tensor, pristine: Float64Array): Tensor {
  const s = t._storage as Float64Array;
  if (!sameBytes(s, pristine)) s.set(pristine);
  return new Tensor(s, t.shape, t.dtype);
}

/** The notebook's data section in one call. */
export function makemoreSplits(words: readonly string[], blockSize = 3, seed = 42): Splits {
  const last = lastSplit;
  if (!last || last.blockSize !== blockSize || last.seed !== seed || !sameWords(last.words, words)) {
    const splits = buildSplits(words, blockSize, seed);
    lastSplit = { words: [...words], blockSize, seed, splits, pristine: TENSORS.map((k) => (splits[k]._storage as Float64Array).slice()) };
  }
  // new tensor objects each time, on storage restored to the split's values
  const { splits: s, pristine } = lastSplit!;
  const [Xtr, Ytr, Xdev, Ydev, Xte, Yte] = TENSORS.map((k, i) => restore(s[k], pristine[i]));
  return { ...s, words: { train: [...s.words.train], dev: [...s.words.dev], test: [...s.words.test] }, Xtr, Ytr, Xdev, Ydev, Xte, Yte };
}

function buildSplits(words: readonly string[], blockSize: number, seed: number): Splits {
  const vocab = buildVocabulary(words);
  const split = splitWords(words, seed);
  const tr = buildDataset(split.train, vocab, blockSize);
  const dev = buildDataset(split.dev, vocab, blockSize);
  const te = buildDataset(split.test, vocab, blockSize);
  return {
    vocab, blockSize, words: split,
    Xtr: tr.X, Ytr: tr.Y, Xdev: dev.X, Ydev: dev.Y, Xte: te.X, Yte: te.Y,
  };
}

import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildVocabulary, buildDataset, makemoreSplits, parseWords } from "../../src/engine/data/names";
import { embeddedWords, isCanonicalNames, loadWords, NAMES_COUNT } from "../../src/engine/data/load";

import { needShared } from "../support/sharedData";

describe("names dataset pipeline", () => {
  let NAMES: string, text: Buffer, words: string[];
  before(function () {
    NAMES = needShared(this, "names.txt");
    text = fs.readFileSync(NAMES);
    words = parseWords(text.toString("utf8"));
  });

  it("reads the canonical names.txt (checked by SHA-256)", () => {
    assert.ok(isCanonicalNames(text), "shared names.txt does not have the pinned SHA-256");
    assert.equal(words.length, NAMES_COUNT);
  });

  it("builds the 27-symbol vocabulary with '.' at 0 and letters in order", () => {
    const v = buildVocabulary(words);
    assert.equal(v.size, 27);
    assert.equal(v.itos[0], ".");
    assert.equal(v.itos.slice(1).join(""), "abcdefghijklmnopqrstuvwxyz");
  });

  it("builds block_size contexts like the notebook", () => {
    const v = buildVocabulary(words);
    const { X, Y } = buildDataset(["emma"], v, 3);
    assert.deepEqual(X.tolist(), [[0, 0, 0], [0, 0, 5], [0, 5, 13], [5, 13, 13], [13, 13, 1]]);
    assert.deepEqual(Y.tolist(), [5, 13, 13, 1, 0]);
    assert.equal(X.dtype, "int64");
  });

  it("shuffles with Python's random.seed(42) and splits 80/10/10 into the notebook's sizes", () => {
    const s = makemoreSplits(words);
    assert.deepEqual(s.Xtr.shape, [182625, 3]);
    assert.deepEqual(s.Xdev.shape, [22655, 3]);
    assert.deepEqual(s.Xte.shape, [22866, 3]);
    assert.deepEqual(s.Ytr.shape, [182625]);
  });

  it("a later split has the original values although a script edited the previous one in place", () => {
    const first = makemoreSplits(words);
    const y0 = first.Ytr.tolist() as number[];
    const x0 = first.Xdev.index(5).tolist();
    first.Ytr.fill_(7);
    first.Xdev.mul_(2);
    const again = makemoreSplits(words);
    assert.notEqual(again.Ytr, first.Ytr);
    assert.deepEqual(again.Ytr.tolist(), y0);
    assert.deepEqual(again.Xdev.index(5).tolist(), x0);
  });

  it("falls back to the embedded word list when no names.txt is found", () => {
    const src = loadWords({ searchDirs: [path.resolve(__dirname)] });
    assert.equal(src.kind, "embedded");
    assert.ok(src.words.length > 5000, `only ${src.words.length} embedded words`);
    assert.ok(src.words.every((w) => /^[a-z]+$/.test(w)));
    assert.equal(buildVocabulary(embeddedWords()).size, 27);
  });

  it("prefers names.txt next to the script", () => {
    const src = loadWords({ searchDirs: [path.dirname(NAMES)] });
    assert.equal(src.kind, "file");
    assert.equal(src.words.length, NAMES_COUNT);
  });
});

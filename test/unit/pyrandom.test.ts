import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PyRandom } from "../../src/engine/random/pyrandom";

// produced by scripts/reference/gen_pyrandom_vectors.py with real CPython
const ref = JSON.parse(fs.readFileSync(path.join(__dirname, "../fixtures/rng/pyrandom.json"), "utf8"));

describe(`PyRandom matches CPython ${ref.python}'s random`, () => {
  for (const c of ref.cases) {
    it(`seed ${c.seed}: random, getrandbits, randrange, choice, shuffle`, () => {
      const r = new PyRandom(BigInt(c.seed));
      assert.deepEqual(Array.from({ length: 5 }, () => r.random()), c.random);
      for (const [k, v] of Object.entries(c.getrandbits)) assert.equal(r.getrandbits(Number(k)).toString(), v, `getrandbits(${k})`);
      assert.deepEqual([r.randrange(10), r.randrange(3, 1000), r.randrange(0, 100, 7), r.randint(1, 6), r.randrange(2 ** 40)], c.randrange);
      assert.deepEqual(Array.from({ length: 5 }, () => r.choice("abcdefghij")), c.choice);
      for (const n of [1, 2, 10, 33, 1000]) {
        const xs = Array.from({ length: n }, (_, i) => i);
        r.shuffle(xs);
        assert.deepEqual(xs, c[`shuffle${n}`], `shuffle of ${n}`);
      }
    });
  }
});

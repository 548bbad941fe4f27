// Re-preparing an edited script keeps the statements the edit left alone from the previous parse:
// the instrumented code and its positions must be exactly what a preparation from scratch gives.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { executeScript } from "../../src/runner/execute";
import { prepareScript } from "../../src/runner/instrument";
import { PyRandom } from "../../src/engine/random/pyrandom";

const EXERCISE = fs.readFileSync(path.resolve(__dirname, "../../examples/backprop_ninja.ts"), "utf8");
// what "New backprop exercise" writes: type annotations on every gradient line
const SCAFFOLD = fs.readFileSync(path.resolve(__dirname, "../../examples/scaffold/backprop_ninja.ts"), "utf8");

/** A seeded stream of doubles in [0, 1) (CPython's generator), so failures reproduce. */
function uniform(seed: number): () => number {
  const rng = new PyRandom(seed);
  return () => rng.random();
}

// text an edit may insert, chosen for the ways statements can run into each other or swallow others
const PIECES = [
  "\n", ";", "(", ")", "{", "}", "[", "]", "`", "'", "/*", "*/", "// note\n", "/re/g", " / 2", "\n(cmp)\n", "\n[1, 2]\n",
  "const extra = torch.ones(2);\n", "let [a1, b1] = [1, 2];\n", "x9 = 3\n", "n += 1;\n", "function f9() { return 1 }\n",
  "if (n) { n = 2 }\n", "if (n) n = 2\n", "for (const q of [1]) q\n", "const { sz } = { sz: 1 }\n", "\"use strict\";\n",
  "import { log } from \"backprop-ninja\";\n", "const t2: number = 1;\n", "type Q = number;\n", "=> 1", "x =", ".mul(2)",
];

/** An edit: insert a piece, delete a range, change a line, duplicate or drop a line. */
function edit(text: string, r: () => number): string {
  const at = Math.floor(r() * text.length);
  const lines = text.split("\n");
  const line = Math.floor(r() * lines.length);
  switch (Math.floor(r() * 6)) {
    case 0: return text.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)] + text.slice(at);
    case 1: return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 40));
    case 2: lines[line] = lines[line].replace(/\d/, "7").replace(/mul/, "div"); return lines.join("\n");
    case 3: lines.splice(line, 0, lines[line]); return lines.join("\n");
    case 4: lines.splice(line, 1); return lines.join("\n");
    default: return `${text}\n// edit ${at}\n`;
  }
}

/** The prepared code, or the error's message when preparing throws. */
function outcome(source: string, file: string, reuse: boolean): { code?: string; error?: string; reused?: boolean; transpiled?: boolean; places?: unknown[] } {
  try {
    const p = prepareScript(source, file, true, reuse);
    // a few positions through toOriginal, over every line
    const places = p.code.split("\n").map((l, i) => [0, 12, l.length >> 1, l.length - 1, l.length].map((c) => p.toOriginal(i + 1, Math.max(0, Math.min(l.length, c)))));
    return { code: p.code, reused: p.reusedParse, transpiled: p.reusedTranspile, places };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe("instrumentation: re-using the previous parse after an edit", () => {
  for (const [label, text, seed] of [["exercise", EXERCISE, 2024], ["scaffold", SCAFFOLD, 7]] as const) {
  it(`gives the same code and places as a preparation from scratch, for random edits of the ${label}`, function () {
    this.timeout(60_000);
    const r = uniform(seed);
    let reused = 0, compared = 0, transpiled = 0;
    for (let i = 0; i < 300; i++) {
      // one or two edits on top of the file (or of an earlier edited version)
      const base = i % 3 === 0 ? text : edit(text, r);
      const edited = r() < 0.3 ? edit(edit(base, r), r) : edit(base, r);
      const file = `/reuse/${label}${i}.ts`;
      try {
        prepareScript(base, file, true, false); // what the file's previous run left
      } catch {
        continue; // an edit that does not transpile leaves no parse to re-use
      }
      const incremental = outcome(edited, file, true);
      const scratch = outcome(edited, `/scratch/${label}${i}.ts`, true);
      if (scratch.error !== undefined) {
        // an early error only the whole parse sees is reported by the run (see executeScript)
        if (incremental.error !== undefined) assert.equal(incremental.error, scratch.error);
        continue;
      }
      assert.equal(incremental.error, undefined, `case ${i}: ${incremental.error}`);
      assert.equal(incremental.code, scratch.code, `case ${i}`);
      assert.deepEqual(incremental.places, scratch.places, `case ${i}`);
      compared++;
      if (incremental.reused) reused++;
      if (incremental.transpiled) transpiled++;
    }
    if (process.env.REUSE_STATS) console.log({ label, compared, reused, transpiled });
    // most edits are local: the test must actually exercise the re-use
    assert.ok(compared > 100, `${compared} cases compared`);
    assert.ok(reused > compared / 2, `${reused} of ${compared} re-used the previous parse`);
    assert.ok(transpiled > compared / 3, `${transpiled} of ${compared} transpiled only the edited lines`);
  });
  }

  it("parses again a statement an edit lets run into the next one", () => {
    const before = "let a = 1;\nlet b = a\nconst c = [1, 2];\nexports.v = c;\n";
    // `let b = a` + `(c)` on the next line is one statement: `let b = a(c)`
    const after = "let a = 1;\nlet b = a\n(c)\nconst c = [1, 2];\nexports.v = c;\n";
    prepareScript(before, "/reuse/asi.ts", true, false);
    const p = prepareScript(after, "/reuse/asi.ts");
    assert.equal(p.code, prepareScript(after, "/scratch/asi.ts", true, false).code);
    assert.match(p.code, /__bpn\.bind\("b", 2, 5, a\s*\(c\)\)/);
  });

  it("keeps the bindings and places of untouched statements when lines are added above them", () => {
    const before = "const a = 1;\nconst b = a + 1;\nconst c = b * 2;\n";
    const after = "const a = 1;\n// a comment\n\nconst b = a + 1;\nconst c = b * 2;\n";
    prepareScript(before, "/reuse/lines.ts", true, false);
    const p = prepareScript(after, "/reuse/lines.ts");
    assert.equal(p.reusedParse, true);
    assert.match(p.code, /__bpn\.bind\("c", 5, 7, b \* 2\)/);
    assert.match(p.code, /__bpn\.bind\("b", 4, 7, a \+ 1\)/);
  });

  it("a run still reports the early errors only a whole parse finds (a name declared twice)", () => {
    const file = path.join(fs.mkdtempSync(path.join(require("node:os").tmpdir(), "bpn-reuse-")), "twice.ts");
    const ok = executeScript({ file, source: "let x = 1;\nlet y = 2;\nconsole.log(x + y);\n" });
    assert.equal(ok.status, "ok");
    const source = "let x = 1;\nlet x = 2;\nconsole.log(x);\n";
    const twice = executeScript({ file, source });
    const scratch = executeScript({ file: file.replace("twice", "scratch"), source });
    assert.equal(twice.status, "error");
    assert.equal(twice.error?.kind, "syntax");
    assert.equal(twice.error?.message, scratch.error?.message);
    assert.match(twice.error?.message ?? "", /already been declared/);
  });
});

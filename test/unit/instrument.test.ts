// The instrumentation on its own: which bindings reach __bpn.bind, with which names and the user's
// places, and that it leaves the program's behaviour unchanged.
import assert from "node:assert/strict";
import { prepareScript, ScriptSyntaxError, WRAPPER_HEAD } from "../../src/runner/instrument";

type Bind = [name: string, line: number, column: number, value: unknown];

/** Runs the prepared code with a recording __bpn and no imports; returns the binds and module.exports. */
function runPrepared(source: string, file = "script.ts"): { binds: Bind[]; exports: Record<string, unknown> } {
  const prepared = prepareScript(source, file);
  const binds: Bind[] = [];
  const fn = (0, eval)(WRAPPER_HEAD + prepared.code + "\n})");
  const module = { exports: {} as Record<string, unknown> };
  const req = (id: string) => { throw new Error(`no module ${id} in this test`); };
  fn(module.exports, req, module, file, ".", { bind: (n: string, l: number, c: number, v: unknown) => { binds.push([n, l, c, v]); return v; } });
  return { binds, exports: module.exports };
}

describe("instrumentation of bindings", () => {
  it("wraps declarations, re-assignments in loops, compound assignments and simple destructuring", () => {
    const src = [
      "let total: number = 0;",                       // 1
      "for (let i = 0; i < 3; i++) {",                // 2
      "  total += i * 10;",                           // 3
      "}",                                            // 4
      "let last = 'a';",                              // 5
      "for (const s of ['b', 'c']) last = s;",        // 6
      "const { p, q: [r] } = { p: 1, q: [2] };",      // 7
      "const [u, ...rest] = [3, 4, 5];",              // 8
      "exports.result = [total, last, p, r, u, rest];", // 9
    ].join("\n");
    const { binds, exports } = runPrepared(src);
    // behaviour unchanged
    assert.deepEqual(exports.result, [30, "c", 1, 2, 3, [4, 5]]);
    const seen = (name: string) => binds.filter((b) => b[0] === name).map((b) => [b[1], b[2], b[3]]);
    // `total` declared at 1:5, then each `+=` binds the new value at 3:3 (latest wins downstream)
    assert.deepEqual(seen("total"), [[1, 5, 0], [3, 3, 0], [3, 3, 10], [3, 3, 30]]);
    assert.deepEqual(seen("last"), [[5, 5, "a"], [6, 29, "b"], [6, 29, "c"]]);
    assert.deepEqual(seen("p"), [[7, 9, 1]]);
    assert.deepEqual(seen("r"), [[7, 16, 2]]);
    assert.deepEqual(seen("u"), [[8, 8, 3]]);
    assert.deepEqual(seen("rest"), [[8, 14, [4, 5]]]);
    // loop counters are bindings too (`let i = 0` and nothing for i++)
    assert.deepEqual(seen("i"), [[2, 10, 0]]);
  });

  it("maps positions in the executed code back to the user's TypeScript", () => {
    const src = [
      "interface Shape { rows: number }",
      "type T = number;",
      "const a: T = 1;",
      "function boom(x: Shape): number {",
      "  return (x as any).nope.deeper;",
      "}",
      "exports.v = boom({ rows: a });",
    ].join("\n");
    let stack = "";
    const prepared = prepareScript(src, "user.ts");
    try { runPrepared(src, "user.ts"); } catch (e) { stack = (e as Error).stack ?? ""; }
    assert.match(stack, /TypeError/);
    // the top frame inside eval'd code: line in the wrapped code (1 line of wrapper) → the user's place
    const m = /<anonymous>:(\d+):(\d+)/.exec(stack);
    assert.ok(m, stack);
    const place = prepared.toOriginal(Number(m[1]) - 1, Number(m[2]) - 1);
    assert.equal(place?.line, 5);
  });

  it("gives the user's columns on lines sucrase rewrote and after a template literal that starts with ${", () => {
    // sucrase's own source map loses every column after `${ (its columns stop advancing); ours is
    // computed from the two lines
    const src = [
      "import { torch } from \"backprop-ninja\";",          // 1
      "const w: number = 2;",                                 // 2
      "void `${w} words`;",                                   // 3
      "const abc: number = w + 1, xyz = torch.id(abc);",      // 4
      "let k = 0;",                                           // 5
      "for (const z of [1]) k += z * torch.id(w);",          // 6
      "exports.v = [abc, xyz, k];",                           // 7
    ].join("\n");
    const prepared = prepareScript(src, "columns.ts");
    const binds: Bind[] = [];
    const fn = (0, eval)(WRAPPER_HEAD + prepared.code + "\n})");
    const module = { exports: {} as Record<string, unknown> };
    const torch = { id: (x: number) => x };
    fn(module.exports, () => ({ torch }), module, "columns.ts", ".", { bind: (n: string, l: number, c: number, v: unknown) => { binds.push([n, l, c, v]); return v; } });
    assert.deepEqual(module.exports.v, [3, 3, 2]);
    // (the import's own variable is bound too, on line 1)
    assert.deepEqual(binds.filter((b) => b[1] > 1).map((b) => b.slice(0, 3)), [["w", 2, 7], ["abc", 4, 7], ["xyz", 4, 28], ["k", 5, 5], ["k", 6, 22]]);
    // a position inside a rewritten call (`torch.id` became `_backpropninja.torch.id`) maps into the user's call
    const line = prepared.code.split("\n")[5];
    const at = line.indexOf(".id(");
    assert.deepEqual(prepared.toOriginal(6, at + 1), { line: 6, column: src.split("\n")[5].indexOf(".id(") + 2 });
    // an imported function called directly becomes `_x.torch.call(void 0, …)`: a frame there (at
    // `call`) is the user's call
    const direct = prepareScript("import { torch } from \"backprop-ninja\";\nconst y = 1 + torch(2, 3);\n", "direct.ts");
    const code = direct.code.split("\n")[1];
    assert.match(code, /\.torch\.call\(void 0, 2, 3\)/);
    assert.deepEqual(direct.toOriginal(2, code.indexOf("call")), { line: 2, column: 15 });
    assert.deepEqual(direct.toOriginal(2, code.indexOf("2, 3")), { line: 2, column: 21 });
  });

  it("reports a syntax error at the user's line and column", () => {
    assert.throws(() => prepareScript("const a = 1;\nconst b = (a +;\n", "bad.ts"), (e: unknown) => {
      assert.ok(e instanceof ScriptSyntaxError);
      assert.equal(e.place?.line, 2);
      assert.ok(e.place && e.place.column >= 14 && e.place.column <= 16, JSON.stringify(e.place));
      return true;
    });
  });
});

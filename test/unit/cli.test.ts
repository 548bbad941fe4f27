import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Trace } from "../../src/protocol/trace";
import { EXAMPLE, notebookOf, plantedScript } from "./python.exercise";

const repo = path.resolve(__dirname, "../..");
const cli = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", path.join(repo, "src/cli/main.ts"), ...args], { cwd: repo, encoding: "utf8", timeout: 120_000 });

describe("CLI: backprop-ninja run", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-cli-"));
  const script = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, `import { torch, cmp } from "backprop-ninja";\n${text}`);
    return f;
  };
  const base = "const x = torch.tensor([1.0, 2.0], { requires_grad: true });\nconst y = x.mul(x).sum();\ny.backward();\n";

  it("prints the table and a summary, exit 0 when all are at least approximate, and writes --json", () => {
    const json = path.join(dir, "t.json");
    const r = cli(["run", script("good.ts", base + "cmp('x', x.mul(2), x);\n"), "--json", json]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /x {15}\| exact: True  \| approximate: True  \| maxdiff: 0\.0/);
    assert.match(r.stdout, /1\/1 exact/);
    const trace = JSON.parse(fs.readFileSync(json, "utf8"));
    assert.equal(trace.comparisons[0].status, "exact");
  });

  it("exit 1 when a gradient is wrong, with the diagnosis under the row", () => {
    const r = cli(["run", script("wrong.ts", base + "cmp('x', x.mul(-2), x);\n")]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /exact: False \| approximate: False/);
    assert.match(r.stdout, /↳ .*sign/i);
  });

  it("exit 2 on a script error, reported at its line", () => {
    const r = cli(["run", script("err.ts", "const a = torch.ones(2, 3);\nconst b = a.matmul(torch.ones(2, 3));\n")]);
    assert.equal(r.status, 2);
    assert.match(r.stdout, /err\.ts:3:\d+: TorchError: matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
  });

  it("an error in a notebook names its cell as VS Code counts cells, in the header and in every frame", () => {
    const nb = path.join(dir, "cells.ipynb");
    const cell = (cell_type: string, source: string) => ({ cell_type, metadata: {}, source, ...(cell_type === "code" ? { outputs: [], execution_count: null } : {}) });
    fs.writeFileSync(nb, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [
      cell("markdown", "# a title"),
      cell("code", "def f(x):\n    return x / 0"),
      cell("code", "y = 1\nf(y)"),
    ] }));
    const r = cli(["run", nb]);
    assert.equal(r.status, 2, r.stderr);
    const err = r.stdout.slice(r.stdout.indexOf("cells.ipynb, cell"));
    assert.match(err, /^cells\.ipynb, cell 2, line 2: ZeroDivisionError: division by zero/); // the innermost frame
    assert.match(err, /File "[^"]*cells\.ipynb", cell 3, line 2, in <module>/);
    assert.match(err, /File "[^"]*cells\.ipynb", cell 2, line 2, in f/);
    assert.doesNotMatch(r.stdout, /#cell/);
  });

  it("--names is what a Python script's open('names.txt') reads when its folder has none", function () {
    this.timeout(120_000); // loads Pyodide
    const names = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bpn-names-")), "my-names.txt");
    fs.writeFileSync(names, "ada\nbob\n");
    const py = path.join(dir, "reads_names.py");
    fs.writeFileSync(py, "words = open('names.txt', 'r').read().splitlines()\nprint(len(words), words[-1])\n");
    const without = cli(["run", py]);
    assert.equal(without.status, 2);
    assert.match(without.stdout, /FileNotFoundError/);
    const r = cli(["run", py, "--names", names]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^2 bob$/m);
    // a names.txt next to the script still wins
    fs.writeFileSync(path.join(dir, "names.txt"), "cy\n");
    assert.match(cli(["run", py, "--names", names]).stdout, /^1 cy$/m);
    fs.rmSync(path.join(dir, "names.txt"));
  });

  it("a Python script reads the environment the CLI was started in (BPN_MAX_STEPS), not the host's paths", function () {
    this.timeout(120_000); // loads Pyodide
    const py = path.join(dir, "reads_env.py");
    fs.writeFileSync(py, "import os\nprint('steps', int(os.environ.get('BPN_MAX_STEPS', 200000)))\nprint('home', os.environ.get('HOME'))\n");
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(repo, "src/cli/main.ts"), "run", py], {
      cwd: repo, encoding: "utf8", timeout: 120_000, env: { ...process.env, BPN_MAX_STEPS: "200", HOME: "/nowhere/on/the/host" },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^steps 200$/m);
    assert.doesNotMatch(r.stdout, /nowhere/);
  });

  describe("the Python exercise with its own cmp (loads Pyodide)", function () {
    this.timeout(180_000);
    const names = path.resolve(repo, "../shared/data/names.txt");
    const rowAt = (lines: string[], name: string) => lines.findIndex((l) => l.startsWith(`${name.padEnd(15)} |`));

    it("a notebook shaped like the lecture's (dbnmeani = (-dbndiff).sum(0)): every row exact or approximate, exit 0", () => {
      const keepdim = "dbnmeani = (-dbndiff).sum(0, keepdim=True)";
      assert.ok(EXAMPLE.includes(keepdim));
      // the lecture's first cell imports matplotlib with its magic; dbnmeani is [64], bnmeani.grad [1, 64]
      const script = "import matplotlib.pyplot as plt  # for making figures\n%matplotlib inline\n" + EXAMPLE.replace(keepdim, "dbnmeani = (-dbndiff).sum(0)");
      const nb = path.join(dir, "lecture.ipynb"), json = path.join(dir, "lecture.json");
      fs.writeFileSync(nb, notebookOf(script));
      const r = cli(["run", nb, "--names", names, "--json", json]);
      assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr);
      const trace = JSON.parse(fs.readFileSync(json, "utf8")) as Trace;
      assert.equal(trace.comparisons.length, 28);
      assert.deepEqual(trace.comparisons.filter((c) => c.status !== "exact" && c.status !== "approximate").map((c) => `${c.name}: ${c.status}`), []);
      const row = trace.comparisons.find((c) => c.name === "bnmeani")!;
      assert.deepEqual([row.manualShape, row.gradShape], [[64], [1, 64]]);
      assert.match(row.message ?? "", /equal after broadcasting; a sum with keepdim keeps the shapes alike/);
      // the learner's own cmp printed its verdict, and the CLI's table has the note under the row
      assert.match(r.stdout, /^bnmeani +\| exact: True {2}\| approximate: True {2}\| maxdiff: 0\.0$/m);
      const lines = r.stdout.split("\n"), at = lines.lastIndexOf(lines.find((l) => l.startsWith("bnmeani "))!);
      assert.equal(lines[at + 1], `    note: ${row.message}`);
    });

    it("dlogprobs' sign flipped: 'first wrong gradient · sign flipped' on logprobs, the rest downstream, in --json and under the rows", () => {
      const py = path.join(dir, "sign.py"), json = path.join(dir, "sign.json");
      fs.writeFileSync(py, plantedScript({ name: "logprobs", kind: "sign-flipped" }, new Map()));
      const r = cli(["run", py, "--names", names, "--json", json]);
      assert.equal(r.status, 1, r.stderr);
      const trace = JSON.parse(fs.readFileSync(json, "utf8")) as Trace;
      const [first, ...rest] = trace.comparisons;
      assert.equal(first.diagnosis?.kind, "sign-flipped");
      assert.match(first.diagnosis!.sentence, /^first wrong gradient · sign flipped: dlogprobs = −logprobs\.grad everywhere/);
      const wrong = rest.filter((c) => c.status === "wrong");
      assert.ok(wrong.length >= 20, `${wrong.length} rows inherit it`);
      for (const c of wrong) {
        assert.equal(c.diagnosis?.kind, "downstream", `${c.name}: ${c.diagnosis?.sentence}`);
        assert.equal(c.diagnosis?.downstreamOf, "logprobs");
      }
      // under the CLI's rows: the table after "── gradients", each sentence right below its row
      const table = r.stdout.slice(r.stdout.indexOf("── gradients")).split("\n");
      assert.equal(table[rowAt(table, "logprobs") + 1], `    ↳ ${first.diagnosis!.sentence}`);
      assert.match(table[rowAt(table, "probs") + 1], /^ {4}↳ downstream: dprobs only inherits the error of dlogprobs; /);
      assert.equal(table.filter((l) => l.startsWith("    ↳ ")).length, 1 + wrong.length);
    });
  });

  it("explains bad usage", () => {
    const r = cli(["run"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /which script/);
  });
});

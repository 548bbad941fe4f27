import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

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

  it("explains bad usage", () => {
    const r = cli(["run"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /which script/);
  });
});

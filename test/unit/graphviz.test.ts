// Python's `graphviz` module (src/python/site/graphviz/): DOT text as the real package writes it,
// layout by Graphviz compiled to WebAssembly, and displayed graphs as SVG figures of the run.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadPython, runPython, type PythonRunResult } from "../../src/python/index";

const repoRoot = path.resolve(__dirname, "../..");
const fixtures = path.join(repoRoot, "test/fixtures/graphviz");

const stdoutLines = (r: PythonRunResult): string[] =>
  r.output.filter((o) => o.stream === "stdout").map((o) => o.text).join("").split("\n").filter((l) => l !== "");

const unescapeXml = (s: string): string =>
  s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

interface SvgGraph {
  /** node name → the texts drawn in it, in order */
  nodes: Map<string, string[]>;
  /** node name → mean x of its texts (where it sits, left to right) */
  x: Map<string, number>;
  edges: string[];
}

/** Nodes and edges of Graphviz's SVG output (each a <g class="node|edge"> titled by its DOT name). */
function readSvg(svg: string): SvgGraph {
  const out: SvgGraph = { nodes: new Map(), x: new Map(), edges: [] };
  for (const m of svg.matchAll(/<g id="[^"]*" class="(node|edge)">\s*<title>([^<]*)<\/title>([\s\S]*?)<\/g>/g)) {
    const title = unescapeXml(m[2]);
    if (m[1] === "edge") {
      out.edges.push(title);
      continue;
    }
    const texts = [...m[3].matchAll(/<text[^>]* x="([-\d.]+)"[^>]*>([^<]*)<\/text>/g)];
    out.nodes.set(title, texts.map((t) => unescapeXml(t[2]).trim())); // an empty record field is drawn as " "
    out.x.set(title, texts.reduce((s, t) => s + Number(t[1]), 0) / texts.length);
  }
  return out;
}

/** Nodes (with their labels) and edges of the DOT text our module wrote, read back from its lines. */
function readDot(source: string): { nodes: Map<string, string>; edges: string[] } {
  const id = String.raw`("(?:[^"\\]|\\.)*"|[^\s"\[]+)`;
  const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/\\"/g, '"') : s);
  const nodes = new Map<string, string>();
  const edges: string[] = [];
  for (const line of source.split("\n")) {
    const edge = new RegExp(`^\\t${id} -> ${id}$`).exec(line);
    if (edge) {
      edges.push(`${unquote(edge[1])}->${unquote(edge[2])}`);
      continue;
    }
    const node = new RegExp(`^\\t${id}(?: \\[(.*)\\])?$`).exec(line);
    if (node && !["graph", "node", "edge"].includes(node[1])) {
      const label = /label=("(?:[^"\\]|\\.)*"|\S+)/.exec(node[2] ?? "");
      nodes.set(unquote(node[1]), label ? unquote(label[1]) : unquote(node[1]));
    }
  }
  return { nodes, edges };
}

/** The fields a record label `{ a | b | c }` shows, as Graphviz draws them one text each. */
const recordFields = (label: string): string[] =>
  label.startsWith("{") ? label.slice(1, -1).split("|").map((f) => f.trim()) : [label];

const sorted = (xs: Iterable<string>) => [...xs].sort();

function tempCopy(file: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-graphviz-"));
  const dest = path.join(dir, path.basename(file));
  fs.copyFileSync(file, dest);
  return dest;
}

describe("graphviz in Python (Graphviz compiled to WebAssembly)", function () {
  this.timeout(180_000);

  before(async () => {
    await loadPython();
  });

  it("writes the same DOT source as python3-graphviz for each graph of sources.py", async () => {
    const ref = JSON.parse(fs.readFileSync(path.join(fixtures, "sources.json"), "utf8")) as { graphviz: string; lines: string[] };
    const r = await runPython(path.join(fixtures, "sources.py"));
    assert.equal(r.status, "ok", r.error?.traceback);
    const ours = stdoutLines(r);
    assert.equal(ours.length, ref.lines.length);
    ref.lines.forEach((line, i) => {
      const [name, text] = JSON.parse(line) as [string, string];
      assert.deepEqual(JSON.parse(ours[i]), [name, text], `case ${name} (reference: graphviz ${ref.graphviz})`);
    });
  });

  it("lays out a draw_dot notebook: every figure's nodes, labels and edges are the Digraph's, left to right", async () => {
    const nb = tempCopy(path.join(fixtures, "draw_dot.ipynb"));
    const r = await runPython(nb);
    assert.equal(r.status, "ok", r.error?.traceback);
    // cell 4 ends with draw_dot(o); cell 5 calls display(dot) and dot.render('neuron', directory='out')
    assert.deepEqual(r.figures.map((f) => f.cell), [4, 5, 5]);
    assert.deepEqual(stdoutLines(r), [path.join("out", "neuron.svg")]);
    const outDir = path.join(path.dirname(nb), "out");
    const dot = readDot(fs.readFileSync(path.join(outDir, "neuron"), "utf8"));
    assert.ok(dot.nodes.size > 0 && dot.edges.length > 0, "the saved source has nodes and edges");
    assert.equal(fs.readFileSync(path.join(outDir, "neuron.svg"), "utf8"), r.figures[2].svg, "render writes the figure it shows");

    const [before, ...after] = r.figures.map((f) => readSvg(f.svg));
    for (const [i, svg] of [before, ...after].entries()) {
      assert.deepEqual(sorted(svg.nodes.keys()), sorted(dot.nodes.keys()), `figure ${i}: nodes`);
      assert.deepEqual(sorted(svg.edges), sorted(dot.edges), `figure ${i}: edges`);
      for (const e of svg.edges) {
        const [tail, head] = e.split("->");
        assert.ok(svg.x.get(tail)! < svg.x.get(head)!, `figure ${i}: rankdir=LR puts ${tail} left of ${head}`);
      }
    }
    for (const svg of after) {
      for (const [name, label] of dot.nodes) assert.deepEqual(svg.nodes.get(name), recordFields(label), `labels of ${name}`);
    }
    // drawn before o.backward(): the same records with every grad still zero
    for (const [name, label] of dot.nodes) {
      const fields = recordFields(label);
      const drawn = before.nodes.get(name)!;
      assert.deepEqual(drawn.slice(0, 2), fields.slice(0, 2));
      if (fields.length === 3) assert.equal(drawn[2], "grad 0.0000");
    }
    assert.ok([...dot.nodes.values()].some((l) => l.startsWith("{") && !l.endsWith("grad 0.0000 }")), "backward changed some grads");
  });

  it("a script shows a Digraph that is its last expression, and prints no plain last value", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bpn-graphviz-")), "g.py");
    fs.writeFileSync(file, [
      "import graphviz",
      "g = graphviz.Graph('pair')",
      "g.edge('x', 'y')",
      "print(sorted(g._repr_mimebundle_()), g._repr_mimebundle_(include=['text/plain']))",
      "g",
    ].join("\n"));
    const r = await runPython(file);
    assert.equal(r.status, "ok", r.error?.traceback);
    assert.deepEqual(stdoutLines(r), ["['image/svg+xml'] {}"]);
    assert.equal(r.figures.length, 1);
    assert.equal(r.figures[0].title, "pair");
    assert.deepEqual(readSvg(r.figures[0].svg).edges, ["x--y"]);
  });

  it("png and pdf fail with a message naming the call and the formats this build has; DOT errors are Graphviz's", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bpn-graphviz-")), "bad.py");
    fs.writeFileSync(file, [
      "import graphviz",
      "d = graphviz.Digraph()",
      "d.edge('a', 'b')",
      "for call in (lambda: d.pipe(format='png'), lambda: d.render('x'), lambda: graphviz.Source('digraph { a -> }').pipe(format='svg')):",
      "    try:",
      "        call()",
      "    except Exception as e:",
      "        print(type(e).__name__, '|', e)",
      "print(graphviz.version() >= (2, 0))",
    ].join("\n"));
    const r = await runPython(file);
    assert.equal(r.status, "ok", r.error?.traceback);
    const [png, pdf, syntax, version] = stdoutLines(r);
    assert.match(png, /^ValueError \| Digraph\.pipe\(format='png'\): .*WebAssembly.*svg/);
    assert.match(pdf, /^ValueError \| Digraph\.render\(format='pdf'\)/);
    assert.match(syntax, /^CalledProcessError \| .*syntax error in line 1/);
    assert.equal(version, "True");
    assert.ok(!fs.existsSync(path.join(path.dirname(file), "x")), "a failed render writes nothing");
  });
});

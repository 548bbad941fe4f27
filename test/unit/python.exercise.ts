// The Python exercise of the planted-mistake suites: examples/python/backprop_ninja.py (its own cmp,
// as the notebook's) with a plant of diagnosis.plants.ts written into its backward pass, and the
// notebook made of a script's sections.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { nonFiniteAt, plantLabel, type Plant } from "./diagnosis.plants";

export const EXAMPLE = fs.readFileSync(path.resolve(__dirname, "../../examples/python/backprop_ninja.py"), "utf8");

/**
 * The plants the TypeScript suite writes as their own formulas (manualBackward's variants), in
 * Python: the right-hand side that replaces d<name>'s formula. Other plants are generic (below).
 */
const VARIANTS: Record<string, string> = {
  "probs:wrong-variable": "dlogprobs.clone()", "probs:missing-chain-factor": "1.0 / probs",
  "counts_sum_inv:missing-sum": "counts * dprobs", "counts_sum_inv:missing-chain-factor": "counts.clone()",
  "counts_sum:missing-chain-factor": "-counts_sum**-2",
  "counts:one-path": "counts_sum_inv * dprobs",
  "norm_logits:wrong-variable": "dcounts.clone()",
  "logits:one-path": "dnorm_logits.clone()",
  "h:transposed": "W2 @ dlogits.T",
  "W2:transposed": "dlogits.T @ h",
  "b2:missing-sum": "dlogits.clone()", "b2:reshape": "dlogits.sum(0, keepdim=True)",
  "hpreact:wrong-variable": "dh.clone()", "hpreact:missing-chain-factor": "1.0 - h**2",
  "bngain:missing-sum": "bnraw * dhpreact", "bngain:reshape": "(bnraw * dhpreact).sum(0)",
  "bnraw:wrong-variable": "dhpreact.clone()",
  "bnbias:missing-sum": "dhpreact.clone()", "bnbias:reshape": "dhpreact.sum(0)",
  "bnvar_inv:missing-sum": "bndiff * dbnraw",
  "bnvar:missing-chain-factor": "-0.5 * (bnvar + 1e-5)**-1.5",
  "bndiff2:missing-broadcast": "(1.0 / (n - 1)) * dbnvar", "bndiff2:scaled": "(1.0 / n) * torch.ones_like(bndiff2) * dbnvar",
  "bndiff:one-path": "bnvar_inv * dbnraw",
  "hprebn:one-path": "dbndiff.clone()",
  "embcat:transposed": "W1 @ dhprebn.T", "embcat:reshape": "(dhprebn @ W1.T).view(emb.shape)",
  "W1:transposed": "dhprebn.T @ embcat", "W1:reshape": "(embcat.T @ dhprebn).view(3, 10, -1)",
  "b1:missing-sum": "dhprebn.clone()",
  "emb:reshape": "dembcat.clone()",
};

/** Python statements that plant `p` into d<name> (of `shape`), as the TypeScript suite's plantGeneric does. */
function plantStatements(p: Plant, shape: number[]): string[] {
  const d = `d${p.name}`;
  const variant = VARIANTS[`${p.name}:${p.kind}`];
  if (variant) return [`${d} = ${variant}`];
  switch (p.kind) {
    case "sign-flipped": return [`${d} = -${d}`];
    case "scaled": return [`${d} = ${d} * ${p.factor}`];
    case "zeros": return p.partial ? ["_keep = torch.ones_like(" + d + ")", "_keep[:4] = 0", `${d} = ${d} * _keep`] : [`${d} = torch.zeros_like(${d})`];
    case "non-finite": return [`_z = torch.ones_like(${d})`, `_z[${nonFiniteAt(shape).join(", ")}] = 0`, `${d} = ${d} / _z`];
    case "extra-sum": return [`${d} = ${d}.sum(${shape[1] > 1 ? 1 : 0}, keepdim=True)`];
    default: throw new Error(`no Python plant for ${plantLabel(p)}`);
  }
}

/**
 * The example with `plant` written in: right after the last assignment to d<name> in exercise 1 (so
 * the later formulas use it), or — an isolated plant — only in that name's cmp call.
 */
export function plantedScript(plant: Plant | null, shapes: Map<string, number[]>, source = EXAMPLE): string {
  if (!plant) return source;
  const lines = source.split("\n");
  const firstCmp = lines.findIndex((l) => l.startsWith("cmp('logprobs'"));
  const cmpLine = lines.findIndex((l) => l.startsWith(`cmp('${plant.name}', d${plant.name}, ${plant.name})`));
  assert.ok(firstCmp > 0 && cmpLine >= firstCmp, `cmp('${plant.name}' …) not found in the example`);
  const shape = shapes.get(plant.name)!;
  if (plant.isolated) {
    const [stmt] = plantStatements(plant, shape);
    lines[cmpLine] = `cmp('${plant.name}', ${stmt.slice(stmt.indexOf("=") + 2)}, ${plant.name})`;
    return lines.join("\n");
  }
  const assigns = new RegExp(`^\\s*d${plant.name}(\\[[^\\]]*\\])?\\s*[-+*/]?=(?!=)`);
  let at = -1;
  for (let i = 0; i < firstCmp; i++) if (assigns.test(lines[i])) at = i;
  assert.ok(at >= 0, `no assignment to d${plant.name}`);
  while (/^\s+\S/.test(lines[at + 1])) at++; // the end of the loop that assigns it (dC)
  lines.splice(at + 1, 0, ...plantStatements(plant, shape));
  return lines.join("\n");
}

/** A notebook of the script's sections (a cell per `# ---- ` header), after a markdown cell. */
export function notebookOf(script: string): string {
  const cells: string[][] = [[]];
  for (const line of script.split("\n")) {
    if (line.startsWith("# ---- ") && cells[cells.length - 1].length) cells.push([]);
    cells[cells.length - 1].push(line);
  }
  const code = (lines: string[]) => ({
    cell_type: "code", execution_count: null, metadata: {}, outputs: [],
    source: lines.map((l, i) => (i < lines.length - 1 ? l + "\n" : l)),
  });
  return JSON.stringify({
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    cells: [{ cell_type: "markdown", metadata: {}, source: ["# backprop ninja, planted\n"] }, ...cells.map(code)],
  });
}

// How an autograd node's name reads in sentences and on the graph: "MulBackward0" → "mul".

/** Nodes whose op has another name in the script than in the node: torch's `@` records MmBackward0. */
const SPECIAL: Record<string, string> = { Mm: "matmul", Bmm: "matmul", ReshapeAlias: "reshape", ToCopy: "to", IndexPut: "index_put" };

/** "PowBackward0" → "pow", "MmBackward0" → "matmul", "AccumulateGrad" → "leaf"; other names (micrograd's "+", "tanh") stay. */
export function opLabel(node: string): string {
  if (node === "AccumulateGrad") return "leaf";
  const m = /^(.*?)Backward\d*$/.exec(node);
  if (!m) return node;
  return SPECIAL[m[1]] ?? m[1].charAt(0).toLowerCase() + m[1].slice(1);
}

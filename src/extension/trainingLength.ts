// How many steps a training script's loop runs, when its source says so in the usual way:
// `max_steps = 200_000` (or maxSteps, num_steps, n_steps…), also behind an environment override
// (`Number(process.env.X ?? 200_000)`, `int(os.environ.get('X', 200000))`), which wins when set.
// The status bar turns it into "step 23,363/200,000" and an estimate of the time left.

const STEPS_LINE = /^\s*(?:(?:const|let|var)\s+)?(?:max_?steps|num_?steps|n_?steps|total_?steps|maxSteps|numSteps|totalSteps)\s*(?::\s*\w+\s*)?=\s*(.+)$/im;

export function loopLength(source: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const m = STEPS_LINE.exec(source);
  if (!m) return undefined;
  const expr = m[1];
  const envName = /(?:process\.env\.|process\.env\[['"]|environ\.get\(\s*['"]|environ\[['"])([A-Za-z_][A-Za-z0-9_]*)/.exec(expr)?.[1];
  const fromEnv = envName !== undefined ? Number(env[envName]) : NaN;
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const literals = [...expr.matchAll(/\b\d[\d_]*\b/g)].map((x) => Number(x[0].replace(/_/g, ""))).filter((n) => Number.isInteger(n) && n > 0);
  return literals.length ? literals[literals.length - 1] : undefined;
}

// backprop-ninja: run a training script outside VS Code and print what the panel would show.
//   backprop-ninja run <file> [--json out.json] [--html report.html] [--timeout ms] [--names names.txt]
// Exit code: 0 when every comparison is at least approximate, 1 when one is not, 2 on a script error.
import * as fs from "node:fs";
import * as path from "node:path";
import { formatComparison } from "../engine/cmp";
import { countVerdicts, relabelCellFrames, type Trace } from "../protocol/trace";
import { Runner } from "../runner/runner";
import { renderHtmlReport } from "./report";

const USAGE = `usage: backprop-ninja run <script.ts|.js|.py|.ipynb> [options]

options:
  --json <file>     write the run's trace as JSON
  --html <file>     write a self-contained HTML report (the panel the extension shows)
  --timeout <ms>    stop the script after this long (default: no limit)
  --names <file>    the names.txt the script reads: data.loadWords() in TypeScript, open('names.txt')
                    in Python when the script's folder has none
  --quiet           do not echo the script's own output
`;

interface CliOptions { file: string; json?: string; html?: string; timeoutMs: number; names?: string; quiet: boolean }

function parseArgs(argv: string[]): CliOptions | string {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "-h" || cmd === "--help") return USAGE;
  if (cmd !== "run") return `unknown command '${cmd}'\n\n${USAGE}`;
  const opts: Partial<CliOptions> = { timeoutMs: 0, quiet: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--json") opts.json = value();
    else if (a === "--html") opts.html = value();
    else if (a === "--timeout") opts.timeoutMs = Number(value());
    else if (a === "--names") opts.names = value();
    else if (a === "--quiet") opts.quiet = true;
    else if (a.startsWith("-")) return `unknown option ${a}\n\n${USAGE}`;
    else if (!opts.file) opts.file = a;
    else return `only one script per run (got ${opts.file} and ${a})`;
  }
  if (!opts.file) return `which script? \n\n${USAGE}`;
  if (!fs.existsSync(opts.file)) return `no such file: ${opts.file}`;
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs! < 0) return "--timeout takes a number of milliseconds";
  return opts as CliOptions;
}

/** "24/26 exact · 1 approximate · 1 wrong" */
export function summaryLine(trace: Trace): string {
  const c = countVerdicts(trace.comparisons);
  if (!c.total) return "no cmp() calls";
  const parts = [`${c.exact}/${c.total} exact`];
  if (c.approximate) parts.push(`${c.approximate} approximate`);
  if (c.wrong) parts.push(`${c.wrong} wrong`);
  if (c.shapeMismatch) parts.push(`${c.shapeMismatch} shape mismatch`);
  if (c.noGrad) parts.push(`${c.noGrad} without grad`);
  if (c.notWritten) parts.push(`${c.notWritten} not written yet`);
  return parts.join(" · ");
}

export function exitCode(trace: Trace): number {
  if (trace.status !== "ok") return 2;
  return trace.comparisons.every((c) => c.status === "exact" || c.status === "approximate") ? 0 : 1;
}

/** The table, the diagnosis sentences under wrong rows, the summary and any error, as printed. */
export function report(trace: Trace): string {
  const relative = path.relative(process.cwd(), trace.file);
  const rel = !relative || relative.startsWith("..") ? trace.file : relative;
  const lines: string[] = [];
  if (trace.comparisons.length) {
    lines.push("", `── gradients (${rel}) ──`);
    for (const c of trace.comparisons) {
      lines.push(formatComparison(c));
      // a value verdict with a note (shapes that differ only by size-1 dimensions)
      if (c.message && (c.status === "exact" || c.status === "approximate" || c.status === "wrong")) lines.push(`    note: ${c.message}`);
      if (c.diagnosis && c.status !== "exact" && c.status !== "approximate") lines.push(`    ↳ ${c.diagnosis.sentence}`);
    }
    lines.push(summaryLine(trace));
  }
  if (trace.nonFinite) {
    const where = trace.nonFinite.place ? ` at line ${trace.nonFinite.place.line}` : "";
    lines.push(`note: ${trace.nonFinite.kind === "nan" ? "NaN" : "Inf"} first appeared in ${trace.nonFinite.op}${trace.nonFinite.name ? ` (${trace.nonFinite.name})` : ""}${where}`);
  }
  if (trace.outputTruncated) lines.push(`note: ${trace.droppedOutputBytes} bytes of output were dropped (over the cap)`);
  for (const n of trace.notes) lines.push(`note: ${n}`);
  const figures = trace.figures?.length ?? 0;
  if (figures) lines.push(`${figures} figure${figures === 1 ? "" : "s"} displayed (graphviz): --html shows them in its Figures tab`);
  if (trace.error) {
    const e = trace.error;
    const at = !e.place ? `${rel}: `
      : e.place.cell !== undefined ? `${rel}, cell ${e.place.cell + 1}, line ${e.place.line}: ` : `${rel}:${e.place.line}:${e.place.column}: `;
    lines.push("", `${at}${e.name}: ${e.message}`);
    const stack = relabelCellFrames(e.stack ?? "", (k) => `File "${rel}", cell ${k + 1}`);
    const frames = stack.split("\n").filter((l) => /^\s+(at |File )/.test(l));
    if (frames.length) lines.push(...frames);
  }
  return lines.join("\n");
}

/** Variables that name the host's own folders and programs: meaningless inside Pyodide's file system. */
const HOST_ONLY = /^(HOME|PATH|PWD|OLDPWD|SHELL|TMPDIR|TMP|TEMP|PYTHON\w*|MPLCONFIGDIR|LD_\w+|npm_\w+)$/i;

/**
 * The script sees the environment it was started in, as under CPython (`BPN_MAX_STEPS=200 backprop-ninja
 * run train_ninja.py`). A TypeScript run's worker inherits it anyway; a Python run gets it in
 * os.environ, less what would point at the host's files.
 */
function scriptEnvironment(from: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(from).filter((e): e is [string, string] => e[1] !== undefined && !HOST_ONLY.test(e[0])));
}

async function main(): Promise<number> {
  let opts: CliOptions | string;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    opts = (e as Error).message;
  }
  if (typeof opts === "string") {
    const help = opts === USAGE;
    (help ? process.stdout : process.stderr).write(opts.endsWith("\n") ? opts : opts + "\n");
    return help ? 0 : 2;
  }
  const env = scriptEnvironment(process.env);
  if (opts.names) env.BACKPROP_NINJA_NAMES = path.resolve(opts.names);
  const runner = new Runner();
  const quiet = opts.quiet;
  const handle = runner.run(opts.file, {
    timeoutMs: opts.timeoutMs, env,
    onEvent: (e) => {
      if (e.type === "output" && !quiet) (e.chunk.stream === "stderr" ? process.stderr : process.stdout).write(e.chunk.text);
      if (e.type === "phase" && e.phase === "loading-python") process.stderr.write(`${e.message ?? "loading Python…"}\n`);
    },
  });
  const stop = () => handle.cancel("stopped");
  process.once("SIGINT", stop);
  const trace = await handle.trace;
  process.off("SIGINT", stop);
  console.log(report(trace));
  if (opts.json) {
    fs.writeFileSync(opts.json, JSON.stringify(trace));
    console.log(`trace written to ${opts.json}`);
  }
  if (opts.html) {
    const html = renderHtmlReport(trace);
    if (typeof html === "string") {
      fs.writeFileSync(opts.html, html);
      console.log(`report written to ${opts.html}`);
    } else {
      console.error(`no HTML report: ${html.error}`);
    }
  }
  return exitCode(trace);
}

if (require.main === module) {
  main().then((code) => process.exit(code), (e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(2);
  });
}

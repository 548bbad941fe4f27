// Data the tests read from outside the repository: ../shared/data beside the project (the project's
// own machines have it), and for names.txt also the copy scripts/setup.sh downloads into the cache
// folder. A test whose file is missing skips with the reason; summary-reporter.cjs counts skips by
// reason and scripts/test-all.mjs repeats them in its closing line, so no skip goes unnoticed.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "../..");
const SHARED_DATA = path.resolve(repoRoot, "../shared/data");
/** scripts/setup.sh and setup-vscode.sh install into this folder. */
export const CACHE = process.env.BPN_CACHE || path.join(os.homedir(), ".cache", "backprop-ninja");

export type SharedFile = "names.txt" | "torch-rng-vectors.json";

/** Where a data file is on this machine, or undefined. names.txt: $BACKPROP_NINJA_NAMES, ../shared, the cache. */
export function sharedFile(name: SharedFile): string | undefined {
  const candidates = name === "names.txt"
    ? [process.env.BACKPROP_NINJA_NAMES, path.join(SHARED_DATA, name), path.join(CACHE, name)]
    : [path.join(SHARED_DATA, name)];
  return candidates.find((f): f is string => !!f && fs.existsSync(f));
}

export function missingReason(name: SharedFile): string {
  return name === "names.txt"
    ? "names.txt not found (../shared/data, $BPN_CACHE or ~/.cache/backprop-ninja): bash scripts/setup.sh downloads it"
    : `${name} not found in ../shared/data beside the project`;
}

/** The file's path; when it is missing, skips the current test (or hook's suite) with the reason. */
export function needShared(ctx: Mocha.Context, name: SharedFile): string {
  const file = sharedFile(name);
  if (file) return file;
  const runnable = ctx.test as (Mocha.Runnable & { type?: string; bpnSkipReason?: string; parent?: Mocha.Suite & { bpnSkipReason?: string } }) | undefined;
  const reason = missingReason(name);
  // in a before() hook the whole suite is skipped: the reporter looks up the reason on the parents
  if (runnable?.type === "hook" && runnable.parent) runnable.parent.bpnSkipReason = reason;
  else if (runnable) runnable.bpnSkipReason = reason;
  ctx.skip();
}

/** JSON of a shared file, or undefined when it is missing (pair with needShared in a hook). */
export function readSharedJson<T = any>(name: SharedFile): T | undefined {
  const file = sharedFile(name);
  return file ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

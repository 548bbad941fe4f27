#!/usr/bin/env node
// npm run test:desktop — the extension-host suites (test/extension/suite) in desktop VS Code, which
// @vscode/test-electron downloads from update.code.visualstudio.com (Linux also needs a display,
// e.g. xvfb-run). Where that host cannot be reached it stops at once and says so; npm test runs the
// same suites in code-server (the e2e stage) everywhere.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const UPDATE_HOST = "https://update.code.visualstudio.com/api/releases/stable";

try {
  const r = await fetch(UPDATE_HOST, { signal: AbortSignal.timeout(10_000) });
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
} catch (e) {
  const why = e?.cause?.message ?? e?.message ?? String(e);
  console.error(`test:desktop: desktop VS Code cannot be downloaded on this machine (${UPDATE_HOST}: ${why}).`);
  console.error("test:desktop: npm test runs the same extension-host suites in code-server instead (its e2e stage).");
  process.exit(1);
}

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, ["scripts/build.mjs"]);
run(process.execPath, ["test/extension/bundle.mjs"]);
run("npx", ["vscode-test", "--config", "test/extension/.vscode-test.mjs"]);

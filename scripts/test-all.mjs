#!/usr/bin/env node
// The README's test command runs this (after scripts/setup.sh): every suite in order, then one
// closing line "N passed, N failed" over all of them. A stage that fails still lets later ones run.
//   node scripts/test-all.mjs [stage ...]   (default: all stages)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const mocha = (glob, timeout = 120000) =>
  ["npx", "mocha", "--import=tsx", "--timeout", String(timeout), "--reporter", "./test/support/summary-reporter.cjs", glob];

/** name → command; non-mocha stages count as one test each. */
const STAGES = {
  typecheck: { cmd: ["npx", "tsc", "--noEmit", "-p", "."] },
  build: { cmd: ["node", "scripts/build.mjs"] },
  unit: { cmd: mocha("test/unit/**/*.test.ts"), mocha: true },
  parity: { cmd: mocha("test/parity/**/*.test.ts"), mocha: true, optional: "test/parity" },
  webview: { cmd: mocha("test/webview/**/*.test.ts", 300000), mocha: true, optional: "test/webview" },
  e2e: { cmd: mocha("test/e2e/**/*.test.ts", 900000), mocha: true, optional: "test/e2e" },
};

/** Whether a folder holds any *.test.ts file (at any depth). */
function hasTests(dir) {
  if (!fs.existsSync(dir)) return false;
  return fs.readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith(".test.ts"));
}

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(STAGES);
const summaryFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bpn-tests-")), "summary.jsonl");
let passed = 0, failed = 0, skipped = 0;
const skipReasons = new Map(); // reason → tests skipped for it
const failedStages = [];

for (const name of names) {
  const stage = STAGES[name];
  if (!stage) throw new Error(`unknown stage ${name}; stages: ${Object.keys(STAGES).join(", ")}`);
  if (stage.optional && !hasTests(path.join(root, stage.optional))) {
    console.log(`\n=== ${name}: no tests in ${stage.optional}, skipped`);
    continue;
  }
  console.log(`\n=== ${name}: ${stage.cmd.join(" ")}`);
  const before = fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, "utf8").split("\n").filter(Boolean).length : 0;
  const t0 = Date.now();
  const r = spawnSync(stage.cmd[0], stage.cmd.slice(1), {
    cwd: root, stdio: "inherit", env: { ...process.env, BPN_SUMMARY: summaryFile, BPN_SUITE: name },
  });
  const ok = r.status === 0;
  console.log(`=== ${name}: ${ok ? "ok" : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const lines = fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, "utf8").split("\n").filter(Boolean).slice(before) : [];
  if (stage.mocha && lines.length) {
    for (const l of lines) {
      const s = JSON.parse(l);
      passed += s.passes; failed += s.failures; skipped += s.pending;
      for (const [why, n] of Object.entries(s.skipped ?? {})) skipReasons.set(why, (skipReasons.get(why) ?? 0) + n);
    }
    if (!ok && lines.every((l) => JSON.parse(l).failures === 0)) failed += 1; // crashed outside a test
  } else if (ok) passed += 1;
  else failed += 1;
  if (!ok) failedStages.push(name);
}

if (failedStages.length) console.log(`\nfailed stages: ${failedStages.join(", ")}`);
const why = [...skipReasons].map(([reason, n]) => `${n}: ${reason}`).join("; ");
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped (${why})` : ""}`);
process.exit(failed > 0 ? 1 : 0);

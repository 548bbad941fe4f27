// Entry point of the extension API tests, in the shape @vscode/test-electron / @vscode/test-cli and
// VS Code's `extensionTestsPath` expect: `run()` runs the mocha suites inside the extension host.
// Here it is bundled by test/e2e/extensionHost.e2e.test.ts and loaded by code-server's extension
// host (smoke-test-driver payload); results also go to $BPN_EXT_TEST_RESULTS as JSON for the harness.
import * as fs from "node:fs";
import * as path from "node:path";
import { metrics, notes } from "./report";

interface MochaLike {
  suite: { emit(event: string, ...args: unknown[]): void };
  addFile(file: string): void;
  run(done: (failures: number) => void): { on(event: string, cb: (...args: any[]) => void): unknown };
}

export interface TestResult {
  title: string;
  state: "passed" | "failed" | "pending";
  durationMs?: number;
  error?: string;
}

export async function run(): Promise<void> {
  const repoRoot = process.env.BPN_REPO_ROOT ?? path.resolve(__dirname, "../..");
  // mocha is loaded from the repository at run time, not bundled
  const Mocha = require(path.join(repoRoot, "node_modules", "mocha", "lib", "mocha.cjs")) as new (o: object) => MochaLike;
  // BPN_EXT_GREP=pattern runs only the tests whose full title matches (when working on one test)
  const grep = process.env.BPN_EXT_GREP;
  const mocha = new Mocha({ ui: "bdd", color: false, timeout: 180_000, reporter: "spec", ...(grep ? { grep } : {}) });
  // the suites are bundled next to this file as suite-*.js
  // BPN_EXT_SUITES=timings,editor runs only those suites (when working on one of them); suites named
  // untrusted* need a restricted-mode workspace and run only when named
  const only = process.env.BPN_EXT_SUITES?.split(",").map((s) => `suite-${s.trim()}.js`);
  const wanted = (f: string) => (only ? only.includes(f) : !f.startsWith("suite-untrusted"));
  for (const f of fs.readdirSync(__dirname).filter((f) => /^suite-.*\.js$/.test(f) && wanted(f)).sort()) {
    mocha.addFile(path.join(__dirname, f));
  }
  const results: TestResult[] = [];
  const resultsFile = process.env.BPN_EXT_TEST_RESULTS;
  const write = (done: boolean) => {
    if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify({ done, results, output: notes(), metrics: metrics() }, null, 2));
  };
  write(false);
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on("pass", (t) => results.push({ title: t.fullTitle(), state: "passed", durationMs: t.duration }));
    runner.on("test end", () => write(false));
    runner.on("fail", (t, err) => results.push({ title: t.fullTitle(), state: "failed", error: String(err?.stack ?? err) }));
    runner.on("pending", (t) => results.push({ title: t.fullTitle(), state: "pending" }));
  });
  write(true);
  if (failures > 0) throw new Error(`${failures} extension test(s) failed`);
}

// Runs the extension API suites of test/extension inside code-server's real extension host: the
// repository is loaded as the development extension and the bundled suites as extensionTestsPath
// (development options reach a built workbench only with the smoke-test driver enabled). The
// suites write their results to a JSON file that this test waits for and reports.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Mocha from "mocha";
import { CodeServer } from "./support/codeServer";
import { Workbench } from "./support/workbench";

const repoRoot = path.resolve(__dirname, "../..");
const namesTxt = path.resolve(repoRoot, "../shared/data/names.txt");
const artifacts = path.join(repoRoot, ".test-artifacts", "extension-host");

interface Results {
  done: boolean;
  results: { title: string; state: string; durationMs?: number; error?: string }[];
  /** what the suites printed */
  output?: string[];
}

async function waitForResults(file: string, timeoutMs: number, server: CodeServer): Promise<Results> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (fs.existsSync(file)) {
      try {
        const r = JSON.parse(fs.readFileSync(file, "utf8")) as Results;
        if (r.done) return r;
      } catch {
        /* being written */
      }
    }
    if (Date.now() > deadline) throw new Error(`the extension tests did not finish within ${timeoutMs / 1000} s (see ${artifacts})`);
    if (!server.alive()) throw new Error("code-server exited while the extension tests ran");
    await new Promise((r) => setTimeout(r, 200)); // poll interval of a condition, not a wait for an outcome
  }
}

describe("extension API suites inside code-server's extension host", function () {
  let tmp: string;
  let outDir: string;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  let results: Results | undefined;

  before(async function () {
    fs.rmSync(artifacts, { recursive: true, force: true });
    fs.mkdirSync(artifacts, { recursive: true });
    if (!process.env.BPN_SKIP_BUILD) {
      const b = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: repoRoot, encoding: "utf8" });
      if (b.status !== 0) throw new Error(`build failed:\n${b.stdout}\n${b.stderr}`);
    }
    // @ts-expect-error: a plain ESM script without types
    const { bundleSuites } = await import("../extension/bundle.mjs");
    outDir = await bundleSuites();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-exthost-"));
  });

  after(async function () {
    await wb?.close().catch(() => undefined);
    server?.stop();
    if (!process.env.BPN_KEEP && tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  // The suites run once, in the hook; each of their results then becomes a test of its own here.
  before(async function () {
    const ws = path.join(tmp, "workspace");
    fs.cpSync(path.join(repoRoot, "examples"), ws, { recursive: true });
    if (fs.existsSync(namesTxt)) fs.copyFileSync(namesTxt, path.join(ws, "names.txt"));
    const resultsFile = path.join(tmp, "results.json");
    server = await CodeServer.start({
      folder: ws,
      userDataDir: path.join(tmp, "user-data"),
      extensionsDir: path.join(tmp, "extensions"),
      logFile: path.join(artifacts, "code-server.log"),
      smokeTestDriver: true,
      env: { BPN_EXT_TEST_RESULTS: resultsFile, BPN_REPO_ROOT: repoRoot, BPN_TEST_WORKSPACE: ws },
      settings: { "security.workspace.trust.enabled": false },
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server!.port}${p}`;
    const payload = [
      ["extensionDevelopmentPath", remote(process.env.BPN_EXT_DEV_PATH ?? repoRoot)],
      ["extensionTestsPath", remote(path.join(outDir, "index.js"))],
      ["skipWelcome", "true"],
    ];
    wb = await Workbench.open(`${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`, artifacts);
    results = await waitForResults(resultsFile, 600_000, server);
    await wb.screenshot("after-suites").catch(() => undefined);
    fs.writeFileSync(path.join(artifacts, "results.json"), JSON.stringify(results, null, 2));
    for (const line of results.output ?? []) console.log(`      [extension host] ${line}`);
    const suite = this.test!.parent!;
    for (const r of results.results) {
      const t = new Mocha.Test(`[extension host] ${r.title}`, function (this: Mocha.Context) {
        if (r.state === "pending") this.skip();
        if (r.state === "failed") throw new Error(r.error);
      });
      suite.addTest(t);
    }
  });

  it("the suites ran in the extension host", function () {
    assert.ok(results && results.results.length > 0, "no extension test ran");
  });
});

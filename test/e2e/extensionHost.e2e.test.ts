// Runs the extension API suites of test/extension inside code-server's real extension host: the
// repository is loaded as the development extension and the bundled suites as extensionTestsPath
// (development options reach a built workbench only with the smoke-test driver enabled). The
// suites write their results to a JSON file that this test waits for and reports.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { CodeServer } from "./support/codeServer";
import { Workbench } from "./support/workbench";

const repoRoot = path.resolve(__dirname, "../..");
const namesTxt = path.resolve(repoRoot, "../shared/data/names.txt");
const artifacts = path.join(repoRoot, ".test-artifacts", "extension-host");
const outDir = path.join(repoRoot, "out", "test-extension");

interface Results {
  done: boolean;
  results: { title: string; state: string; durationMs?: number; error?: string }[];
}

async function bundleSuites(): Promise<void> {
  fs.rmSync(outDir, { recursive: true, force: true });
  const suiteDir = path.join(repoRoot, "test", "extension", "suite");
  const entryPoints: Record<string, string> = { index: path.join(repoRoot, "test", "extension", "index.ts") };
  for (const f of fs.readdirSync(suiteDir).filter((f) => f.endsWith(".test.ts"))) {
    entryPoints[`suite-${f.replace(/\.test\.ts$/, "")}`] = path.join(suiteDir, f);
  }
  await esbuild.build({
    entryPoints, outdir: outDir, bundle: true, platform: "node", format: "cjs", target: "node20",
    external: ["vscode"], sourcemap: "inline", logLevel: "warning",
  });
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
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;

  before(async function () {
    fs.rmSync(artifacts, { recursive: true, force: true });
    fs.mkdirSync(artifacts, { recursive: true });
    if (!process.env.BPN_SKIP_BUILD) {
      const b = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: repoRoot, encoding: "utf8" });
      if (b.status !== 0) throw new Error(`build failed:\n${b.stdout}\n${b.stderr}`);
    }
    await bundleSuites();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-exthost-"));
  });

  after(async function () {
    await wb?.close().catch(() => undefined);
    server?.stop();
    if (!process.env.BPN_KEEP && tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("all suites pass", async function () {
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
    const results = await waitForResults(resultsFile, 600_000, server);
    await wb.screenshot("after-suites").catch(() => undefined);
    fs.writeFileSync(path.join(artifacts, "results.json"), JSON.stringify(results, null, 2));
    for (const r of results.results) console.log(`    ${r.state === "passed" ? "✓" : r.state === "failed" ? "✗" : "-"} ${r.title}${r.durationMs !== undefined ? ` (${r.durationMs} ms)` : ""}`);
    const failed = results.results.filter((r) => r.state === "failed");
    assert.ok(results.results.length > 0, "no extension test ran");
    assert.equal(failed.length, 0, failed.map((f) => `${f.title}\n${f.error}`).join("\n\n"));
  });
});

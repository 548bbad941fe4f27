// Runs the extension API suites of test/extension inside code-server's real extension host: the
// repository is loaded as the development extension and the bundled suites as extensionTestsPath
// (development options reach a built workbench only with the smoke-test driver enabled). The
// suites write their results to a JSON file that this waits for. Used by the end-to-end test and by
// `npm run bench` (the timings suite alone).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { CodeServer } from "./codeServer";
import { Workbench } from "./workbench";
import { sharedFile } from "../../support/sharedData";

export interface SuiteResults {
  done: boolean;
  results: { title: string; state: string; durationMs?: number; error?: string }[];
  /** what the suites printed */
  output?: string[];
  /** what they measured (test/extension/report.ts `metric`) */
  metrics?: Record<string, number>;
}

export interface SuiteRunOptions {
  repoRoot: string;
  /** code-server's log, screenshots and the results end up here */
  artifacts: string;
  /** only these suites (test/extension/suite/<name>.test.ts); all when absent */
  suites?: string[];
  /** more environment for the extension host */
  env?: Record<string, string>;
  /** skip building dist/ (the caller did) */
  skipBuild?: boolean;
  /** write a CPU profile of the workbench page while the suites run */
  profileWorkbench?: string;
  /** false: Workspace Trust on and the workspace not trusted (restricted mode); default trusted */
  trusted?: boolean;
}

/** Waits for the suites' results, meanwhile taking the screenshots they ask for (test/extension/report.ts). */
async function waitForResults(file: string, timeoutMs: number, server: CodeServer, artifacts: string, wb: Workbench, shots: string): Promise<SuiteResults> {
  const deadline = Date.now() + timeoutMs;
  const request = path.join(shots, "request.json");
  for (;;) {
    if (fs.existsSync(request)) {
      const { name, waitFor } = JSON.parse(fs.readFileSync(request, "utf8")) as { name: string; waitFor?: string };
      // at most 10 s, well within the 30 s the suite waits for the picture
      if (waitFor) await wb.page.locator(waitFor).first().waitFor({ state: "visible", timeout: 10_000 }).catch(() => undefined);
      await wb.screenshot(name);
      fs.rmSync(request);
    }
    if (fs.existsSync(file)) {
      try {
        const r = JSON.parse(fs.readFileSync(file, "utf8")) as SuiteResults;
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

export async function runExtensionSuites(opts: SuiteRunOptions): Promise<SuiteResults> {
  const { repoRoot, artifacts } = opts;
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  if (!opts.skipBuild) {
    const b = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: repoRoot, encoding: "utf8" });
    if (b.status !== 0) throw new Error(`build failed:\n${b.stdout}\n${b.stderr}`);
  }
  // loaded from the repository at run time (also when this file is bundled, as in the bench)
  const bundler = pathToFileURL(path.join(repoRoot, "test", "extension", "bundle.mjs")).href;
  const { bundleSuites } = (await import(bundler)) as { bundleSuites(): Promise<string> };
  const outDir = await bundleSuites();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-exthost-"));
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  try {
    const ws = path.join(tmp, "workspace");
    fs.cpSync(path.join(repoRoot, "examples"), ws, { recursive: true });
    const namesTxt = sharedFile("names.txt");
    if (namesTxt) fs.copyFileSync(namesTxt, path.join(ws, "names.txt"));
    const resultsFile = path.join(tmp, "results.json");
    const shots = fs.mkdtempSync(path.join(tmp, "shots-"));
    server = await CodeServer.start({
      folder: ws,
      userDataDir: path.join(tmp, "user-data"),
      extensionsDir: path.join(tmp, "extensions"),
      logFile: path.join(artifacts, "code-server.log"),
      smokeTestDriver: true,
      env: {
        ...opts.env, BPN_EXT_TEST_RESULTS: resultsFile, BPN_EXT_SCREENSHOTS: shots, BPN_REPO_ROOT: repoRoot, BPN_TEST_WORKSPACE: ws,
        ...(opts.suites ? { BPN_EXT_SUITES: opts.suites.join(",") } : {}),
      },
      settings: opts.trusted === false
        ? { "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never" }
        : { "security.workspace.trust.enabled": false },
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server!.port}${p}`;
    const payload = [
      ["extensionDevelopmentPath", remote(process.env.BPN_EXT_DEV_PATH ?? repoRoot)],
      ["extensionTestsPath", remote(path.join(outDir, "index.js"))],
      ["skipWelcome", "true"],
    ];
    wb = await Workbench.open(`${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`, artifacts);
    const cdp = opts.profileWorkbench ? await wb.page.context().newCDPSession(wb.page) : undefined;
    if (cdp) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
      await cdp.send("Profiler.start");
    }
    const results = await waitForResults(resultsFile, 600_000, server, artifacts, wb, shots);
    if (cdp && opts.profileWorkbench) fs.writeFileSync(opts.profileWorkbench, JSON.stringify((await cdp.send("Profiler.stop")).profile));
    // the extension host exits once the suites are done: what it contributed (a notebook's kernel,
    // status items) may be gone here; suites take their own with test/extension/report.ts screenshot
    await wb.screenshot("after-suites").catch(() => undefined);
    fs.writeFileSync(path.join(artifacts, "results.json"), JSON.stringify(results, null, 2));
    return results;
  } finally {
    await wb?.close().catch(() => undefined);
    server?.stop();
    if (!process.env.BPN_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

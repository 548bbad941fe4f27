// The extension API suites of test/extension, inside code-server's real extension host (see
// support/extensionSuites.ts): they run once, in a hook; each of their results then becomes a test
// of its own here. BPN_EXT_SUITES=timings runs only the named suites.
import assert from "node:assert/strict";
import * as path from "node:path";
import Mocha from "mocha";
import { runExtensionSuites, type SuiteResults } from "./support/extensionSuites";

const repoRoot = path.resolve(__dirname, "../..");

describe("extension API suites inside code-server's extension host", function () {
  let results: SuiteResults | undefined;

  before(async function () {
    results = await runExtensionSuites({
      repoRoot,
      artifacts: path.join(repoRoot, ".test-artifacts", "extension-host"),
      skipBuild: !!process.env.BPN_SKIP_BUILD,
      // BPN_PROFILE_WORKBENCH=file.cpuprofile: a CPU profile of the workbench page while the suites run
      profileWorkbench: process.env.BPN_PROFILE_WORKBENCH,
    });
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

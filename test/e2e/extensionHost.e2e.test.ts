// The extension API suites of test/extension, inside code-server's real extension host (see
// support/extensionSuites.ts): they run once, in a hook; each of their results then becomes a test
// of its own here. BPN_EXT_SUITES=timings runs only the named suites. The untrusted* suites run in a
// second code-server whose workspace is not trusted (restricted mode).
import assert from "node:assert/strict";
import * as path from "node:path";
import Mocha from "mocha";
import { runExtensionSuites, type SuiteResults } from "./support/extensionSuites";

const repoRoot = path.resolve(__dirname, "../..");

/** The suites that need a restricted-mode workspace (test/extension/suite/untrusted*.test.ts). */
const UNTRUSTED = ["untrustedKernel"];
/** BPN_EXT_SUITES=timings,editor runs only the named suites */
const only = process.env.BPN_EXT_SUITES?.split(",").map((s) => s.trim());
let built = !!process.env.BPN_SKIP_BUILD;

/** Each result of the suites becomes a test of its own under `suite`. */
function addResults(suite: Mocha.Suite, results: SuiteResults): void {
  for (const line of results.output ?? []) console.log(`      [extension host] ${line}`);
  for (const r of results.results) {
    suite.addTest(new Mocha.Test(`[extension host] ${r.title}`, function (this: Mocha.Context) {
      if (r.state === "pending") this.skip();
      if (r.state === "failed") throw new Error(r.error);
    }));
  }
}

describe("extension API suites inside code-server's extension host", function () {
  let results: SuiteResults | undefined;

  before(async function () {
    const trusted = only?.filter((s) => !UNTRUSTED.includes(s));
    if (trusted && !trusted.length) this.skip();
    results = await runExtensionSuites({
      repoRoot,
      artifacts: path.join(repoRoot, ".test-artifacts", "extension-host"),
      skipBuild: built,
      suites: trusted,
      // BPN_PROFILE_WORKBENCH=file.cpuprofile: a CPU profile of the workbench page while the suites run
      profileWorkbench: process.env.BPN_PROFILE_WORKBENCH,
    });
    built = true;
    addResults(this.test!.parent!, results);
  });

  it("the suites ran in the extension host", function () {
    assert.ok(results && results.results.length > 0, "no extension test ran");
  });
});

describe("extension API suites in a workspace that is not trusted (restricted mode)", function () {
  let results: SuiteResults | undefined;

  before(async function () {
    if (only && !only.some((s) => UNTRUSTED.includes(s))) this.skip();
    results = await runExtensionSuites({
      repoRoot,
      artifacts: path.join(repoRoot, ".test-artifacts", "extension-host-untrusted"),
      skipBuild: built,
      suites: UNTRUSTED,
      trusted: false,
    });
    addResults(this.test!.parent!, results);
  });

  it("the restricted-mode suites ran in the extension host", function () {
    assert.ok(results && results.results.length > 0, "no extension test ran");
  });
});

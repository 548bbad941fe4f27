// Bundles the extension API suites for an extension host: out/test-extension/index.js (the
// `extensionTestsPath` entry) and one suite-<name>.js per test/extension/suite/*.test.ts.
//   node test/extension/bundle.mjs
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
export const outDir = path.join(repoRoot, "out", "test-extension");

export async function bundleSuites() {
  fs.rmSync(outDir, { recursive: true, force: true });
  const suiteDir = path.join(repoRoot, "test", "extension", "suite");
  const entryPoints = { index: path.join(repoRoot, "test", "extension", "index.ts") };
  for (const f of fs.readdirSync(suiteDir).filter((f) => f.endsWith(".test.ts"))) {
    entryPoints[`suite-${f.replace(/\.test\.ts$/, "")}`] = path.join(suiteDir, f);
  }
  await esbuild.build({
    entryPoints, outdir: outDir, bundle: true, platform: "node", format: "cjs", target: "node20",
    external: ["vscode"], sourcemap: "inline", logLevel: "warning",
  });
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  console.log(`bundled into ${path.relative(repoRoot, await bundleSuites())}`);
}

// For desktop VS Code, where it can be downloaded (not on the project's CI machines): npm run
// test:desktop (scripts/test-desktop.mjs builds, bundles the suites and runs vscode-test with this).
// The suites edit and create files, so they get a fresh copy of examples/ (+ names.txt if present).
import { defineConfig } from "@vscode/test-cli";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const ws = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-vscode-test-"));
fs.cpSync(path.join(repoRoot, "examples"), ws, { recursive: true });
for (const names of [process.env.BACKPROP_NINJA_NAMES, path.resolve(repoRoot, "../shared/data/names.txt")]) {
  if (names && fs.existsSync(names)) { fs.copyFileSync(names, path.join(ws, "names.txt")); break; }
}

export default defineConfig({
  files: path.join(repoRoot, "out/test-extension/suite-*.js"),
  extensionDevelopmentPath: repoRoot,
  workspaceFolder: ws,
  mocha: { ui: "bdd", timeout: 180000 },
});

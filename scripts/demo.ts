// npm run demo — the main job. Builds, then runs the exercise (examples/backprop_ninja.ts) through the
// CLI: the notebook's cmp table, 26/26 exact, and a self-contained HTML report of the panel in
// .demo/report.html. With `-- --vscode` it also installs a real VS Code (code-server, see
// scripts/setup-vscode.sh), packages the extension into it and serves it on 127.0.0.1 with the
// examples open in a trusted workspace, until Ctrl-C.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { sharedFile } from "../test/support/sharedData";

const root = path.resolve(__dirname, "..");
/** Runs a step; any exit code but those in `ok` ends the demo with it. */
const step = (cmd: string, args: string[], ok = [0]) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (!ok.includes(r.status ?? -1)) process.exit(r.status ?? 2);
  return r.status ?? 0;
};

async function main(): Promise<void> {
  step(process.execPath, ["scripts/build.mjs"]);
  const names = sharedFile("names.txt");
  const demo = path.join(root, ".demo");
  fs.mkdirSync(demo, { recursive: true });
  const args = ["dist/cli.js", "run", "examples/backprop_ninja.ts", "--html", path.join(demo, "report.html")];
  if (names) args.push("--names", names);
  const code = step(process.execPath, args, [0, 1]); // 1: a gradient is wrong, which the table shows
  if (!process.argv.includes("--vscode")) {
    process.exitCode = code;
    return;
  }
  step("bash", ["scripts/setup-vscode.sh"]);
  step(process.execPath, ["scripts/package.mjs", "--skip-build", "--out", path.join(demo, "backprop-ninja.vsix")]);
  const { CodeServer, installExtension } = await import("../test/e2e/support/codeServer");
  const workspace = path.join(demo, "workspace");
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.cpSync(path.join(root, "examples"), workspace, { recursive: true });
  // the TypeScript examples look in the workspace, a Python script's open('names.txt') in its folder
  if (names) for (const dir of [workspace, path.join(workspace, "python")]) fs.copyFileSync(names, path.join(dir, "names.txt"));
  const userDataDir = path.join(demo, "user-data"), extensionsDir = path.join(demo, "extensions");
  installExtension(path.join(demo, "backprop-ninja.vsix"), extensionsDir, userDataDir);
  const server = await CodeServer.start({
    folder: workspace, userDataDir, extensionsDir, logFile: path.join(demo, "code-server.log"),
    // the demo's own copy of the examples: no Restricted Mode prompt before the first run
    settings: { "security.workspace.trust.enabled": false },
  });
  console.log(`\nVS Code (code-server) with Backprop Ninja: ${server.url}/?folder=${encodeURIComponent(workspace)}`);
  console.log("open backprop_ninja.ts and run “Backprop Ninja: Run backprop exercise”. Ctrl-C stops the server.");
  const stop = () => { server.stop(); process.exit(0); };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await new Promise(() => {});
}

void main();

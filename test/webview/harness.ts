// Test harness for the gradient panel: builds webview/main.tsx with esbuild, serves it on 127.0.0.1
// in a page shaped like the one the extension makes (same CSP with a nonce, dark theme variables)
// with a fake VS Code API, and drives it in headless Debian Chromium via playwright-core.
import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** The repository: found from this file, or, bundled into the bench (no import.meta there), the cwd it runs in. */
export const repoRoot = import.meta.url ? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..") : process.cwd();
export const artifacts = path.join(repoRoot, ".test-artifacts", "webview");
const buildDir = path.join(artifacts, "build");

/** Bundles the panel the way the extension ships it (browser iife, codicon font as a file). */
export async function buildPanel(): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  mkdirSync(buildDir, { recursive: true });
  const r = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: { main: "webview/main.tsx" },
    outdir: buildDir,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "chrome114",
    jsx: "automatic",
    jsxImportSource: "preact",
    loader: { ".ttf": "file" },
    minify: true,
    metafile: true,
    logLevel: "warning",
  });
  const bytes = Object.values(r.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  return { ms: performance.now() - t0, bytes };
}

const NONCE = "dGVzdC1ub25jZS1mb3ItdGhlLXBhbmVs";

function pageHtml(theme: "dark" | "light"): string {
  const csp = [
    "default-src 'none'",
    "img-src 'self' data: blob:",
    `style-src 'self' 'nonce-${NONCE}'`,
    "font-src 'self'",
    `script-src 'nonce-${NONCE}'`,
    "worker-src 'self' blob:",
  ].join("; ");
  // The fake host: what acquireVsCodeApi() gives a webview, recording posts; state survives reloads
  // of the page through sessionStorage, as VS Code keeps it for a webview.
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="/theme-${theme}.css" nonce="${NONCE}">
<link rel="stylesheet" href="/main.css" nonce="${NONCE}">
<title>Gradients</title>
</head>
<body class="vscode-${theme}" data-vscode-theme-kind="vscode-${theme}">
<div id="root" data-nonce="${NONCE}"></div>
<script nonce="${NONCE}">
  window.__posted = [];
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
  let acquired = 0;
  window.acquireVsCodeApi = () => {
    if (++acquired > 1) throw new Error("acquireVsCodeApi called twice");
    return {
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => JSON.parse(sessionStorage.getItem("state") || "null"),
      setState: (s) => sessionStorage.setItem("state", JSON.stringify(s)),
    };
  };
</script>
<script nonce="${NONCE}" src="/main.js"></script>
</body>
</html>`;
}

const TYPES: Record<string, string> = { ".js": "text/javascript", ".css": "text/css", ".ttf": "font/ttf", ".html": "text/html" };

export async function serve(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const p = url.pathname;
    if (p === "/" || p === "/index.html") {
      res.writeHead(200, { "content-type": "text/html" }).end(pageHtml(url.searchParams.get("theme") === "light" ? "light" : "dark"));
      return;
    }
    const file = /^\/theme-(dark|light)\.css$/.test(p) ? path.join(repoRoot, "test/webview", p.slice(1)) : path.join(buildDir, path.basename(p));
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function launch(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), "bn-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run"],
    viewport: { width: 1100, height: 760 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Posts a host message to the page, as VS Code's webview.postMessage does. */
export async function postToPanel(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, "*"), message);
}

export async function posted(page: Page): Promise<{ type: string; [k: string]: unknown }[]> {
  return page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export interface PanelOpenOptions {
  theme?: "dark" | "light";
  /** viewport size; the browser's default (1100 × 760) otherwise */
  width?: number;
  height?: number;
}

/**
 * One built panel, page server and Chromium for a describe block (registered as its before/after
 * hooks). `open()` gives a new page that has loaded the panel and sent its `ready`.
 */
export function usePanel(): { open(opts?: PanelOpenOptions): Promise<Page>; readonly built: { ms: number; bytes: number } } {
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let browser: Awaited<ReturnType<typeof launch>> | undefined;
  let built = { ms: 0, bytes: 0 };
  before(async function () {
    this.timeout(300_000);
    built = await buildPanel();
    server = await serve();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get built() { return built; },
    async open(opts = {}) {
      const page = await browser!.context.newPage();
      page.on("pageerror", (e) => console.error("      page error:", e.message));
      if (opts.width || opts.height) await page.setViewportSize({ width: opts.width ?? 1100, height: opts.height ?? 760 });
      await page.goto(opts.theme ? `${server!.url}?theme=${opts.theme}` : server!.url);
      await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === "ready"));
      return page;
    },
  };
}

/** Closes a panel page and fails when the panel broke the extension's Content-Security-Policy. */
export async function closeCheckingCsp(page: Page): Promise<void> {
  const violations = await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
  await page.close();
  assert.deepEqual(violations, [], "the panel must run under the extension's CSP");
}

// What the suites want the harness to print (timings): kept on globalThis, because index.js and each
// suite are separate bundles, and the extension host owns `console`. Screenshots the harness takes.
import * as fs from "node:fs";
import * as path from "node:path";

const KEY = "__bpnExtensionTestNotes";

export function note(line: string): void {
  const g = globalThis as unknown as Record<string, string[] | undefined>;
  (g[KEY] ??= []).push(line);
  console.log(line);
}

export function notes(): string[] {
  return (globalThis as unknown as Record<string, string[] | undefined>)[KEY] ?? [];
}

const METRICS = "__bpnExtensionTestMetrics";

/** A measured figure for `npm run bench` (the harness returns them with the results). */
export function metric(name: string, value: number): void {
  const g = globalThis as unknown as Record<string, Record<string, number> | undefined>;
  (g[METRICS] ??= {})[name] = value;
}

export function metrics(): Record<string, number> {
  return (globalThis as unknown as Record<string, Record<string, number> | undefined>)[METRICS] ?? {};
}

/**
 * Asks the harness for a screenshot of the workbench as it is now (support/extensionSuites.ts takes
 * it into its artifacts) and waits until it is saved; nothing happens without a harness. `waitFor`:
 * a CSS selector of the workbench page to wait for first (e.g. a quick pick the suite just opened).
 */
export async function screenshot(name: string, waitFor?: string): Promise<void> {
  const dir = process.env.BPN_EXT_SCREENSHOTS;
  if (!dir) return;
  const request = path.join(dir, "request.json");
  fs.writeFileSync(`${request}.tmp`, JSON.stringify({ name, waitFor }));
  fs.renameSync(`${request}.tmp`, request);
  // the harness removes the request once the picture is saved
  for (const deadline = Date.now() + 30_000; fs.existsSync(request);) {
    if (Date.now() > deadline) throw new Error(`the harness did not take the screenshot ${name}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

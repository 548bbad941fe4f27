// What the suites want the harness to print (timings): kept on globalThis, because index.js and each
// suite are separate bundles, and the extension host owns `console`.
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

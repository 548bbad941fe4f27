// The names dataset as the engine exposes it to scripts: `data.loadWords()`, `data.makemoreSplits()`.
export * from "./names";
export { loadWords, readWords, embeddedWords, isCanonicalNames, NAMES_URL, NAMES_SHA256, NAMES_COUNT } from "./load";

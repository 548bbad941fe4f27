// Backprop Ninja: Download names.txt — fetches makemore's names.txt (setting backpropNinja.namesUrl)
// next to the active exercise (scripts look for names.txt in their folder), and checks it is the
// canonical file. Offline, it offers to save the embedded name list there instead.
import { createHash } from "node:crypto";
import * as path from "node:path";
import * as vscode from "vscode";
import { readConfig } from "../config";
import { CommandId } from "./ids";
import type { Services } from "./services";

export function downloadNames(s: Services) {
  return async (folder?: vscode.Uri): Promise<vscode.Uri | undefined> => {
    const active = vscode.window.activeTextEditor?.document.uri;
    const dir = folder instanceof vscode.Uri
      ? folder
      : active?.scheme === "file" ? vscode.Uri.joinPath(active, "..") : vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!dir) {
      void vscode.window.showInformationMessage("Backprop Ninja: open a folder first; names.txt is saved in it.");
      return undefined;
    }
    const url = readConfig().namesUrl;
    const target = vscode.Uri.joinPath(dir, "names.txt");
    const bytes = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Downloading names.txt from ${url}`, cancellable: true },
      async (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        try {
          const r = await fetch(url, { signal: abort.signal });
          if (!r.ok) throw new Error(`HTTP ${r.status} ${r.statusText}`);
          return new Uint8Array(await r.arrayBuffer());
        } catch (e) {
          if (!token.isCancellationRequested) void offerEmbedded(s, target, url, e);
          return undefined;
        }
      },
    );
    if (!bytes) return undefined;
    await vscode.workspace.fs.writeFile(target, bytes);
    // the engine's data module knows makemore's file; imported now, not at activation (it pulls in the engine)
    const { NAMES_COUNT, NAMES_SHA256 } = await import("../../engine/data/load");
    const lines = new TextDecoder().decode(bytes).split("\n").filter((l) => l.trim()).length;
    s.log.info(`names.txt: ${bytes.length} bytes, ${lines} names → ${target.fsPath}`);
    if (createHash("sha256").update(bytes).digest("hex") === NAMES_SHA256) {
      void vscode.window.showInformationMessage(`Backprop Ninja: names.txt saved (${lines} names, makemore's file).`);
    } else {
      void vscode.window.showWarningMessage(`Backprop Ninja: names.txt saved (${lines} names), but it is not makemore's file (${NAMES_COUNT} names); numbers will differ from the notebook's.`);
    }
    return target;
  };
}

const RETRY = "Retry", USE_EMBEDDED = "Save the embedded list as names.txt";

/** Download failed: say why, what the embedded list differs in, and offer it (or another try). */
async function offerEmbedded(s: Services, target: vscode.Uri, url: string, e: unknown): Promise<void> {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : undefined;
  const why = e instanceof Error ? `${e.message}${cause ? ` (${cause})` : ""}` : String(e);
  const { embeddedWords, NAMES_COUNT } = await import("../../engine/data/load");
  const { makemoreSplits } = await import("../../engine/data/names");
  const words = embeddedWords(path.join(s.context.extensionPath, "dist", "data"));
  const split = makemoreSplits(words);
  const sizes = [split.Xtr, split.Xdev, split.Xte].map((x) => x.shape[0].toLocaleString("en-US")).join(" / ");
  const choice = await vscode.window.showErrorMessage(
    `Backprop Ninja: could not download names.txt from ${url}: ${why}. ` +
    `Without it, TypeScript exercises use the embedded list of ${words.length.toLocaleString("en-US")} English first names ` +
    `(makemore's file has ${NAMES_COUNT.toLocaleString("en-US")}), so the split (${sizes} train/dev/test examples) and every loss differ from the lecture's. ` +
    "Saving that list as names.txt lets Python's open('names.txt') run too.",
    USE_EMBEDDED, RETRY,
  );
  if (choice === RETRY) {
    await vscode.commands.executeCommand(CommandId.DownloadNames, vscode.Uri.joinPath(target, ".."));
  } else if (choice === USE_EMBEDDED) {
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(words.join("\n") + "\n"));
    s.log.info(`names.txt: the embedded list (${words.length} names) → ${target.fsPath}`);
    void vscode.window.showInformationMessage(`Backprop Ninja: names.txt saved with the embedded list (${words.length} names); numbers will differ from the notebook's.`);
  }
}

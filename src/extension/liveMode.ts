// Live mode: re-run an exercise when it is saved, and optionally while typing (debounced). A file is
// an exercise when it was run before or imports backprop-ninja; other files are left alone.
import * as vscode from "vscode";
import { ContextKey } from "./commands/ids";
import { readConfig } from "./config";
import { isTrusted } from "./trust";
import type { RunController } from "./runs";

const SUPPORTED_LANGUAGES = new Set(["typescript", "javascript", "python"]);
const IMPORTS_ENGINE = /from\s+["']backprop-ninja["']|require\(\s*["']backprop-ninja["']\s*\)|import\s+backprop_ninja|from\s+backprop_ninja\s+import/;

export function isSupported(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === "file" && SUPPORTED_LANGUAGES.has(doc.languageId);
}

export function isExercise(doc: vscode.TextDocument, runs: RunController): boolean {
  return isSupported(doc) && (runs.last(doc.uri) !== undefined || IMPORTS_ENGINE.test(doc.getText()));
}

export class LiveMode implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly runs: RunController) {
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument((doc) => this.onSave(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => this.onType(e)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("backpropNinja.liveMode")) this.syncContext();
      }),
    );
    this.syncContext();
  }

  private syncContext(): void {
    void vscode.commands.executeCommand("setContext", ContextKey.LiveMode, readConfig().liveMode);
  }

  private onSave(doc: vscode.TextDocument): void {
    const cfg = readConfig();
    if (!cfg.liveMode || !isTrusted() || !isExercise(doc, this.runs)) return;
    this.cancelTyping();
    void this.runs.run(doc, "save", cfg.runTimeout * 1000);
  }

  private onType(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) return;
    const cfg = readConfig();
    if (!cfg.liveMode || !cfg.runOnType || !isTrusted() || !isExercise(e.document, this.runs)) return;
    this.cancelTyping();
    const doc = e.document;
    this.typingTimer = setTimeout(() => {
      this.typingTimer = undefined;
      if (!doc.isClosed) void this.runs.run(doc, "type", cfg.runTimeout * 1000);
    }, cfg.runOnTypeDelay);
  }

  private cancelTyping(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = undefined;
  }

  dispose(): void {
    this.cancelTyping();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

// The gradient panel's host side: one webview panel (createOrShow / revive through a serializer),
// fed whole snapshots of the last run over the typed protocol of src/protocol/messages.ts. The UI
// itself lives in webview/ and is built to dist/webview/.
import * as vscode from "vscode";
import { CommandId } from "./commands/ids";
import type { FiniteDifferenceReport, ValueRoot } from "../protocol/trace";
import { hostBridge, type HostBridge } from "./panelProtocol";
import type { RunController, RunRecord } from "./runs";

export const PANEL_VIEW_TYPE = "backpropNinja.gradientPanel";

export interface PanelRendered {
  uri?: string;
  /** document version of the run the panel now shows */
  version?: number;
  /** performance.now() when the host heard of it */
  at: number;
  /** Date.now() in the webview when its DOM showed the run (no return trip in it) */
  webviewAt?: number;
  /** Date.now() in the webview when the snapshot arrived, and in the host when it was posted */
  receivedAt?: number;
  postedAt?: number;
  /** of the transport: how long the message then waited in the webview's task queue */
  queuedMs?: number;
}

/** Fires when the panel reports that its DOM shows a new snapshot (save → panel timings use it). */
export const panelRendered = new vscode.EventEmitter<PanelRendered>();
const SVG_TIMEOUT_MS = 15_000;
const RUNNING_REFRESH_MS = 100;

export interface ShowOptions {
  preserveFocus?: boolean;
}

export class GradientPanel implements vscode.Disposable {
  static current: GradientPanel | undefined;

  private readonly _disposables: vscode.Disposable[] = [];
  private readonly bridge: HostBridge;
  private ready = false;
  private markReady: () => void = () => {};
  /** resolves once the webview has said `ready` (messages posted earlier could be lost) */
  private readonly whenReady = new Promise<void>((resolve) => { this.markReady = resolve; });
  private pendingSelection: number | undefined;
  private pendingFiniteDifference: { uri: string; report: FiniteDifferenceReport } | undefined;
  private lastRunningId: number | undefined;
  /** when the last snapshot was posted (Date.now()), for the timings */
  private posted: { version?: number; at: number } | undefined;
  private lastRunningPost = 0;
  private runningTimer: ReturnType<typeof setTimeout> | undefined;
  /** the record of the last snapshot sent: the one `requestDetail` reads */
  private shown: RunRecord | undefined;
  /** the webview was told the snapshot it shows is stale */
  private staleSent = false;

  /**
   * Sends each finished run to the open panel. Activation subscribes this before the editor's
   * features (CodeLens, Problems, status bar), so the snapshot is the first message of a result to
   * reach the workbench.
   */
  static followRuns(runs: RunController): vscode.Disposable {
    return runs.onDidFinish(() => GradientPanel.current?.sendSnapshot());
  }

  static createOrShow(context: vscode.ExtensionContext, runs: RunController, opts: ShowOptions = {}): GradientPanel {
    // beside the exercise (a script or a notebook), not over it
    const beside = vscode.window.activeTextEditor || vscode.window.activeNotebookEditor;
    const column = beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    if (GradientPanel.current) {
      GradientPanel.current.panel.reveal(undefined, opts.preserveFocus);
      return GradientPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      "Gradients",
      { viewColumn: column, preserveFocus: opts.preserveFocus },
      GradientPanel.webviewOptions(context),
    );
    GradientPanel.current = new GradientPanel(panel, context, runs);
    return GradientPanel.current;
  }

  /** Called by the serializer when VS Code restores the panel after a reload. */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, runs: RunController): GradientPanel {
    panel.webview.options = GradientPanel.webviewOptions(context);
    GradientPanel.current?.dispose();
    GradientPanel.current = new GradientPanel(panel, context, runs);
    return GradientPanel.current;
  }

  private static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false, // the webview keeps its own state with setState
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, "dist", "webview")],
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly runs: RunController,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, "media", "icon.png");
    this.bridge = hostBridge(panel.webview, {
      ready: () => {
        this.ready = true;
        this.markReady();
        if (context.extensionMode !== vscode.ExtensionMode.Production) this.bridge.debug(true);
        this.sendSnapshot();
        this.sendRunning();
        if (this.pendingSelection !== undefined) this.selectComparison(this.pendingSelection);
        if (this.pendingFiniteDifference) this.showFiniteDifference(this.pendingFiniteDifference.uri, this.pendingFiniteDifference.report);
      },
      reveal: (uri, line, column, cell) => void vscode.commands.executeCommand(CommandId.RevealLine, uri, line, column, cell),
      stop: () => void vscode.commands.executeCommand(CommandId.Stop),
      run: (uri) => void vscode.commands.executeCommand(CommandId.Run, uri ? vscode.Uri.parse(uri) : undefined),
      exportSvg: () => void vscode.commands.executeCommand(CommandId.ExportSvg),
      detailSource: () => this.shown,
      rendered: (m) => panelRendered.fire({
        uri: m.uri, version: m.version, at: performance.now(), webviewAt: m.at, receivedAt: m.receivedAt, queuedMs: m.queuedMs,
        postedAt: this.posted && this.posted.version === m.version ? this.posted.at : undefined,
      }),
    });
    panel.webview.html = this.html();
    this._disposables.push(
      this.bridge,
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.ready) this.sendSnapshot();
      }),
      runs.onDidChangeState(() => this.sendRunning()),
      runs.onDidProgress(({ partial }) => {
        if (partial !== undefined && this.ready) this.bridge.partial(partial);
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        const rec = this.runs.last();
        if (!this.ready || !rec || e.textEditor.document.uri.toString() !== rec.uri.toString()) return;
        this.bridge.cursor(rec.uri.toString(), e.selections[0].active.line);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const rec = this.runs.last();
        if (this.ready && !this.staleSent && rec && e.document.uri.toString() === rec.uri.toString()) {
          this.staleSent = true;
          this.bridge.stale(true); // once per snapshot, not on every keystroke
        }
      }),
    );
  }

  /** Selects a comparison (its index in the last run's list) in the panel's table. */
  selectComparison(index: number): void {
    if (!this.ready) {
      this.pendingSelection = index;
      return;
    }
    this.pendingSelection = undefined;
    this.bridge.selectComparison(index);
  }

  /** Draws a micrograd root of `uri`'s run (Show Value graph at cursor), once the webview is ready. */
  showValue(uri: string, root: ValueRoot): void {
    void this.whenReady.then(() => this.bridge.showValue(uri, root.name, root.line, root.id));
  }

  /** Shows a finite-difference check in its tensor's drawer (the webview keeps it across reloads). */
  showFiniteDifference(uri: string, report: FiniteDifferenceReport): void {
    if (!this.ready) {
      this.pendingFiniteDifference = { uri, report };
      return;
    }
    this.pendingFiniteDifference = undefined;
    this.bridge.finiteDifference(uri, report);
  }

  /** The graph as the panel renders it, as a standalone SVG document. */
  async requestSvg(): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const loaded = await Promise.race([
      this.whenReady.then(() => true),
      new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), SVG_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    if (!loaded) throw new Error(`the gradient panel did not load within ${SVG_TIMEOUT_MS / 1000} s`);
    return this.bridge.requestSvg(SVG_TIMEOUT_MS);
  }

  /** Posts the last run to the webview (again). */
  sendSnapshot(): void {
    if (!this.ready) return;
    const rec: RunRecord | undefined = this.runs.last();
    this.shown = rec;
    this.posted = { version: rec?.version, at: Date.now() };
    this.staleSent = rec ? this.runs.isStale(rec) : false;
    this.bridge.snapshot(rec, this.staleSent);
  }

  /**
   * Progress comes with every cmp and training step: post it at most every 100 ms (the webview draws
   * once a frame anyway), but a start or an end of a run at once — the end precedes the snapshot.
   */
  private sendRunning(): void {
    if (!this.ready) return;
    const r = this.runs.running;
    const id = r?.id;
    if (id === undefined && this.lastRunningId === undefined) return; // the webview already shows none
    const wait = this.lastRunningPost + RUNNING_REFRESH_MS - Date.now();
    if (id !== this.lastRunningId || wait <= 0) {
      clearTimeout(this.runningTimer);
      this.runningTimer = undefined;
      this.lastRunningId = id;
      this.lastRunningPost = Date.now();
      this.bridge.running(r ? { uri: r.uri.toString(), startedAt: r.startedAt, progress: r.progress } : undefined);
      return;
    }
    this.runningTimer ??= setTimeout(() => {
      this.runningTimer = undefined;
      this.lastRunningPost = 0;
      this.sendRunning();
    }, wait);
  }

  private html(): string {
    const webview = this.panel.webview;
    const root = vscode.Uri.joinPath(this.context.extensionUri, "dist", "webview");
    const script = webview.asWebviewUri(vscode.Uri.joinPath(root, "main.js"));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(root, "main.css"));
    const nonce = makeNonce();
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data: blob:`,
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `worker-src ${webview.cspSource} blob:`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}" nonce="${nonce}">
<title>Gradients</title>
</head>
<body>
<div id="root" data-nonce="${nonce}"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    clearTimeout(this.runningTimer);
    if (GradientPanel.current === this) GradientPanel.current = undefined;
    this.panel.dispose();
    for (const d of this._disposables.splice(0)) d.dispose();
  }
}

export function registerPanelSerializer(context: vscode.ExtensionContext, runs: RunController): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
      GradientPanel.revive(panel, context, runs);
    },
  });
}

function makeNonce(): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

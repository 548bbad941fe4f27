// Activation: wires the run controller to the editor features (status bar, CodeLens, hovers,
// Problems, live mode, panel) and registers the commands. Nothing heavy is loaded here: the runner
// (and through it the engine) is imported on the first run.
import * as vscode from "vscode";
import { CmpCodeLensProvider } from "./codeLens";
import { registerAllCommands } from "./commands";
import { DiagnosticsReporter } from "./diagnostics";
import { TypesQuickFix } from "./editorTypes";
import { trackExerciseEditors } from "./exerciseEditors";
import { TensorHoverProvider } from "./hover";
import { LiveMode } from "./liveMode";
import { Log } from "./log";
import { NOTEBOOK_CELL_SCHEME } from "./notebookCells";
import { NotebookKernel } from "./kernel";
import { GradientPanel, panelRendered, registerPanelSerializer, type PanelRendered } from "./panel";
import { RunController, type Executor } from "./runs";
import { StatusBar } from "./statusBar";

const SELECTOR: vscode.DocumentFilter[] = [
  { scheme: "file", language: "typescript" },
  { scheme: "file", language: "javascript" },
  { scheme: "file", language: "python" },
];
/** a notebook's Python cells: CodeLens and hovers read the notebook's run */
const NOTEBOOK_CELLS: vscode.DocumentFilter = { scheme: NOTEBOOK_CELL_SCHEME, language: "python" };

/** What the tests of the extension (test/extension) reach through `exports`. */
export interface BackpropNinjaApi {
  runs: RunController;
  activationMs: number;
  /** the gradient panel's DOM shows a new snapshot */
  onDidRenderPanel: vscode.Event<PanelRendered>;
  /** posts the last run to the open panel again (the timings measure the transport alone with it) */
  resendToPanel(): void;
  /** the notebook controller (kernel) of Jupyter notebooks */
  kernel: NotebookKernel;
}

export function activate(context: vscode.ExtensionContext): BackpropNinjaApi {
  const t0 = performance.now();
  const log = new Log();
  let executor: Promise<Executor> | undefined;
  const loadExecutor = (): Promise<Executor> => {
    executor ??= import("./executor").then((m) => m.createExecutor(context, log));
    executor.catch(() => { executor = undefined; }); // a failed load may succeed after a rebuild
    return executor;
  };
  const runs = new RunController(loadExecutor, log);
  const codeLens = new CmpCodeLensProvider(runs);
  const kernel = new NotebookKernel(context, runs, log);
  context.subscriptions.push(
    log,
    runs,
    GradientPanel.followRuns(runs), // first: a run's result reaches the panel before the editor's updates
    new StatusBar(runs),
    new DiagnosticsReporter(runs),
    new LiveMode(runs),
    trackExerciseEditors(),
    codeLens,
    // and in a notebook's Python cells, which read the notebook's run (its kernel's state)
    vscode.languages.registerCodeLensProvider([...SELECTOR, NOTEBOOK_CELLS], codeLens),
    vscode.languages.registerHoverProvider([...SELECTOR, NOTEBOOK_CELLS], new TensorHoverProvider(runs)),
    vscode.languages.registerCodeActionsProvider(SELECTOR.filter((f) => f.language !== "python"), new TypesQuickFix(), { providedCodeActionKinds: TypesQuickFix.kinds }),
    registerPanelSerializer(context, runs),
    kernel,
    panelRendered,
    vscode.workspace.onDidGrantWorkspaceTrust(() => log.info("workspace trusted: runs enabled")),
  );
  registerAllCommands({ context, runs, log, kernel });
  const activationMs = performance.now() - t0;
  log.info(`activated in ${activationMs.toFixed(1)} ms${vscode.workspace.isTrusted ? "" : " (restricted mode: runs disabled until the workspace is trusted)"}`);
  return { runs, activationMs, onDidRenderPanel: panelRendered.event, resendToPanel: () => GradientPanel.current?.sendSnapshot(), kernel };
}

export function deactivate(): void {
  // everything is in context.subscriptions
}

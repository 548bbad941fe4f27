// What the command handlers share: the extension context, the run controller and the log.
import type * as vscode from "vscode";
import type { NotebookKernel } from "../kernel";
import type { Log } from "../log";
import type { RunController } from "../runs";

export interface Services {
  context: vscode.ExtensionContext;
  runs: RunController;
  log: Log;
  kernel: NotebookKernel;
}

// Registers every command of the extension; the ids are in ./ids.ts, one handler per file.
import * as vscode from "vscode";
import { addTypes } from "./addTypes";
import { checkGradient } from "./checkGradient";
import { choosePythonBackend } from "./choosePythonBackend";
import { downloadNames } from "./downloadNames";
import { exportSvg } from "./exportSvg";
import { CommandId } from "./ids";
import { newExercise } from "./newExercise";
import { restartKernel } from "./restartKernel";
import { revealLine } from "./revealLine";
import { runExercise } from "./runExercise";
import type { Services } from "./services";
import { showPanel } from "./showPanel";
import { showValueAtCursor } from "./showValueAtCursor";
import { stopRun } from "./stopRun";
import { toggleLiveMode } from "./toggleLiveMode";

export function registerAllCommands(s: Services): void {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const handlers: Record<CommandId, (...args: any[]) => unknown> = {
    [CommandId.Run]: runExercise(s),
    [CommandId.NewExercise]: newExercise(s),
    [CommandId.ShowPanel]: showPanel(s),
    [CommandId.Stop]: stopRun(s),
    [CommandId.ToggleLiveMode]: toggleLiveMode(),
    [CommandId.ExportSvg]: exportSvg(s),
    [CommandId.DownloadNames]: downloadNames(s),
    [CommandId.CheckGradient]: checkGradient(s),
    [CommandId.RevealLine]: revealLine(),
    [CommandId.RestartKernel]: restartKernel(s),
    [CommandId.ChoosePythonBackend]: choosePythonBackend(s),
    [CommandId.ShowValueAtCursor]: showValueAtCursor(s),
    [CommandId.AddTypes]: addTypes(s),
  };
  for (const [id, handler] of Object.entries(handlers)) {
    s.context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  }
}

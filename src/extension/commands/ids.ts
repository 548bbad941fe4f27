// The ids of every command the extension contributes (package.json `contributes.commands`).
export enum CommandId {
  Run = "backpropNinja.run",
  NewExercise = "backpropNinja.newExercise",
  ShowPanel = "backpropNinja.showPanel",
  Stop = "backpropNinja.stop",
  ToggleLiveMode = "backpropNinja.toggleLiveMode",
  ExportSvg = "backpropNinja.exportSvg",
  DownloadNames = "backpropNinja.downloadNames",
  CheckGradient = "backpropNinja.checkGradient",
  RestartKernel = "backpropNinja.restartKernel",
  ChoosePythonBackend = "backpropNinja.choosePythonBackend",
  ShowValueAtCursor = "backpropNinja.showValueAtCursor",
  AddTypes = "backpropNinja.addTypes",
  /** internal: CodeLens / hover link target, reveals a line of a file */
  RevealLine = "backpropNinja.revealLine",
}

/** Context keys used in `when` clauses of package.json. */
export const ContextKey = {
  Running: "backpropNinja.running",
  HasTrace: "backpropNinja.hasTrace",
  /** some run of this window made micrograd Values (Show Value graph at cursor) */
  HasValueRoots: "backpropNinja.hasValueRoots",
  LiveMode: "backpropNinja.liveMode",
} as const;

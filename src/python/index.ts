// Python scripts and notebooks, run unchanged through Pyodide with our `torch` (issue 8).
export { runPython, runPythonScript, runNotebook, runNotebookCell, runPythonLive, forgetLiveState } from "./run";
export { loadPython, coldLoadMs, pythonSourceDir } from "./pyodide";
export { notebookCodeCells } from "./notebook";
export type * from "./types";
export { pythonShiftedLoss, type PythonProbeOptions } from "./probe";

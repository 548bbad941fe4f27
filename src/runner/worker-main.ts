// Entry of the bundled worker (dist/runner-worker.js): the worker plus every language it runs.
import { pythonShiftedLoss } from "../python";
import { nudged } from "./finiteDifference";
import { setPythonRunner } from "./worker";
import { runPythonTrace } from "./python";

setPythonRunner(runPythonTrace, (req, name) =>
  pythonShiftedLoss(req.file, name, nudged, { source: req.source, cwd: req.cwd, env: req.env }));

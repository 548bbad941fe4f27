// Entry of the bundled worker (dist/runner-worker.js): the worker plus every language it runs.
import { setPythonRunner } from "./worker";
import { runPythonTrace } from "./python";

setPythonRunner(runPythonTrace);

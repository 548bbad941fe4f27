// Explaining wrong gradients (issue 7): what a teacher would say under a failing cmp row.
export type { ArrayTensor, Diagnosis, DiagnosisKind, DiagnosisContext, Evidence, PathContribution, NamedGradient } from "./types";
export { diagnoseGradient } from "./analyze";
export { spelling, type Spelling } from "./spelling";
export { firstWrong, type ComparedGradient, type WrongGradientReport, type FirstWrongResult, type FirstWrongOptions, type GradientRole } from "./firstWrong";
export { formatDiagnosis, formatDiagnosedTable, formatDiagnosisSummary, kindLabel, type RowRole } from "./format";
export { nameFactor, passesCmp } from "./numeric";
export { DiagnosisRecorder } from "./recorder";
export { diagnoseRun, type DiagnoseRunInput, type RunDiagnosis, type GradientRow, type RecordedComparison, type Describe, type TensorLabel, type NonFiniteEvent } from "./run";
export { captureGraph, replay, type CapturedGraph } from "./graph";
export { attachDiagnoses, toDiagnosisInfo } from "./trace";

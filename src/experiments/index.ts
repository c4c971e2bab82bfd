/**
 * Experiments: typed configs and presets for every paper run, and a runner that makes each run a
 * reproducible, resumable, cached object on disk (runs/<key>/).
 */
export {
  validateConfig,
  defaultCheckpointEpochs,
  maxExactBatch,
  optimizerForEpoch,
  stepsPerEpoch,
  DATASET_INFO,
  type ExperimentConfig,
  type ResolvedConfig,
  type ResolvedOptimizer,
  type DatasetSpec,
  type ModelSpec,
  type BatchSpec,
  type SwitchSpec,
} from './config.js';
export { CODE_VERSION, codeVersion, packageVersion, canonicalJson, runKey } from './key.js';
export { withoutTimings, TIMING_COLUMNS, type EventRow, type StepRow, type EvalRow, type FailedRow } from './events.js';
export {
  RUNS_DIR_ENV,
  runsRoot,
  runPaths,
  epochCheckpointPath,
  inspectRun,
  listRuns,
  type RunPaths,
  type RunState,
  type DoneRecord,
  type ConfigRecord,
} from './store.js';
export { evaluate, type EvalData } from './evaluate.js';
export { progressReporter, formatDuration, type ProgressEvent } from './progress.js';
export { runExperiment, loadExperimentData, RunMissingError, type RunOptions, type RunResult } from './runner.js';
export { buildPlan, validatePlan, readPlan, planEntry, runPlanEntry, PLAN_FORMAT, type Plan, type PlanEntry, type PlanTotals, type PlanRequest, type PlanMeta } from './plan.js';
export { estimateRun, forwardFlops, modelBytes, BENCHMARK_STEPS, DEVICES, type Device, type RunEstimate, type BenchmarkStep } from './cost.js';
export { slurmScript, k8sManifest, type EmitOptions } from './emit.js';
export { resultsRows, resultsFrame, readRun, type TableRow, type RowKind, type DataFrame } from './frame.js';
export {
  preset,
  listPresets,
  fallback,
  presetOrFallback,
  cifar10Available,
  deepMerge,
  PAPER_LR,
  BEYOND_PAPER_LR,
  DAMPED_GN_LAMBDA0,
  APPROX_GN_MEDIUM_HIDDEN,
  QUICK,
  PROFILES,
  FALLBACK_NOTE,
  type Profile,
  type PresetOptions,
  type DeepPartial,
} from './presets.js';
export { PAPER, paperLrText, paperModelText, type PaperData, type PaperMode } from './paper.js';

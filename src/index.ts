/**
 * exact-gn: exact Gauss-Newton optimization in deep reversible networks on TensorFlow.js.
 * Layers, each importing only those above it in this list:
 *   backend, util -> data, linalg, model, io -> gn, optim, metrics -> experiments -> plots -> report
 */
export * from './backend/index.js';
export { ExactGnError, ConfigError, DataError, CheckpointError, NumericalError, BackendError, check } from './util/errors.js';
export { Rng } from './util/rng.js';
export { loadDanfo, MissingPackageError, DANFOJS_INSTALL } from './util/danfo.js';
export * from './linalg/index.js';
export * from './data/index.js';
export * from './model/index.js';
export * from './io/index.js';
export * from './gn/index.js';
export * from './optim/index.js';
export * from './metrics/index.js';
export * from './experiments/index.js';
export * from './plots/index.js';
export * from './report/index.js';

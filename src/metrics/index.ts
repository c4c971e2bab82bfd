/**
 * Diagnostics of training (PAPER.md, "Metrics"): NTK similarity by a random probe, the explicit
 * empirical NTK with kernel alignment and rate of change, linear and debiased CKA of the
 * representations, weight motion per tensor, spectra of the pseudo-inverted matrices, and the
 * post-hoc analysis of a run's checkpoints into plain rows (and a danfojs DataFrame).
 */
export { gramMatrix, crossProduct, cosine, frobeniusDot, PRODUCT_ROUTES } from './matrix.js';
export type { HostMatrix, MatrixInput, ProductRoute, GramOptions } from './matrix.js';
export { randomProbe, outputWidth, NTK_OUTPUTS } from './probe.js';
export type { NtkOutput, ProbeOptions } from './probe.js';
export * from './ntk-probe.js';
export * from './empirical-ntk.js';
export * from './kernel-alignment.js';
export * from './cka.js';
export * from './representation-cka.js';
export * from './weight-motion.js';
export * from './block-spectra.js';
export * from './rows.js';
export * from './analyze.js';

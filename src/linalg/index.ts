/**
 * Host-side Float64 linear algebra for the exact GN step: symmetric eigendecomposition,
 * Cholesky, and the Gram-matrix pseudo-inverse solve C = (A A^T)^+ T. Pure TypeScript on
 * row-major Float64Arrays, no dependencies.
 */
export { symEig, symEigvals } from './sym-eig.js';
export type { SymEigResult } from './sym-eig.js';
export { cholesky, choleskySolve } from './cholesky.js';
export type { CholeskyOptions } from './cholesky.js';
export { factoredPinvSolve, gramPinvSolve, PINV_METHODS } from './gram-pinv.js';
export type { GramPinvOptions, GramPinvResult, PinvMethod } from './gram-pinv.js';
export { singularValuesFromGram } from './singular-values.js';
export { powerIterationMax, inverseIterationMin, spectralRadiusBound } from './extreme-eigs.js';
export type { PowerIterationOptions } from './extreme-eigs.js';
export { orthonormalColumns } from './orthonormal.js';

/**
 * Cheap estimates of the extreme eigenvalues of a symmetric matrix, for the solver's fast path
 * and condition numbers: power iteration (largest), inverse iteration with a Cholesky factor
 * (smallest), and rigorous upper bounds on the spectral radius.
 */
import { Rng } from '../util/rng.js';
import { matVec, norm2 } from './dense.js';

/** Options of {@link powerIterationMax}. */
export interface PowerIterationOptions {
  /** Most iterations. Default 300. */
  maxIter?: number;
  /** Stop when the Rayleigh quotient changes by less than this, relatively. Default 1e-10. */
  rtol?: number;
  /** Seed of the random start vector. Default 0x5eed. */
  seed?: number;
}

/**
 * Estimate of the largest eigenvalue of the symmetric PSD n x n matrix `a` by power iteration
 * from a seeded random start (the Rayleigh quotient of the last iterate). It never exceeds the
 * true value (a Rayleigh quotient), and it is close to it unless the start vector is almost
 * orthogonal to the top eigenvectors, which has negligible probability for a Gaussian start.
 * Returns 0 for the zero matrix.
 *
 * @example
 * powerIterationMax(Float64Array.from([2, 1, 1, 2]), 2); // ≈ 3
 */
export function powerIterationMax(a: Float64Array, n: number, opts: PowerIterationOptions = {}): number {
  const maxIter = opts.maxIter ?? 300;
  const rtol = opts.rtol ?? 1e-10;
  const x = Float64Array.from(new Rng(opts.seed ?? 0x5eed).normalArray(n, 1));
  const y = new Float64Array(n);
  scale(x, 1 / norm2(x));
  let rho = 0;
  for (let it = 0; it < maxIter; it++) {
    matVec(a, n, x, y);
    let q = 0;
    for (let i = 0; i < n; i++) q += x[i]! * y[i]!;
    const ny = norm2(y);
    if (ny === 0) return 0;
    x.set(y);
    scale(x, 1 / ny);
    const done = it > 0 && Math.abs(q - rho) <= rtol * Math.abs(q);
    rho = q;
    if (done) break;
  }
  return rho;
}

/**
 * Estimate of the smallest eigenvalue of the symmetric positive definite matrix L L^T by
 * inverse iteration with its lower Cholesky factor `l`: 1 / (largest eigenvalue of (L L^T)^-1),
 * the latter a Rayleigh quotient, so the estimate is >= the true value (close after a few
 * iterations unless the start vector is unlucky).
 *
 * @example
 * const l = cholesky(Float64Array.from([2, 1, 1, 2]), 2)!;
 * inverseIterationMin(l, 2); // ≈ 1
 */
export function inverseIterationMin(l: Float64Array, n: number, opts: PowerIterationOptions = {}): number {
  const maxIter = opts.maxIter ?? 50;
  const rtol = opts.rtol ?? 1e-6;
  const x = Float64Array.from(new Rng(opts.seed ?? 0x5eed).normalArray(n, 1));
  scale(x, 1 / norm2(x));
  const y = new Float64Array(n);
  let mu = 0;
  for (let it = 0; it < maxIter; it++) {
    y.set(x);
    solveVector(l, n, y);
    let q = 0;
    for (let i = 0; i < n; i++) q += x[i]! * y[i]!;
    const ny = norm2(y);
    x.set(y);
    scale(x, 1 / ny);
    const done = it > 0 && Math.abs(q - mu) <= rtol * Math.abs(q);
    mu = q;
    if (done) break;
  }
  return 1 / mu;
}

/**
 * A rigorous upper bound on the spectral radius of the symmetric matrix `a`:
 * min(largest absolute row sum, Frobenius norm).
 *
 * @example
 * spectralRadiusBound(Float64Array.from([2, 1, 1, 2]), 2); // 3
 */
export function spectralRadiusBound(a: Float64Array, n: number): number {
  let rowMax = 0;
  let fro = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) {
      const v = a[i * n + j]!;
      s += Math.abs(v);
      fro += v * v;
    }
    rowMax = Math.max(rowMax, s);
  }
  return Math.min(rowMax, Math.sqrt(fro));
}

/** x *= f. */
function scale(x: Float64Array, f: number): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * f;
}

/** Solves L L^T y = y for one vector in place. */
function solveVector(l: Float64Array, n: number, y: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = y[i]!;
    for (let j = 0; j < i; j++) s -= l[ri + j]! * y[j]!;
    y[i] = s / l[ri + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const yi = y[i]! / l[ri + i]!;
    y[i] = yi;
    for (let j = 0; j < i; j++) y[j] = y[j]! - l[ri + j]! * yi;
  }
}

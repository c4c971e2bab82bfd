/**
 * Cholesky factorization A = L L^T of a symmetric positive definite matrix, and solves with it.
 * Row-major, row-oriented (every inner loop is a dot product or an axpy of contiguous rows).
 */
import { check } from '../util/errors.js';
import { checkRhs, checkSquare, rhsBlockWidth } from './dense.js';

/** Options of {@link cholesky}. */
export interface CholeskyOptions {
  /** Factor A - shift * I instead of A (a negative shift adds to the diagonal). Default 0. */
  shift?: number;
  /**
   * A pivot (the diagonal of L, squared) at or below this value counts as "not positive
   * definite" and makes the factorization fail. Default 0.
   */
  pivotTol?: number;
}

/**
 * Lower Cholesky factor L (row-major n x n, zeros above the diagonal) of the symmetric matrix
 * `a` (only its lower triangle is read), or `null` if it is not positive definite (a pivot is
 * <= `pivotTol` or not finite). With `shift`, factors A - shift * I without copying A: by
 * Sylvester's law of inertia that succeeds exactly when every eigenvalue of A exceeds `shift`
 * (up to rounding).
 *
 * @example
 * const l = cholesky(Float64Array.from([4, 2, 2, 3]), 2); // [2, 0, 1, 1.414...]
 * cholesky(Float64Array.from([1, 2, 2, 1]), 2);            // null (eigenvalues 3 and -1)
 */
export function cholesky(a: Float64Array, n: number, opts: CholeskyOptions = {}): Float64Array | null {
  checkSquare(a, n, 'cholesky.a');
  const shift = opts.shift ?? 0;
  const pivotTol = opts.pivotTol ?? 0;
  check(Number.isFinite(shift), 'cholesky.shift', () => `must be a finite number, got ${shift}`);
  check(pivotTol >= 0 && Number.isFinite(pivotTol), 'cholesky.pivotTol', () => `must be a finite number >= 0, got ${pivotTol}`);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= l[ri + k]! * l[rj + k]!;
      l[ri + j] = s / l[rj + j]!;
    }
    let s = a[ri + i]! - shift;
    for (let k = 0; k < i; k++) s -= l[ri + k]! * l[ri + k]!;
    if (!(s > pivotTol)) return null; // also catches NaN
    l[ri + i] = Math.sqrt(s);
  }
  return l;
}

/**
 * Solves (L L^T) X = B for the n x m right-hand sides `b` (row-major), given the lower Cholesky
 * factor `l` from {@link cholesky}. Returns X (n x m); `b` is not modified.
 *
 * @example
 * const l = cholesky(Float64Array.from([4, 2, 2, 3]), 2)!;
 * choleskySolve(l, 2, Float64Array.from([6, 5]), 1); // ≈ [1, 1]
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  checkSquare(l, n, 'choleskySolve.l');
  checkRhs(b, n, m, 'choleskySolve.b');
  const x = Float64Array.from(b);
  choleskySolveInPlace(l, n, x, m);
  return x;
}

/** In-place version of {@link choleskySolve}: `x` holds B on entry and X on return. */
export function choleskySolveInPlace(l: Float64Array, n: number, x: Float64Array, m: number): void {
  const width = rhsBlockWidth(n, m);
  for (let c0 = 0; c0 < m; c0 += width) {
    const c1 = Math.min(m, c0 + width);
    forwardBlock(l, n, x, m, c0, c1);
    backwardBlock(l, n, x, m, c0, c1);
  }
}

/** L Y = B on columns c0..c1-1 of x (in place): row i -= sum_j L[i][j] row j, then / L[i][i]. */
function forwardBlock(l: Float64Array, n: number, x: Float64Array, m: number, c0: number, c1: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const xi = i * m;
    let j = 0;
    for (; j + 4 <= i; j += 4) {
      const f0 = l[ri + j]!;
      const f1 = l[ri + j + 1]!;
      const f2 = l[ri + j + 2]!;
      const f3 = l[ri + j + 3]!;
      const x0 = j * m;
      const x1 = x0 + m;
      const x2 = x1 + m;
      const x3 = x2 + m;
      for (let c = c0; c < c1; c++) x[xi + c] = x[xi + c]! - (f0 * x[x0 + c]! + f1 * x[x1 + c]! + f2 * x[x2 + c]! + f3 * x[x3 + c]!);
    }
    for (; j < i; j++) {
      const f = l[ri + j]!;
      const xj = j * m;
      for (let c = c0; c < c1; c++) x[xi + c] = x[xi + c]! - f * x[xj + c]!;
    }
    const inv = 1 / l[ri + i]!;
    for (let c = c0; c < c1; c++) x[xi + c] = x[xi + c]! * inv;
  }
}

/**
 * L^T X = Y on columns c0..c1-1 of x (in place), bottom row first:
 * row i = (row i - sum_{j>i} L[j][i] row j) / L[i][i], four rows j at a time.
 */
function backwardBlock(l: Float64Array, n: number, x: Float64Array, m: number, c0: number, c1: number): void {
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * m;
    let j = i + 1;
    for (; j + 4 <= n; j += 4) {
      const f0 = l[j * n + i]!;
      const f1 = l[(j + 1) * n + i]!;
      const f2 = l[(j + 2) * n + i]!;
      const f3 = l[(j + 3) * n + i]!;
      const x0 = j * m;
      const x1 = x0 + m;
      const x2 = x1 + m;
      const x3 = x2 + m;
      for (let c = c0; c < c1; c++) x[xi + c] = x[xi + c]! - (f0 * x[x0 + c]! + f1 * x[x1 + c]! + f2 * x[x2 + c]! + f3 * x[x3 + c]!);
    }
    for (; j < n; j++) {
      const f = l[j * n + i]!;
      const xj = j * m;
      for (let c = c0; c < c1; c++) x[xi + c] = x[xi + c]! - f * x[xj + c]!;
    }
    const inv = 1 / l[i * n + i]!;
    for (let c = c0; c < c1; c++) x[xi + c] = x[xi + c]! * inv;
  }
}

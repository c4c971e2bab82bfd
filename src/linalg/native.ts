/**
 * Optional native (LAPACK/BLAS) kernels for the host-side float64 solves. Nothing here is required:
 * with no implementation installed, every routine of src/linalg runs in pure TypeScript. The `blas`
 * backend (src/backend/blas.ts) installs one backed by OpenBLAS when its addon is built; tests install
 * and remove it to compare both paths.
 *
 * Every matrix is a row-major Float64Array; the same contracts as the pure-TS routines hold.
 */

/** What a native linear-algebra provider implements (all synchronous, inputs never modified). */
export interface NativeLinalg {
  /** Short description, e.g. "OpenBLAS 0.3.21 (LAPACK dsyevd/dpotrf)". */
  readonly name: string;
  /**
   * Eigenvalues ascending and eigenvectors as rows (row k belongs to values[k]) of the symmetric
   * n x n matrix `a` (only assumed symmetric; callers pass a symmetrized copy).
   */
  symEigRows(a: Float64Array, n: number): { values: Float64Array; rows: Float64Array };
  /** Eigenvalues only, ascending. */
  symEigvals(a: Float64Array, n: number): Float64Array;
  /**
   * Lower Cholesky factor (row-major, zeros above the diagonal) of A - shift * I, reading only the
   * lower triangle of `a`; null when a pivot is <= pivotTol (not positive definite).
   */
  cholesky(a: Float64Array, n: number, shift: number, pivotTol: number): Float64Array | null;
  /** x <- (L L^T)^{-1} x for the n x m right-hand sides `x` (in place). */
  choleskySolveInPlace(l: Float64Array, n: number, x: Float64Array, m: number): void;
  /** c = op(a) op(b) (m x n): op(a) m x k (a is k x m when transA), op(b) k x n (b is n x k when transB). */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float64Array, b: Float64Array, c: Float64Array): void;
}

let current: NativeLinalg | null = null;

/**
 * Installs (or, with null, removes) the native provider consulted by the solvers in src/linalg.
 * Returns the previous one so callers can restore it.
 *
 * @example
 * const previous = setNativeLinalg(null);   // force pure TypeScript
 * try { gramPinvSolve(g, n, t, m); } finally { setNativeLinalg(previous); }
 */
export function setNativeLinalg(impl: NativeLinalg | null): NativeLinalg | null {
  const previous = current;
  current = impl;
  return previous;
}

/**
 * The installed native provider, or null (pure TypeScript).
 *
 * @example
 * console.log(nativeLinalg()?.name ?? 'pure TypeScript');
 */
export function nativeLinalg(): NativeLinalg | null {
  return current;
}

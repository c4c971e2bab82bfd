/**
 * Full symmetric eigendecomposition: Householder tridiagonalization, then implicit QL with
 * shifts, with all loops along rows of row-major storage.
 */
import { checkFinite, checkSquare, symmetricPart, transpose } from './dense.js';
import { tridiagonalize } from './tridiagonalize.js';
import { tridiagonalQl } from './tridiagonal-ql.js';

/** Eigenvalues ascending; `vectors` row-major n x n with eigenvector k in COLUMN k. */
export interface SymEigResult {
  values: Float64Array;
  vectors: Float64Array;
}

/**
 * Eigendecomposition A = V diag(values) V^T of the symmetric n x n matrix `a` (row-major).
 * Eigenvalues come ascending, eigenvector k is column k of `vectors` (orthonormal). The input
 * is not modified; if it is not exactly symmetric, its symmetric part (A + A^T)/2 is used.
 * Throws NumericalError for non-finite input.
 *
 * @example
 * const { values, vectors } = symEig(Float64Array.from([2, 1, 1, 2]), 2);
 * // values = [1, 3]; column 0 of vectors is ±[1, -1]/sqrt(2)
 */
export function symEig(a: Float64Array, n: number): SymEigResult {
  const { values, rows } = symEigRows(a, n);
  return { values, vectors: transpose(rows, n, n) };
}

/**
 * Eigenvalues only (ascending) of the symmetric n x n matrix `a`: skips all eigenvector work,
 * so it costs about a third of {@link symEig}.
 *
 * @example
 * symEigvals(Float64Array.from([2, 1, 1, 2]), 2); // Float64Array [1, 3]
 */
export function symEigvals(a: Float64Array, n: number): Float64Array {
  checkSquare(a, n, 'symEigvals.a');
  checkFinite(a, n, 'symEigvals: the matrix');
  const { work, factor } = scaledSymmetricPart(a, n);
  const t = tridiagonalize(work, n, false);
  tridiagonalQl(t.d, t.e, n);
  return t.d.map((x) => x * factor).sort();
}

/**
 * Like {@link symEig} but returns the eigenvectors as ROWS (`rows`, row k = eigenvector k), the
 * layout the solvers here use without a transpose.
 */
export function symEigRows(a: Float64Array, n: number): { values: Float64Array; rows: Float64Array } {
  checkSquare(a, n, 'symEig.a');
  checkFinite(a, n, 'symEig: the matrix');
  const { work, factor } = scaledSymmetricPart(a, n);
  const t = tridiagonalize(work, n, true);
  const w = t.qt!;
  tridiagonalQl(t.d, t.e, n, w);
  for (let k = 0; k < n; k++) t.d[k] = t.d[k]! * factor;
  return sortAscending(t.d, w, n);
}

/**
 * The symmetric part of `a`, scaled by a power of two (exact) so that its largest entry is
 * near 1, and the factor that undoes the scaling; keeps every intermediate far from overflow
 * and underflow.
 */
function scaledSymmetricPart(a: Float64Array, n: number): { work: Float64Array; factor: number } {
  const work = symmetricPart(a, n);
  let big = 0;
  for (let i = 0; i < work.length; i++) big = Math.max(big, Math.abs(work[i]!));
  if (big === 0) return { work, factor: 1 };
  const factor = 2 ** Math.max(-1000, Math.min(1000, Math.round(Math.log2(big))));
  const inv = 1 / factor;
  for (let i = 0; i < work.length; i++) work[i] = work[i]! * inv;
  return { work, factor };
}

/** Sorts eigenvalues ascending and permutes the eigenvector rows to match. */
function sortAscending(d: Float64Array, w: Float64Array, n: number): { values: Float64Array; rows: Float64Array } {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i]! - d[j]! || i - j);
  const values = new Float64Array(n);
  const rows = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const src = order[k]!;
    values[k] = d[src]!;
    rows.set(w.subarray(src * n, src * n + n), k * n);
  }
  return { values, rows };
}

/**
 * Singular values of A from its Gram matrix G = A A^T, for diagnostics.
 */
import { symEigvals } from './sym-eig.js';

/**
 * Singular values of A (descending) from the n x n Gram matrix G = A A^T: the square roots of
 * G's eigenvalues, with negative rounding noise clamped to 0. Values below about
 * sqrt(eps) * s_max are rounding noise (the Gram matrix squares the condition number).
 *
 * @example
 * singularValuesFromGram(Float64Array.from([9, 0, 0, 4]), 2); // [3, 2]
 */
export function singularValuesFromGram(gram: Float64Array, n: number): Float64Array {
  const values = symEigvals(gram, n); // ascending
  const s = new Float64Array(n);
  for (let k = 0; k < n; k++) s[k] = Math.sqrt(Math.max(values[n - 1 - k]!, 0));
  return s;
}

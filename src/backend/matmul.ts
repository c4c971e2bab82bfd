/**
 * Matrix products with transposes, done the fast way for the active backend. Free of Node builtins
 * (the lecture page runs it in the browser); src/backend/blas.ts re-exports it.
 */
import { tf } from './core.js';

/**
 * True when the active backend multiplies by a transpose without copying it (the `blas` backend:
 * OpenBLAS takes transpose flags for free), so callers can pass transpose flags to tf.matMul
 * instead of materializing the transpose (which on wasm is the faster choice).
 *
 * @example
 * const g = fastTransposeFlags() ? tf.matMul(s, s, false, true) : tf.matMul(s, tf.transpose(s));
 */
export function fastTransposeFlags(): boolean {
  return tf.getBackend() === 'blas';
}

/**
 * op(a) op(b), with the transposes as matMul flags where that is free ({@link fastTransposeFlags})
 * and materialized (then disposed) elsewhere.
 *
 * @example
 * const gram = matMulT(s, s, false, true);   // S S^T
 */
export function matMulT(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean): tf.Tensor2D {
  if (fastTransposeFlags() || (!transposeA && !transposeB)) return tf.matMul(a, b, transposeA, transposeB);
  return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));
}

/** Uploading a host batch to tfjs tensors. */
import { tf } from '../backend/index.js';
import { check } from '../util/errors.js';

/**
 * Makes `x` (n x d float32) and one-hot `y` (n x classes float32) tensors from a host batch.
 * The caller owns (and disposes) the tensors.
 *
 * @example
 * const { x, y } = toTensors(gatherBatch(train, idx), 10);
 * // ... use, then
 * tf.dispose([x, y]);
 */
export function toTensors(batch: { x: Float32Array; y: Int32Array; n: number }, classes: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const { n } = batch;
  check(Number.isInteger(n) && n > 0 && batch.y.length === n, 'batch', () => `has n = ${n} but ${batch.y.length} labels`);
  check(batch.x.length % n === 0, 'batch.x', () => `length ${batch.x.length} is not a multiple of n = ${n}`);
  check(Number.isInteger(classes) && classes > 0, 'classes', () => `must be a positive integer, got ${classes}`);
  const d = batch.x.length / n;
  const onehot = new Float32Array(n * classes);
  for (let r = 0; r < n; r++) {
    const label = batch.y[r]!;
    check(label >= 0 && label < classes, 'batch.y', () => `label ${label} at index ${r} is outside 0..${classes - 1}`);
    onehot[r * classes + label] = 1;
  }
  return { x: tf.tensor2d(batch.x, [n, d], 'float32'), y: tf.tensor2d(onehot, [n, classes], 'float32') };
}

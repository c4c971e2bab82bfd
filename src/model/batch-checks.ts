/**
 * Checks of a training batch shared by every optimizer step: labels against the model's classes,
 * and, when a batch loss comes out non-finite, whether the inputs (not the model) are to blame.
 */
import type { tf } from '../backend/core.js';
import { ConfigError, DataError } from '../util/errors.js';

/**
 * Throws a ConfigError (field `labels`) unless there is one label per row, each in [0, classes).
 *
 * @example
 * checkLabels(new Int32Array([0, 2]), 2, 3); // ok
 * checkLabels(new Int32Array([0, 3]), 2, 3); // ConfigError: labels: label 3 at row 1 is out of range [0, 3)
 */
export function checkLabels(labels: ArrayLike<number>, n: number, classes: number): void {
  if (labels.length !== n) throw new ConfigError('labels', `expected ${n} labels (one per row of x), got ${labels.length}`);
  for (let r = 0; r < n; r++) {
    const c = labels[r]!;
    if (!(Number.isInteger(c) && c >= 0 && c < classes)) {
      throw new ConfigError('labels', `label ${c} at row ${r} is out of range [0, ${classes}); labels are class indices 0..${classes - 1}`);
    }
  }
}

/**
 * A DataError naming the first NaN or infinity of the batch `x` (row and column), or null when x
 * is finite. Called only after a batch loss came out non-finite, so the common path never reads x
 * back: it tells "your inputs hold NaN" apart from "the model has diverged".
 *
 * @example
 * const bad = nonFiniteInputError(tf.tensor2d([[1, NaN]]));
 * bad?.message; // 'x holds NaN at row 0, column 1; inputs must be finite ...'
 */
export function nonFiniteInputError(x: tf.Tensor2D): DataError | null {
  const v = x.dataSync();
  const d = x.shape[1];
  for (let i = 0; i < v.length; i++) {
    const e = v[i]!;
    if (e - e !== 0) {
      return new DataError(
        `x holds ${e} at row ${Math.floor(i / d)}, column ${i % d}; inputs must be finite (check the data source and its normalization)`,
      );
    }
  }
  return null;
}

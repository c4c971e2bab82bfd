/**
 * Checks of a training batch shared by every optimizer step: labels against the model's classes,
 * and, when a batch loss comes out non-finite, whether the inputs (not the model) are to blame.
 */
import { tf as tfjs, type tf } from '../backend/core.js';
import { ConfigError, DataError, NumericalError, show } from '../util/errors.js';
import type { RevMLP } from './revmlp.js';

/**
 * Checks the arguments of a public step entry (gnUpdate, lossAndGrad, Optimizer.step) before any
 * work: a live model, x a live [n, d] tensor with n >= 1, one integer label per row in range,
 * and options (when given) an object. Each failure is a ConfigError naming the argument, the
 * value and what to do, never a TypeError from deep inside, and never "the model has diverged".
 *
 * @example
 * checkStepInputs(model, x, labels, {}); // ok
 * checkStepInputs(model, x, null);       // ConfigError: labels: expected an Int32Array of class indices ...
 */
export function checkStepInputs(model: RevMLP, x: tf.Tensor2D, labels: ArrayLike<number>, options?: unknown): void {
  const m = model as RevMLP | null | undefined;
  if (m === null || typeof m !== 'object' || m.config === undefined || !(m.U instanceof tfjs.Tensor)) {
    throw new ConfigError('model', `expected a RevMLP (RevMLP.init or loadCheckpoint), got ${show(model)}`);
  }
  if (m.U.isDisposed || m.params.some((b) => b.f.Wt.isDisposed || b.g.Wt.isDisposed)) {
    throw new ConfigError('model', 'has been disposed (model.dispose() was called); create or load the model again');
  }
  if (!((x as unknown) instanceof tfjs.Tensor)) {
    throw new ConfigError('x', `expected a tf.Tensor2D of shape [n, ${m.config.inputDim}], got ${show(x)}; wrap the data with tf.tensor2d(data, [n, ${m.config.inputDim}])`);
  }
  if (x.isDisposed) throw new ConfigError('x', 'has been disposed; create the batch tensor again');
  if (x.rank !== 2 || x.shape[1] !== m.config.inputDim) {
    throw new ConfigError('x', `expected a batch of shape [n, ${m.config.inputDim}], got [${x.shape.join(', ')}]`);
  }
  if (x.shape[0] === 0) throw new ConfigError('x', `the batch is empty (0 rows of ${m.config.inputDim}); a step needs at least one example`);
  const l = labels as ArrayLike<number> | null | undefined;
  if (l === null || typeof l !== 'object' || typeof l.length !== 'number') {
    throw new ConfigError('labels', `expected an Int32Array of ${x.shape[0]} class indices (one per row of x), got ${show(labels)}`);
  }
  checkLabels(l, x.shape[0], m.config.classes);
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new ConfigError('options', `expected an object of options (or leave it out for the defaults), got ${show(options)}`);
  }
}

/**
 * The prologue of every step entry (gnUpdate, lossAndGrad, K-FAC's statistics): the argument
 * checks of {@link checkStepInputs} (labels included), then the batch size n and classes k.
 *
 * @example
 * const { n, k } = checkBatch(model, x, labels); // throws a ConfigError naming the bad argument
 */
export function checkBatch(model: RevMLP, x: tf.Tensor2D, labels: ArrayLike<number>, options?: unknown): { n: number; k: number } {
  checkStepInputs(model, x, labels, options);
  return { n: x.shape[0], k: model.config.classes };
}

/**
 * The batch loss when it is finite; else the error that says why: a DataError naming the first
 * NaN or infinity of x when the inputs hold one, otherwise a NumericalError (the model diverged).
 * `when` names the step in the message, e.g. ' before the GN step'.
 *
 * @example
 * finiteBatchLoss(crossEntropyHost(logits, labels, n, k), x, ' before the K-FAC step');
 */
export function finiteBatchLoss(loss: number, x: tf.Tensor2D, when = ''): number {
  if (Number.isFinite(loss)) return loss;
  throw nonFiniteInputError(x) ?? new NumericalError(`the batch loss is ${loss}${when}: the model has diverged (lower the learning rate)`);
}

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

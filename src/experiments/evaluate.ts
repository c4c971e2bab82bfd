/** Loss and accuracy of a model on a whole dataset, a chunk of rows at a time to bound memory. */
import { tf } from '../backend/index.js';
import { check } from '../util/errors.js';
import { accuracyHost, crossEntropyHost } from '../model/loss.js';
import type { RevMLP } from '../model/revmlp.js';

/** Rows (x [n, d] row-major, integer labels) to evaluate on. */
export interface EvalData {
  x: Float32Array;
  y: Int32Array;
  n: number;
  d: number;
}

/**
 * Mean cross-entropy and accuracy over all `n` rows, `chunk` rows per forward pass. The sums are
 * taken in float64 on the host, so the result does not depend on `chunk` beyond float32 logits.
 *
 * @example
 * const { loss, acc } = evaluate(model, test, 1000);
 */
export function evaluate(model: RevMLP, data: EvalData, chunk = 1000): { loss: number; acc: number } {
  check(Number.isInteger(chunk) && chunk > 0, 'evalChunk', () => `must be a positive integer, got ${chunk}`);
  check(data.n > 0, 'data', () => 'has no rows to evaluate on');
  const k = model.config.classes;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.n; start += chunk) {
    const m = Math.min(chunk, data.n - start);
    const labels = data.y.subarray(start, start + m);
    const logits = tf.tidy(() => {
      const x = tf.tensor2d(data.x.subarray(start * data.d, (start + m) * data.d), [m, data.d]);
      return model.logits(x).dataSync();
    });
    lossSum += crossEntropyHost(logits, labels, m, k) * m;
    correct += Math.round(accuracyHost(logits, labels, m, k) * m);
  }
  return { loss: lossSum / data.n, acc: correct / data.n };
}

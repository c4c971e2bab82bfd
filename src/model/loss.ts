/**
 * Output-side math on the host in float64: the logits are only n x k, so softmax, cross-entropy,
 * accuracy and the GN function-space targets are computed exactly here and never in float32.
 */

/** Row-wise softmax of logits [n, k] (row-major), stable. */
export function softmaxHost(logits: ArrayLike<number>, n: number, k: number): Float64Array {
  const p = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[r * k + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(logits[r * k + c]! - max);
      p[r * k + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) p[r * k + c] = p[r * k + c]! / sum;
  }
  return p;
}

/**
 * Mean cross-entropy of logits [n, k] against integer labels, in float64.
 *
 * @example
 * crossEntropyHost(new Float32Array([0, 0]), new Int32Array([1]), 1, 2); // ln 2
 */
export function crossEntropyHost(logits: ArrayLike<number>, labels: ArrayLike<number>, n: number, k: number): number {
  let total = 0;
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[r * k + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(logits[r * k + c]! - max);
    total += Math.log(sum) + max - logits[r * k + labels[r]!]!;
  }
  return total / n;
}

/** Fraction of rows whose argmax equals the label. */
export function accuracyHost(logits: ArrayLike<number>, labels: ArrayLike<number>, n: number, k: number): number {
  let correct = 0;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (logits[r * k + c]! > logits[r * k + best]!) best = c;
    if (best === labels[r]) correct++;
  }
  return n === 0 ? NaN : correct / n;
}

/**
 * The gradient of the mean cross-entropy w.r.t. the logits, (p - y) / n, as float32 rows [n, k]
 * (p = softmax of the logits, y = one-hot labels).
 *
 * @example
 * meanCrossEntropyGrad(softmaxHost([0, 0], 1, 2), [1], 1, 2); // Float32Array [0.5, -0.5]
 */
export function meanCrossEntropyGrad(p: ArrayLike<number>, labels: ArrayLike<number>, n: number, k: number): Float32Array {
  const g = new Float32Array(n * k);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) g[r * k + c] = (p[r * k + c]! - (labels[r] === c ? 1 : 0)) / n;
  return g;
}

/** One-hot rows [n, k] of integer labels, as float32 (for upload). */
export function oneHot(labels: ArrayLike<number>, n: number, k: number): Float32Array {
  const y = new Float32Array(n * k);
  for (let r = 0; r < n; r++) y[r * k + labels[r]!] = 1;
  return y;
}

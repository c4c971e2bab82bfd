/**
 * Small pieces shared by the optimizers (./optimizers.ts, K-FAC, damped GN): applying an update with weight decay,
 * keeping tensors alive across tidy scopes, refusing a non-finite update, and packing optimizer
 * state for a checkpoint.
 */
import { tf, tidy } from '../backend/core.js';
import { ConfigError, NumericalError } from '../util/errors.js';
import { forEachParam, zipParams, type Params, type RevMLP } from '../model/revmlp.js';

/** theta <- theta - lr * (d + wd * theta); the model takes the new tensors (the old ones are disposed). */
export function applyUpdate(model: RevMLP, d: Params, lr: number, wd: number): void {
  const next = tidy(() =>
    zipParams(model.params, d, (w, g) => (wd > 0 ? tf.sub(w, tf.mul(tf.add(g, tf.mul(w, wd)), lr)) : tf.sub(w, tf.mul(g, lr)))),
  );
  model.setParams(next);
}

/** tf.keep on every tensor of a parameter set; returns it. */
export function keepAll(p: Params): Params {
  forEachParam(p, (_n, t) => tf.keep(t));
  return p;
}

/** Throws a NumericalError naming the first tensor of `p` with a NaN or infinity. */
export function assertFiniteParams(p: Params, what: string, advice: string): void {
  let bad: string | null = null;
  forEachParam(p, (name, t) => {
    if (bad) return;
    const ok = tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0]);
    if (!ok) bad = name;
  });
  if (bad) throw new NumericalError(`${what} has non-finite values in ${bad}: the step was not applied (${advice})`);
}

/** Host copy of a tensor for OptimizerState.tensors. */
export function hostTensor(t: tf.Tensor): { data: Float32Array; shape: number[] } {
  return { data: Float32Array.from(t.dataSync() as Float32Array), shape: [...t.shape] };
}

/** A tensor from OptimizerState.tensors, checked against the expected shape (ConfigError otherwise). */
export function stateTensor(
  tensors: ReadonlyMap<string, { data: Float32Array; shape: number[] }>,
  name: string,
  shape: readonly number[],
  who: string,
): tf.Tensor {
  const s = tensors.get(name);
  if (!s || s.shape.join() !== shape.join() || s.data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new ConfigError(
      'optimizer state',
      `${who} state ${name} is ${s ? `of shape [${s.shape.join(', ')}]` : 'missing'}, expected [${shape.join(', ')}]: ` +
        'the checkpoint was written by another optimizer or model; resume it with the config that wrote it',
    );
  }
  return tf.tensor(s.data, [...shape]);
}

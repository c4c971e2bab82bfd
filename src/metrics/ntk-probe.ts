/**
 * NTK similarity by a random probe (PAPER.md, "Metrics"): with J the Jacobian of the network output
 * on a fixed batch w.r.t. all trained W and b, the empirical NTK is Theta = J J^T, and
 *
 *   Theta v = J (J^T v)      one vector-Jacobian product, then one Jacobian-vector product,
 *
 * so the kernel is never formed. The similarity of two kernels (at init and at epoch t) is the
 * cosine between Theta_0 v and Theta_t v for the same probe v. The Jacobian variant compares
 * J_0^T v and J_t^T v (vectors in parameter space) instead.
 *
 * For the `logits` output (o = z U): the z-cotangent is v U^T and the result is projected by U,
 * i.e. Theta_logits v = U^T J J^T U v per sample.
 */
import { tf, tidy } from '../backend/index.js';
import { forEachParam, type Params, type RevMLP } from '../model/revmlp.js';
import { checkProbe, type NtkOutput } from './probe.js';
import { cosine } from './matrix.js';

export interface NtkProbeOptions {
  /** Output whose kernel is probed (default 'z', the full d-dimensional output as in the paper). */
  output?: NtkOutput;
}

/** Theta v ([n, width], row-major) and J^T v (flattened parameters) for one model. */
export interface ProbeProducts {
  /** Theta v = J (J^T v), shape of v, row-major. */
  ntk: Float32Array;
  /** J^T v flattened in {@link forEachParam} order (W stored as W^T [h, d/2], then b, per half). */
  jtv: Float32Array;
}

/**
 * Both probe products of one model (one VJP and one JVP). Use it to compute a reference once
 * and compare many checkpoints against it.
 *
 * @example
 * const v = randomProbe(model, 256);
 * const { ntk, jtv } = ntkProbeProducts(model, x, v);
 */
export function ntkProbeProducts(model: RevMLP, x: tf.Tensor2D, v: tf.Tensor2D, options: NtkProbeOptions = {}): ProbeProducts {
  const { output = 'z' } = options;
  model.checkInput(x);
  checkProbe(model, x, v, output);
  const res = tidy(() => {
    const gz = output === 'logits' ? tf.matMul<tf.Tensor2D>(v, model.Ut) : v;
    const { grads } = model.vjp(x, gz);
    const jz = model.jvp(x, grads);
    return { out: output === 'logits' ? tf.matMul<tf.Tensor2D>(jz, model.U) : jz, grads };
  });
  try {
    return { ntk: Float32Array.from(res.out.dataSync()), jtv: flattenParams(res.grads) };
  } finally {
    res.out.dispose();
    forEachParam(res.grads, (_n, t) => t.dispose());
  }
}

/**
 * Theta v = J (J^T v) for a probe v of the output's shape ([n, d] for 'z', [n, k] for 'logits').
 *
 * @example
 * const v = randomProbe(model, x.shape[0], { output: 'logits' });
 * const tv = ntkProbe(model, x, v, { output: 'logits' });   // Float32Array, n * k values
 */
export function ntkProbe(model: RevMLP, x: tf.Tensor2D, v: tf.Tensor2D, options: NtkProbeOptions = {}): Float32Array {
  return ntkProbeProducts(model, x, v, options).ntk;
}

/**
 * Cosine between Theta_0 v and Theta_t v: 1 when the kernel only scaled along the probe, lower as
 * the NTK rotates.
 *
 * @example
 * const sim = ntkProbeSimilarity(model0, modelT, x, v);
 */
export function ntkProbeSimilarity(model0: RevMLP, modelT: RevMLP, x: tf.Tensor2D, v: tf.Tensor2D, options: NtkProbeOptions = {}): number {
  return cosine(ntkProbe(model0, x, v, options), ntkProbe(modelT, x, v, options));
}

/**
 * Cosine between J_0^T v and J_t^T v over the flattened trained-parameter vector.
 *
 * @example
 * const sim = jacobianProbeSimilarity(model0, modelT, x, v);
 */
export function jacobianProbeSimilarity(model0: RevMLP, modelT: RevMLP, x: tf.Tensor2D, v: tf.Tensor2D, options: NtkProbeOptions = {}): number {
  return cosine(ntkProbeProducts(model0, x, v, options).jtv, ntkProbeProducts(modelT, x, v, options).jtv);
}

/** Every tensor of a parameter set, concatenated in {@link forEachParam} order. */
export function flattenParams(p: Params): Float32Array {
  let size = 0;
  forEachParam(p, (_n, t) => {
    size += t.size;
  });
  const out = new Float32Array(size);
  let at = 0;
  forEachParam(p, (_n, t) => {
    out.set(t.dataSync(), at);
    at += t.size;
  });
  return out;
}

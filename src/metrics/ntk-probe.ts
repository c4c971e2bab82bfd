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
import { forEachParam, halfJvpInput, paramJvp, traceParamVjp, type ForwardTrace, type Params, type RevMLP } from '../model/revmlp.js';
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
    // One forward trace serves both products (model.vjp and model.jvp would each run one).
    const tr = model.forwardTrace(x);
    const grads = traceParamVjp(model, tr, gz, model.params);
    const jz = traceJvp(model, tr, grads);
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

/** J dTheta on z from a forward trace (the forward-mode recursion of RevMLP.jvp); call inside a tidy. */
function traceJvp(model: RevMLP, tr: ForwardTrace, dTheta: Params): tf.Tensor2D {
  let d1: tf.Tensor2D | null = null;
  let d2: tf.Tensor2D | null = null;
  for (let l = 0; l < model.config.blocks; l++) {
    const b = tr.blocks[l]!;
    const fx = model.fixed[l]!;
    const pr = model.params[l]!;
    // dy1 = dx1 + J_f(x2) dx2 + A_1 dTheta_f;  dy2 = dx2 + J_g(y1) dy1 + A_2 dTheta_g
    let dy1 = paramJvp(b.Sf, dTheta[l]!.f);
    if (d2) dy1 = tf.add(dy1, halfJvpInput(fx.f, pr.f, b.Pf, d2)) as tf.Tensor2D;
    if (d1) dy1 = tf.add(dy1, d1) as tf.Tensor2D;
    let dy2 = tf.add(paramJvp(b.Sg, dTheta[l]!.g), halfJvpInput(fx.g, pr.g, b.Pg, dy1)) as tf.Tensor2D;
    if (d2) dy2 = tf.add(dy2, d2) as tf.Tensor2D;
    d1 = dy1;
    d2 = dy2;
  }
  return tf.concat([d1!, d2!], 1) as tf.Tensor2D;
}

/**
 * Every tensor of a parameter set, concatenated in {@link forEachParam} order (host float32).
 *
 * @example
 * const theta = flattenParams(model.params); // trainedParamCount(model.config) values
 */
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

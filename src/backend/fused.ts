/**
 * Fused optimizer updates: one pass over each parameter for Adam's m, v and the weight update, and
 * for SGD's w - lr (g + wd w). The kernels are registered by the native blas backend (./blas.ts);
 * this module names them and looks them up through the tfjs engine only, so the optimizers that
 * call it import nothing Node-only and still bundle for the browser (src/page).
 */
import { tf } from './core.js';

/** Kernel names the blas backend registers (./blas.ts). */
export const ADAM_KERNEL = 'ExactGnFusedAdam';
export const SGD_KERNEL = 'ExactGnFusedSgd';

/** Adam's scalars for {@link FusedUpdates.adam}. */
export interface AdamScalars {
  lr: number;
  b1: number;
  b2: number;
  /** Bias corrections 1 - b1^t and 1 - b2^t. */
  c1: number;
  c2: number;
  eps: number;
  wd: number;
}

/**
 * One-pass optimizer updates of the blas backend, bit-identical to the tfjs ops of src/optim:
 * adam returns [w', m', v'], sgd returns w - lr (g + wd w).
 */
export interface FusedUpdates {
  adam(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamScalars): [tf.Tensor, tf.Tensor, tf.Tensor];
  sgd(w: tf.Tensor, g: tf.Tensor, lr: number, wd: number): tf.Tensor;
}

/**
 * The fused updates when the active backend has both kernels registered (blas with a current
 * addon); null otherwise (the caller then runs the same arithmetic as tfjs ops).
 *
 * @example
 * const fused = fusedUpdates();
 * const next = fused ? fused.sgd(w, g, 0.1, 0) : tf.sub(w, tf.mul(g, 0.1));
 */
export function fusedUpdates(): FusedUpdates | null {
  const backend = tf.getBackend();
  if (!tf.getKernel(ADAM_KERNEL, backend) || !tf.getKernel(SGD_KERNEL, backend)) return null;
  const float32 = (...ts: tf.Tensor[]): boolean => ts.every((t) => t.dtype === 'float32');
  return {
    adam: (w, g, m, v, s) => {
      if (!float32(w, g, m, v)) throw new Error(`fused adam: float32 tensors only, got ${[w, g, m, v].map((t) => t.dtype).join(', ')}`);
      return tf.engine().runKernel(ADAM_KERNEL, { w, g, m, v }, { s: [s.lr, s.b1, s.b2, s.c1, s.c2, s.eps, s.wd] }) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
    },
    sgd: (w, g, lr, wd) => {
      if (!float32(w, g)) throw new Error(`fused sgd: float32 tensors only, got ${w.dtype}, ${g.dtype}`);
      return tf.engine().runKernel(SGD_KERNEL, { w, g }, { s: [lr, wd] }) as tf.Tensor;
    },
  };
}

/**
 * Damped Gauss-Newton (Levenberg-Marquardt) on the exact GN machinery of ../gn/step.ts. Every
 * half-coupling's right inverse A^+ t becomes the Tikhonov-damped solve (GN pinv 'damped')
 *   dTheta = A^T (A A^T + lambda I)^{-1} t  = argmin_d |A d - t|^2 + lambda |d|^2,
 * with the GN target, block rule and block scaling unchanged (options `gn`; gn.damping is the
 * initial lambda; A A^T is the unnormalized n x n Gram matrix of the half's features). lambda either
 * stays fixed (lm.adapt 'fixed') or follows the gain-ratio rule (lm.adapt 'gain-ratio', default):
 *   Delta = -lr (dTheta + wd theta);   dO = J Delta, the logit change to first order (one JVP)
 *   predicted reduction  pred = -[ (1/n) Σ_i r_i^T dO_i + (1/2n) Σ_i dO_i^T H_i dO_i ],  r_i = p_i - y_i
 *   actual reduction     act  = L_B(theta) - L_B(theta + Delta)      (mean CE of the same batch)
 *   rho = act / pred  (-Infinity when pred <= 0: the quadratic model predicts no decrease)
 *   rho > upper (3/4): lambda <- lambda * decrease (2/3);   rho < lower (1/4): lambda <- lambda * increase (3/2)
 *   then lambda is clamped to [min, max] (1e-8, 1e8) and rounded to float32 (a checkpoint stores it exactly).
 * The thresholds and factors are those of Martens (2010), "Deep learning via Hessian-free
 * optimization" (all options). H_i is the output Hessian of the quadratic model the GN
 * target minimizes: I for 'ce-identity' (the paper's), diag(p) - p p^T for 'ce-hessian', that plus
 * targetDamping I for 'ce-damped'; the 'mse' target has no cross-entropy model and is refused.
 * With lm.reject, a step that raised the batch loss (act < 0) is undone (lambda still grows).
 * The new lambda is used from the next step on.
 *
 * @example
 * const opt = createOptimizer({ name: 'damped-gn', lr: 0.1, gn: { damping: 1 }, lm: { adapt: 'gain-ratio' } });
 * const { loss, lm } = opt.step(model, x, labels); // lm.rho, lm.lambda (used), lm.nextLambda
 */
import { tf, tidy } from '../backend/index.js';
import { ConfigError, show } from '../util/errors.js';
import { gnUpdate, type GNOptions } from '../gn/step.js';
import { crossEntropyHost, softmaxHost } from '../model/loss.js';
import { cloneParams, disposeParams, zipParams, type Params, type RevMLP } from '../model/revmlp.js';
import type { Optimizer, OptimizerState, StepResult } from './optimizers.js';
import { applyUpdate, assertFiniteParams, stateTensor } from './update.js';

export type LambdaAdaptation = 'fixed' | 'gain-ratio';
export const LAMBDA_ADAPTATIONS: readonly LambdaAdaptation[] = ['fixed', 'gain-ratio'];

/** Levenberg-Marquardt options (lambda itself starts at gn.damping). */
export interface DampedGNOptions {
  /** 'gain-ratio' (default) adapts lambda after every step; 'fixed' keeps gn.damping. */
  adapt: LambdaAdaptation;
  /** Gain ratio below which lambda grows (default 1/4). */
  lower: number;
  /** Gain ratio above which lambda shrinks (default 3/4). */
  upper: number;
  /** Factor applied when rho > upper, in (0, 1) (default 2/3). */
  decrease: number;
  /** Factor applied when rho < lower, > 1 (default 3/2). */
  increase: number;
  /** Bounds of lambda (defaults 1e-8 and 1e8). */
  min: number;
  max: number;
  /** Undo a step that raised the batch loss (default false: every step is kept, as in Martens 2010). */
  reject: boolean;
}

export const DEFAULT_DAMPED_GN: DampedGNOptions = {
  adapt: 'gain-ratio',
  lower: 0.25,
  upper: 0.75,
  decrease: 2 / 3,
  increase: 1.5,
  min: 1e-8,
  max: 1e8,
  reject: false,
};

/** What one damped GN step measured (StepResult.lm). */
export interface DampedGNStepInfo {
  /** lambda used by this step. */
  lambda: number;
  /** lambda for the next step. */
  nextLambda: number;
  /** Gain ratio act / pred (measured with either adapt setting). */
  rho: number;
  predicted: number;
  actual: number;
  /** The step was undone (lm.reject and act < 0). */
  rejected: boolean;
}

/** Validates the lm options (partial input, defaults filled); errors name `${prefix}.<field>`. */
export function dampedGnOptions(input: Partial<DampedGNOptions> = {}, prefix = 'lm'): DampedGNOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigError(prefix, `must be an object, got ${show(input)}`);
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULT_DAMPED_GN)) throw new ConfigError(`${prefix}.${key}`, `unknown key; allowed keys are ${Object.keys(DEFAULT_DAMPED_GN).join(', ')} (lambda starts at gn.damping)`);
  }
  const o: DampedGNOptions = { ...DEFAULT_DAMPED_GN, ...input };
  if (!LAMBDA_ADAPTATIONS.includes(o.adapt)) throw new ConfigError(`${prefix}.adapt`, `unknown value ${show(o.adapt)}; use one of ${LAMBDA_ADAPTATIONS.join(', ')}`);
  const finite = (f: keyof DampedGNOptions): number => {
    const v = o[f];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${prefix}.${f}`, `must be a finite number, got ${show(v)}`);
    return v;
  };
  if (!(finite('lower') < finite('upper'))) throw new ConfigError(`${prefix}.lower`, `must be below ${prefix}.upper (${o.upper}), got ${o.lower}`);
  if (!(finite('decrease') > 0 && o.decrease < 1)) throw new ConfigError(`${prefix}.decrease`, `must be in (0, 1) (lambda shrinks after a good step), got ${o.decrease}`);
  if (!(finite('increase') > 1)) throw new ConfigError(`${prefix}.increase`, `must be > 1 (lambda grows after a poor step), got ${o.increase}`);
  if (!(finite('min') > 0)) throw new ConfigError(`${prefix}.min`, `must be > 0, got ${o.min}`);
  if (!(finite('max') >= o.min)) throw new ConfigError(`${prefix}.max`, `must be >= ${prefix}.min (${o.min}), got ${o.max}`);
  if (typeof o.reject !== 'boolean') throw new ConfigError(`${prefix}.reject`, `must be true or false, got ${show(o.reject)}`);
  return o;
}

/** GN options of a damped GN optimizer: pinv 'damped' (the default here, and the only one allowed), no noise, no mse. */
export function dampedGnGnOptions(gn: Partial<GNOptions>, prefix = 'gn'): Partial<GNOptions> {
  if (gn.pinv !== undefined && gn.pinv !== 'damped') {
    throw new ConfigError(`${prefix}.pinv`, `damped GN always uses pinv "damped" (A A^T + lambda I), got ${show(gn.pinv)}; use optimizer "gn" for other pseudo-inverses`);
  }
  if (gn.noise !== undefined && gn.noise !== 0) throw new ConfigError(`${prefix}.noise`, `does not apply to damped GN (got ${show(gn.noise)}); use optimizer "gn" with pinv noise`);
  if (gn.target === 'mse') throw new ConfigError(`${prefix}.target`, 'damped GN measures its gain ratio on the cross-entropy, so it needs a cross-entropy target (ce-identity, ce-hessian, ce-damped), not "mse"');
  return { ...gn, pinv: 'damped' };
}

/**
 * The gain-ratio rule on lambda (see the file header): shrink after a good step, grow after a poor
 * one, keep in between; clamped to [min, max] and rounded to float32. A NaN rho grows lambda.
 *
 * @example
 * adaptLambda(1, 0.9, DEFAULT_DAMPED_GN); // 0.6666666865348816 (2/3 in float32)
 * adaptLambda(1, 0.1, DEFAULT_DAMPED_GN); // 1.5
 */
export function adaptLambda(lambda: number, rho: number, o: Pick<DampedGNOptions, 'lower' | 'upper' | 'decrease' | 'increase' | 'min' | 'max'>): number {
  let next = lambda;
  if (rho > o.upper) next = lambda * o.decrease;
  else if (!(rho >= o.lower)) next = lambda * o.increase; // also NaN
  return Math.fround(Math.min(o.max, Math.max(o.min, next)));
}

/**
 * Reduction of the mean cross-entropy that the quadratic GN model predicts for the logit change
 * dO [n, k] (row-major): -[(1/n) Σ_i r_i^T dO_i + (1/2n) Σ_i dO_i^T H_i dO_i], r = p - y, with
 * H_i = I ('identity'), diag(p_i) - p_i p_i^T ('ce'), or that plus `shift` I.
 */
export function predictedReduction(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  dO: ArrayLike<number>,
  n: number,
  k: number,
  hessian: 'identity' | 'ce',
  shift = 0,
): number {
  const p = softmaxHost(logits, n, k);
  let lin = 0;
  let quad = 0;
  for (let r = 0; r < n; r++) {
    let pd = 0;
    for (let c = 0; c < k; c++) {
      const i = r * k + c;
      const d = dO[i]!;
      lin += (p[i]! - (labels[r] === c ? 1 : 0)) * d;
      if (hessian === 'identity') quad += d * d;
      else {
        quad += (p[i]! + shift) * d * d;
        pd += p[i]! * d;
      }
    }
    if (hessian === 'ce') quad -= pd * pd;
  }
  return -(lin / n + quad / (2 * n));
}

/** Damped GN / Levenberg-Marquardt (see the file header). Created by createOptimizer({ name: 'damped-gn', ... }). */
export class DampedGN implements Optimizer {
  readonly config: Optimizer['config'];
  private t = 0;
  private lambda: number;

  constructor(config: Optimizer['config']) {
    this.config = config;
    this.lambda = Math.fround(config.gn.damping);
  }

  get steps(): number {
    return this.t;
  }

  /** lambda of the next step. */
  get currentLambda(): number {
    return this.lambda;
  }

  step(model: RevMLP, x: tf.Tensor2D, labels: Int32Array): StepResult {
    const { lr, weightDecay: wd, lm } = this.config;
    const gnOpts: GNOptions = { ...this.config.gn, pinv: 'damped', damping: this.lambda };
    const { update, loss, blocks } = gnUpdate(model, x, labels, gnOpts);
    const n = x.shape[0];
    const k = model.config.classes;
    let before: Params | null = null;
    let predicted: number;
    let actual: number;
    try {
      assertFiniteParams(update, 'damped GN update', 'lower the learning rate or raise gn.damping');
      // Predicted reduction from the logit change J Delta, Delta = -lr (dTheta + wd theta), before the update.
      const logits = tidy(() => model.logits(x).dataSync());
      const dO = tidy(() => {
        const dir = wd > 0 ? zipParams(update, model.params, (d, w) => tf.mul(tf.add(d, tf.mul(w, wd)), -lr)) : zipParams(update, update, (d) => tf.mul(d, -lr));
        return tf.matMul(model.jvp(x, dir), model.U).dataSync();
      });
      const target = this.config.gn.target;
      predicted = predictedReduction(logits, labels, dO, n, k, target === 'ce-identity' ? 'identity' : 'ce', target === 'ce-damped' ? this.config.gn.targetDamping : 0);
      if (lm.reject) before = cloneParams(model.params);
      applyUpdate(model, update, lr, wd);
      const after = crossEntropyHost(tidy(() => model.logits(x).dataSync()), labels, n, k);
      actual = loss - after;
    } finally {
      disposeParams(update);
    }
    const rho = predicted > 0 ? actual / predicted : -Infinity;
    let rejected = false;
    if (before) {
      if (!(actual >= 0)) {
        model.setParams(before);
        rejected = true;
      } else {
        disposeParams(before);
      }
    }
    const used = this.lambda;
    if (lm.adapt === 'gain-ratio') this.lambda = adaptLambda(this.lambda, rho, lm);
    this.t++;
    const info: DampedGNStepInfo = { lambda: used, nextLambda: this.lambda, rho, predicted, actual, rejected };
    return { loss, gn: blocks, lm: info };
  }

  /** Step counter and lambda (float32, so exact). */
  state(): OptimizerState {
    const tensors = new Map<string, { data: Float32Array; shape: number[] }>();
    tensors.set('optim.damped-gn.lambda', { data: Float32Array.of(this.lambda), shape: [1] });
    return { step: this.t, tensors };
  }

  loadState(_model: RevMLP, state: OptimizerState): void {
    this.t = state.step;
    if (state.tensors.size === 0) {
      this.lambda = Math.fround(this.config.gn.damping);
      return;
    }
    const t = stateTensor(state.tensors, 'optim.damped-gn.lambda', [1], 'damped GN');
    const v = t.dataSync()[0]!;
    t.dispose();
    if (!(v > 0) || !Number.isFinite(v)) throw new ConfigError('optimizer state', `damped GN lambda in the checkpoint is ${v}; it must be a finite number > 0`);
    this.lambda = v;
  }

  dispose(): void {}
}


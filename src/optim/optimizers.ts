/**
 * Optimizers on the same RevMLP parameters: exact GN (the update of ../gn/step.ts applied as plain
 * SGD on dTheta), SGD (no momentum) and Adam (PyTorch defaults), each with optional weight decay.
 * Adam and SGD minimize the mean cross-entropy of the logits; their gradients come from the
 * model's hand-written vector-Jacobian product.
 *
 * @example
 * const opt = createOptimizer({ name: 'adam', lr: 1e-4 });
 * const { loss } = opt.step(model, x, labels);
 */
import { tf, tidy } from '../backend/core.js';
import { ConfigError, show } from '../util/errors.js';
import { gnOptions, gnUpdate, type BlockDiagnostics, type GNOptions } from '../gn/step.js';
import { KFAC, kfacOptions, type KFACOptions } from './kfac.js';
import { DampedGN, dampedGnGnOptions, dampedGnOptions, type DampedGNOptions, type DampedGNStepInfo } from './damped-gn.js';
import { crossEntropyHost, meanCrossEntropyGrad, softmaxHost } from '../model/loss.js';
import { checkBatch, finiteBatchLoss } from '../model/batch-checks.js';
import { checkOptimizerState } from './state-checks.js';
import { assertFiniteParams, keepAll } from './update.js';
import { disposeParams, forEachParam, halvesParamVjp, mapParams, type Params, type RevMLP } from '../model/revmlp.js';
import { phase } from '../gn/phases.js';
import { fusedUpdates, type AdamScalars } from '../backend/fused.js';

/** 'kfac' (./kfac.ts) and 'damped-gn' (Levenberg-Marquardt, ./damped-gn.ts) go beyond the paper. */
export type OptimizerName = 'gn' | 'sgd' | 'adam' | 'kfac' | 'damped-gn';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['gn', 'sgd', 'adam', 'kfac', 'damped-gn'];
/** The optimizers of the paper's experiments. */
export type PaperOptimizerName = 'gn' | 'sgd' | 'adam';

export interface OptimizerConfig {
  name: OptimizerName;
  /** Learning rate (> 0). */
  lr: number;
  /** L2 weight decay added to the gradient (PyTorch semantics) or to dTheta for GN; default 0. */
  weightDecay?: number;
  /** Adam betas (default [0.9, 0.999]) and eps (default 1e-8). */
  betas?: [number, number];
  eps?: number;
  /** GN options (target, rule, pinv, rtol, atol, ...); for 'damped-gn' gn.damping is the initial lambda. */
  gn?: Partial<GNOptions>;
  /** K-FAC options ('kfac' only). */
  kfac?: Partial<KFACOptions>;
  /** Levenberg-Marquardt options ('damped-gn' only). */
  lm?: Partial<DampedGNOptions>;
}

export interface StepResult {
  /** Mean cross-entropy of the batch before the update. */
  loss: number;
  /** GN diagnostics per block (GN and damped GN). */
  gn?: BlockDiagnostics[];
  /** Damped GN only: lambda, gain ratio, predicted and actual reduction. */
  lm?: DampedGNStepInfo;
}

/** State of an optimizer that a checkpoint must carry for an exact resume. */
export interface OptimizerState {
  step: number;
  tensors: Map<string, { data: Float32Array; shape: number[] }>;
}

export interface Optimizer {
  readonly config: Readonly<Required<Omit<OptimizerConfig, 'gn' | 'kfac' | 'lm'>>> & { gn: GNOptions; kfac: KFACOptions; lm: DampedGNOptions };
  /** Steps taken so far. */
  readonly steps: number;
  /** One update on the batch (x [n, d], integer labels); the model's parameters are replaced. */
  step(model: RevMLP, x: tf.Tensor2D, labels: Int32Array): StepResult;
  state(): OptimizerState;
  loadState(model: RevMLP, state: OptimizerState): void;
  dispose(): void;
}

/** Validates an optimizer config (field names in errors are prefixed with `prefix`). */
export function optimizerConfig(input: OptimizerConfig, prefix = 'optimizer'): Optimizer['config'] {
  const allowed = new Set(['name', 'lr', 'weightDecay', 'betas', 'eps', 'gn', 'kfac', 'lm']);
  for (const k of Object.keys(input)) if (!allowed.has(k)) throw new ConfigError(`${prefix}.${k}`, `unknown key; allowed keys are ${[...allowed].join(', ')}`);
  if (!OPTIMIZER_NAMES.includes(input.name)) throw new ConfigError(`${prefix}.name`, `unknown optimizer ${show(input.name)}; use one of ${OPTIMIZER_NAMES.join(', ')}`);
  if (typeof input.lr !== 'number' || !(input.lr > 0) || !Number.isFinite(input.lr)) {
    throw new ConfigError(`${prefix}.lr`, `must be a finite number > 0, got ${show(input.lr)}`);
  }
  const wd = input.weightDecay ?? 0;
  if (typeof wd !== 'number' || !(wd >= 0) || !Number.isFinite(wd)) throw new ConfigError(`${prefix}.weightDecay`, `must be a finite number >= 0, got ${show(wd)}`);
  const betas = input.betas ?? [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2 || ![0, 1].every((i) => typeof betas[i] === 'number' && betas[i] >= 0 && betas[i] < 1)) {
    throw new ConfigError(`${prefix}.betas`, `must be two numbers in [0, 1), got ${show(betas)}`);
  }
  const eps = input.eps ?? 1e-8;
  if (typeof eps !== 'number' || !(eps > 0)) throw new ConfigError(`${prefix}.eps`, `must be a number > 0, got ${show(eps)}`);
  if (input.gn !== undefined && input.name !== 'gn' && input.name !== 'damped-gn') throw new ConfigError(`${prefix}.gn`, `GN options only apply to optimizer "gn" (and "damped-gn"), not ${show(input.name)}`);
  if (input.kfac !== undefined && input.name !== 'kfac') throw new ConfigError(`${prefix}.kfac`, `K-FAC options only apply to optimizer "kfac", not ${show(input.name)}`);
  if (input.lm !== undefined && input.name !== 'damped-gn') throw new ConfigError(`${prefix}.lm`, `Levenberg-Marquardt options only apply to optimizer "damped-gn", not ${show(input.name)}`);
  const gnIn = input.name === 'damped-gn' ? dampedGnGnOptions(input.gn ?? {}, `${prefix}.gn`) : input.gn ?? {};
  const gn = gnOptions(gnIn, `${prefix}.gn`);
  const lm = dampedGnOptions(input.lm ?? {}, `${prefix}.lm`);
  if (input.name === 'damped-gn' && !(gn.damping >= lm.min && gn.damping <= lm.max)) {
    throw new ConfigError(`${prefix}.gn.damping`, `the initial lambda ${gn.damping} is outside [${prefix}.lm.min, ${prefix}.lm.max] = [${lm.min}, ${lm.max}]`);
  }
  return { name: input.name, lr: input.lr, weightDecay: wd, betas: [betas[0], betas[1]], eps, gn, kfac: kfacOptions(input.kfac ?? {}, `${prefix}.kfac`), lm };
}

/** Creates an optimizer from its config. */
export function createOptimizer(input: OptimizerConfig): Optimizer {
  const config = optimizerConfig(input);
  switch (config.name) {
    case 'gn':
      return new GNOptimizer(config);
    case 'sgd':
      return new SGD(config);
    case 'adam':
      return new Adam(config);
    case 'kfac':
      return new KFAC(config);
    case 'damped-gn':
      return new DampedGN(config);
  }
}

/**
 * Mean cross-entropy of the logits and its gradient w.r.t. the trained parameters
 * (dL/do = (p - y) / n on the host, lifted to z by U^T, pulled back by the model's VJP).
 * The caller owns the returned gradient tensors.
 */
export function lossAndGrad(model: RevMLP, x: tf.Tensor2D, labels: Int32Array): { loss: number; grads: Params } {
  const { n, k } = checkBatch(model, x, labels);
  return tidy(() => {
    const { blocks, z } = phase('forward', () => model.forwardHalves(x));
    const logits = phase('forward', () => tf.matMul<tf.Tensor2D>(z, model.U).dataSync());
    const loss = finiteBatchLoss(crossEntropyHost(logits, labels, n, k), x);
    const gl = meanCrossEntropyGrad(softmaxHost(logits, n, k), labels, n, k);
    return phase('VJP', () => {
      const gz = tf.matMul<tf.Tensor2D>(tf.tensor2d(gl, [n, k]), model.Ut);
      return { loss, grads: halvesParamVjp(model, blocks, gz) };
    });
  });
}

abstract class Base implements Optimizer {
  readonly config: Optimizer['config'];
  protected t = 0;
  constructor(config: Optimizer['config']) {
    this.config = config;
  }
  get steps(): number {
    return this.t;
  }
  abstract step(model: RevMLP, x: tf.Tensor2D, labels: Int32Array): StepResult;
  state(): OptimizerState {
    return { step: this.t, tensors: new Map() };
  }
  loadState(_model: RevMLP, state: OptimizerState): void {
    checkOptimizerState(state);
    this.t = state.step;
  }
  dispose(): void {}

  /**
   * theta <- theta - lr * (d + wd * theta), one tensor at a time (one fused pass each on blas); each
   * tensor of d is disposed once applied.
   */
  protected apply(model: RevMLP, d: Params): void {
    const { lr, weightDecay: wd } = this.config;
    const fused = fusedUpdates();
    const ds = paramList(d);
    phase('apply', () => model.updateParams((w, _name, i) => {
      const g = ds[i]!;
      const next = fused ? fused.sgd(w, g, lr, wd) : wd > 0 ? tf.sub(w, tf.mul(tf.add(g, tf.mul(w, wd)), lr)) : tf.sub(w, tf.mul(g, lr));
      g.dispose();
      return next;
    }));
  }
}

class GNOptimizer extends Base {
  step(model: RevMLP, x: tf.Tensor2D, labels: Int32Array): StepResult {
    // Pseudo-inverse noise (appendix) is drawn afresh every step, reproducibly: the stream depends on the step.
    const gn = this.config.gn.noise > 0 ? { ...this.config.gn, noiseSeed: this.config.gn.noiseSeed + 7919 * this.t } : this.config.gn;
    const { update, loss, blocks } = gnUpdate(model, x, labels, gn);
    try {
      assertFiniteParams(update, 'GN update', 'lower the learning rate, or use pinv "damped"');
      this.apply(model, update);
    } finally {
      disposeParams(update);
    }
    this.t++;
    return { loss, gn: blocks };
  }
}

class SGD extends Base {
  step(model: RevMLP, x: tf.Tensor2D, labels: Int32Array): StepResult {
    const { loss, grads } = lossAndGrad(model, x, labels);
    try {
      this.apply(model, grads);
    } finally {
      disposeParams(grads);
    }
    this.t++;
    return { loss };
  }
}

class Adam extends Base {
  private m: Params | null = null;
  private v: Params | null = null;

  step(model: RevMLP, x: tf.Tensor2D, labels: Int32Array): StepResult {
    const { loss, grads } = lossAndGrad(model, x, labels);
    const { lr, weightDecay: wd, betas, eps } = this.config;
    const [b1, b2] = betas;
    if (!this.m || !this.v) {
      this.m = keepAll(tidy(() => mapParams(model.params, (w) => tf.zerosLike(w))));
      this.v = keepAll(tidy(() => mapParams(model.params, (w) => tf.zerosLike(w))));
    }
    this.t++;
    const s: AdamScalars = { lr, b1, b2, c1: 1 - b1 ** this.t, c2: 1 - b2 ** this.t, eps, wd };
    const fused = fusedUpdates();
    const g = paramList(grads);
    const m = paramList(this.m);
    const v = paramList(this.v);
    const nextM: tf.Tensor[] = [];
    const nextV: tf.Tensor[] = [];
    try {
      // One parameter at a time, each old m, v, g and w freed as soon as its update is made (the
      // memory of PyTorch's in-place update).
      phase('apply', () => model.updateParams((w, _name, i) => {
        const [w1, m1, v1] = fused ? fused.adam(w, g[i]!, m[i]!, v[i]!, s) : adamOps(w, g[i]!, m[i]!, v[i]!, s);
        nextM[i] = tf.keep(m1);
        nextV[i] = tf.keep(v1);
        for (const t of [g[i]!, m[i]!, v[i]!]) t.dispose();
        return w1;
      }));
    } finally {
      // On a failure part-way the moments not yet updated keep their old values.
      this.m = fromList(model.params, m.map((t, i) => nextM[i] ?? t));
      this.v = fromList(model.params, v.map((t, i) => nextV[i] ?? t));
      disposeParams(grads);
    }
    return { loss };
  }

  override state(): OptimizerState {
    const tensors = new Map<string, { data: Float32Array; shape: number[] }>();
    if (this.m && this.v) {
      forEachParam(this.m, (name, t) => tensors.set(`optim.adam.m.${name}`, { data: t.dataSync() as Float32Array, shape: t.shape }));
      forEachParam(this.v, (name, t) => tensors.set(`optim.adam.v.${name}`, { data: t.dataSync() as Float32Array, shape: t.shape }));
    }
    return { step: this.t, tensors };
  }

  override loadState(model: RevMLP, state: OptimizerState): void {
    checkOptimizerState(state);
    this.dispose();
    this.t = state.step;
    if (state.tensors.size === 0) return;
    const load = (kind: 'm' | 'v'): Params =>
      keepAll(tidy(() => mapParams(model.params, (w, name) => {
        const s = state.tensors.get(`optim.adam.${kind}.${name}`);
        if (!s || s.shape.join() !== w.shape.join()) {
          throw new ConfigError('optimizer state', `Adam state ${kind} for ${name} is missing or has shape [${s?.shape.join(', ') ?? ''}] instead of [${w.shape.join(', ')}]`);
        }
        return tf.tensor(s.data, s.shape);
      })));
    this.m = load('m');
    this.v = load('v');
  }

  override dispose(): void {
    if (this.m) disposeParams(this.m);
    if (this.v) disposeParams(this.v);
    this.m = null;
    this.v = null;
  }
}

/**
 * Adam with tfjs ops (PyTorch semantics): g' = g + wd w, m = b1 m + (1 - b1) g', v = b2 v + (1 - b2) g'^2,
 * w - lr (m / c1) / (sqrt(v / c2) + eps). The blas backend runs the same arithmetic fused (FusedUpdates.adam).
 */
function adamOps(w: tf.Tensor, g0: tf.Tensor, m0: tf.Tensor, v0: tf.Tensor, s: AdamScalars): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const g = s.wd > 0 ? tf.add(g0, tf.mul(w, s.wd)) : g0;
  const m = tf.add(tf.mul(m0, s.b1), tf.mul(g, 1 - s.b1));
  const v = tf.add(tf.mul(v0, s.b2), tf.mul(tf.square(g), 1 - s.b2));
  const upd = tf.div(tf.div(m, s.c1), tf.add(tf.sqrt(tf.div(v, s.c2)), s.eps));
  return [tf.sub(w, tf.mul(upd, s.lr)), m, v];
}

/** The tensors of a parameter set in {@link forEachParam} order. */
function paramList(p: Params): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  forEachParam(p, (_n, t) => out.push(t));
  return out;
}

/** A parameter set shaped like `like` from tensors in {@link forEachParam} order. */
function fromList(like: Params, list: tf.Tensor[]): Params {
  let i = 0;
  return mapParams(like, () => list[i++]!);
}

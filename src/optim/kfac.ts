/**
 * K-FAC (Martens & Grosse 2015) for the trained Theta = [W^T; b^T] ((h+1) x m, m = d/2) of every
 * half-coupling of the RevMLP; the fixed V is not trained. Theta is vectorized row-major, so that
 * (X ⊗ Y) vec(M) = vec(X M Y^T).
 *
 * One half-coupling, one sample i: its output is out_i = a_i^T Theta with features
 * a_i = [s(V x_i), 1] (the ones entry carries the bias; none without bias). With B_i = d o_i / d out_i
 * (k x m, o = logits) and the output Hessian H_i (k x k), the sample's GGN block is
 *   J_i^T H_i J_i = (a_i a_i^T) ⊗ (B_i^T H_i B_i).
 * K-FAC replaces the batch mean of these Kronecker products by the Kronecker product of the means:
 *   GGN_half ≈ Abar ⊗ Gbar,   Abar = (1/n) Σ_i a_i a_i^T,   Gbar = (1/n) Σ_i B_i^T H_i B_i.
 * Gbar from output-side cotangents: write H_i = C_i C_i^T; then B_i^T H_i B_i = Σ_c g_ic g_ic^T with
 * g_ic = B_i^T C_i[:, c], the vector-Jacobian product of the logit cotangent C_i[:, c] back to the
 * half's output (one reverse pass through the network gives it for every half at once):
 *   curvature 'exact' (default): Gbar = (1/n) Σ_c G_c^T G_c, G_c [n, m] the pass of column c (k passes)
 *   curvature 'sampled':         Gbar = (1/n) G^T G, G the pass of C_i eps_i, eps_i ~ N(0, I_k) (one
 *                                pass; E[Gbar] is the exact one; eps from `seed` and the step number)
 * Output Hessian (option hessian):
 *   'identity' (default): H = I_k, C = I: the curvature behind the paper's GN target e = p - y
 *                         (GNOptions target 'ce-identity'), so K-FAC approximates the same GGN;
 *   'ce':                 the cross-entropy Hessian H = diag(p) - p p^T = C C^T with
 *                         C = diag(sqrt p) - p sqrt(p)^T (exact, since sum p = 1).
 * Running averages, with Martens & Grosse's warm start (the first step uses its own batch):
 *   F_t = r_t F_{t-1} + (1 - r_t) Fhat_t,   r_t = min(decay, 1 - 1/t),   for F = Abar, Gbar.
 * Gradient of the mean cross-entropy: grad = (1/n) Σ_i a_i (B_i^T (p_i - y_i))^T ((h+1) x m).
 * Tikhonov damping lambda, split between the factors (option split):
 *   'pi' (default): (Abar + gA I) ⊗ (Gbar + gG I), gA = pi sqrt(lambda), gG = sqrt(lambda) / pi,
 *                   pi = sqrt((tr Abar / (h+1)) / (tr Gbar / m))   (Martens & Grosse, sec. 6.3)
 *   'sqrt':         the same with pi = 1
 *   'exact':        Abar ⊗ Gbar + lambda I itself, from Abar = Q_A diag(l_A) Q_A^T, Gbar = Q_G diag(l_G) Q_G^T:
 *                   Delta = Q_A [(Q_A^T grad Q_G) / (l_A l_G^T + lambda)] Q_G^T   (elementwise division)
 * The split ones give Delta = (Abar + gA I)^{-1} grad (Gbar + gG I)^{-1}; their product expands to
 * Abar ⊗ Gbar + gG Abar ⊗ I + gA I ⊗ Gbar + lambda I, not to Abar ⊗ Gbar + lambda I.
 * Update: theta <- theta - lr (Delta + wd theta). The inverses (or eigendecompositions) are computed
 * on the host in float64 from the current averages at step 1 and then every `invEvery` steps, and
 * reused in between (stale inverses, as in K-FAC).
 *
 * Cost per step ('exact' curvature): k + 1 reverse passes, and per half the products A^T A
 * (n (h+1)^2) and G^T G (k n m^2); per refresh, host factorizations of (h+1)^2 and m^2 matrices.
 * At paper scale (h = 8000) Abar is 8001 x 8001 per half: use the blas backend.
 *
 * @example
 * const opt = createOptimizer({ name: 'kfac', lr: 0.1, kfac: { damping: 1e-2, invEvery: 10 } });
 * const { loss } = opt.step(model, x, labels);
 */
import { tf, tidy } from '../backend/core.js';
import { matMulT } from '../backend/matmul.js';
import { ConfigError, NumericalError, show } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { cholesky as tsCholesky, choleskySolveInPlace as tsCholeskySolveInPlace } from '../linalg/cholesky.js';
import { symEigRows as tsSymEigRows } from '../linalg/sym-eig.js';
import { nativeLinalg } from '../linalg/native.js';
import { crossEntropyHost, meanCrossEntropyGrad, softmaxHost } from '../model/loss.js';
import { checkBatch, finiteBatchLoss } from '../model/batch-checks.js';
import { checkOptimizerState } from './state-checks.js';
import { disposeParams, halfVjpInput, type ForwardTrace, type HalfParams, type Params, type RevMLP } from '../model/revmlp.js';
import type { Optimizer, OptimizerState, StepResult } from './optimizers.js';
import { applyUpdate, assertFiniteParams, hostTensor, stateTensor } from './update.js';

export type KFACHessian = 'identity' | 'ce';
export const KFAC_HESSIANS: readonly KFACHessian[] = ['identity', 'ce'];
export type KFACCurvature = 'exact' | 'sampled';
export const KFAC_CURVATURES: readonly KFACCurvature[] = ['exact', 'sampled'];
export type KFACSplit = 'pi' | 'sqrt' | 'exact';
export const KFAC_SPLITS: readonly KFACSplit[] = ['pi', 'sqrt', 'exact'];

export interface KFACOptions {
  /** Output Hessian H of the GGN (default 'identity', as behind the paper's GN target). */
  hessian: KFACHessian;
  /** Gbar from all k columns of C ('exact', default) or one sampled column per sample. */
  curvature: KFACCurvature;
  /**
   * Tikhonov damping lambda (> 0). Default 1e-2: on quick mini-batch MNIST (h = 512, n = 128) at
   * lr 0.1, 1e-3 diverged within the first epoch and 1e-1 trained several times slower.
   */
  damping: number;
  /** How lambda is split between the factors (default 'pi'). */
  split: KFACSplit;
  /** Running-average decay of the factors, in [0, 1). Default 0.95. */
  decay: number;
  /** Recompute the inverses every this many steps (step 1 always). Default 10. */
  invEvery: number;
  /** Seed of the sampled curvature. Default 0. */
  seed: number;
}

export const DEFAULT_KFAC: KFACOptions = {
  hessian: 'identity',
  curvature: 'exact',
  damping: 1e-2,
  split: 'pi',
  decay: 0.95,
  invEvery: 10,
  seed: 0,
};

/** Validates K-FAC options (partial input, defaults filled); errors name `${prefix}.<field>`. */
export function kfacOptions(input: Partial<KFACOptions> = {}, prefix = 'kfac'): KFACOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigError(prefix, `must be an object, got ${show(input)}`);
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULT_KFAC)) throw new ConfigError(`${prefix}.${key}`, `unknown key; allowed keys are ${Object.keys(DEFAULT_KFAC).join(', ')}`);
  }
  const o: KFACOptions = { ...DEFAULT_KFAC, ...input };
  const oneOf = <T>(field: string, v: T, allowed: readonly T[]): void => {
    if (!allowed.includes(v)) throw new ConfigError(`${prefix}.${field}`, `unknown value ${show(v)}; use one of ${allowed.join(', ')}`);
  };
  oneOf('hessian', o.hessian, KFAC_HESSIANS);
  oneOf('curvature', o.curvature, KFAC_CURVATURES);
  oneOf('split', o.split, KFAC_SPLITS);
  if (typeof o.damping !== 'number' || !(o.damping > 0) || !Number.isFinite(o.damping)) {
    throw new ConfigError(`${prefix}.damping`, `must be a finite number > 0 (the factors are singular when n < h + 1), got ${show(o.damping)}`);
  }
  if (typeof o.decay !== 'number' || !(o.decay >= 0 && o.decay < 1)) throw new ConfigError(`${prefix}.decay`, `must be a number in [0, 1), got ${show(o.decay)}`);
  if (typeof o.invEvery !== 'number' || !Number.isInteger(o.invEvery) || o.invEvery < 1) {
    throw new ConfigError(`${prefix}.invEvery`, `must be a positive integer (steps between inverse refreshes), got ${show(o.invEvery)}`);
  }
  if (typeof o.seed !== 'number' || !Number.isInteger(o.seed)) throw new ConfigError(`${prefix}.seed`, `must be an integer, got ${show(o.seed)}`);
  return o;
}

/** One batch's K-FAC statistics of one half-coupling (tensors owned by the caller). */
export interface HalfStatistics {
  /** Ahat = A^T A / n, A = [S, 1] ((h+1) x (h+1); h x h without bias). */
  A: tf.Tensor2D;
  /** Ghat = (1/n) Σ_c G_c^T G_c (m x m). */
  G: tf.Tensor2D;
  /** Gradient of the mean CE w.r.t. Theta = [W^T; b^T] ((h+1) x m). */
  grad: tf.Tensor2D;
}

/**
 * The K-FAC statistics of one batch, for every half-coupling in the order block 0 f, block 0 g,
 * block 1 f, ... (index 2 l + (g ? 1 : 0)). `step` (from 1) seeds the sampled curvature.
 *
 * @example
 * const { loss, halves } = kfacStatistics(model, x, labels, DEFAULT_KFAC, 1);
 * halves[0].A.shape; // [h + 1, h + 1]
 */
export function kfacStatistics(model: RevMLP, x: tf.Tensor2D, labels: Int32Array, o: Pick<KFACOptions, 'hessian' | 'curvature' | 'seed'>, step: number): { loss: number; halves: HalfStatistics[] } {
  const { n, k } = checkBatch(model, x, labels);
  return tidy(() => {
    const tr = model.forwardTrace(x);
    const logits = tf.matMul<tf.Tensor2D>(tr.z, model.U).dataSync();
    const loss = finiteBatchLoss(crossEntropyHost(logits, labels, n, k), x, ' before the K-FAC step');
    const p = softmaxHost(logits, n, k);
    // Logit cotangents: the loss gradient (p - y) / n, then the columns of C (or C eps).
    const lossCot = meanCrossEntropyGrad(p, labels, n, k);
    const columns = curvatureCotangents(p, n, k, o, step);
    const toZ = (q: Float32Array): tf.Tensor2D => tf.matMul<tf.Tensor2D>(tf.tensor2d(q, [n, k]), model.Ut);
    const gLoss = halfCotangents(model, tr, toZ(lossCot));
    const G: tf.Tensor2D[] = [];
    for (const q of columns) {
      const gc = halfCotangents(model, tr, toZ(q));
      gc.forEach((g, i) => {
        const gg = matMulT(g, g, true, false);
        G[i] = G[i] ? (tf.add(G[i]!, gg) as tf.Tensor2D) : gg;
      });
    }
    const halves: HalfStatistics[] = [];
    for (let l = 0; l < model.config.blocks; l++) {
      const b = tr.blocks[l]!;
      for (const [side, S] of [['f', b.Sf], ['g', b.Sg]] as const) {
        const i = 2 * l + (side === 'g' ? 1 : 0);
        const A = model.params[l]![side].b ? (tf.concat([S, tf.ones([n, 1])], 1) as tf.Tensor2D) : S;
        halves.push({
          A: tf.div(matMulT(A, A, true, false), n) as tf.Tensor2D,
          G: tf.div(G[i]!, n) as tf.Tensor2D,
          grad: matMulT(A, gLoss[i]!, true, false),
        });
      }
    }
    return { loss, halves };
  });
}

/**
 * Logit-space cotangents whose reverse passes give Gbar: the k columns of C_i ('exact') or the single
 * C_i eps_i ('sampled'), each as an [n, k] row-major array. C = I for 'identity', and
 * C = diag(sqrt p) - p sqrt(p)^T for 'ce' (so C[j, c] = sqrt(p_c) (delta_jc - p_j)).
 */
export function curvatureCotangents(p: Float64Array, n: number, k: number, o: Pick<KFACOptions, 'hessian' | 'curvature' | 'seed'>, step: number): Float32Array[] {
  if (o.curvature === 'exact') {
    const out: Float32Array[] = [];
    for (let c = 0; c < k; c++) {
      const q = new Float32Array(n * k);
      for (let r = 0; r < n; r++) {
        if (o.hessian === 'identity') {
          q[r * k + c] = 1;
        } else {
          const s = Math.sqrt(p[r * k + c]!);
          for (let j = 0; j < k; j++) q[r * k + j] = s * ((j === c ? 1 : 0) - p[r * k + j]!);
        }
      }
      out.push(q);
    }
    return out;
  }
  const rng = new Rng(o.seed).fork(`kfac-step-${step}`);
  const q = new Float32Array(n * k);
  const eps = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < k; j++) eps[j] = rng.normal();
    if (o.hessian === 'identity') {
      for (let j = 0; j < k; j++) q[r * k + j] = eps[j]!;
    } else {
      let dot = 0;
      for (let j = 0; j < k; j++) dot += Math.sqrt(p[r * k + j]!) * eps[j]!;
      for (let j = 0; j < k; j++) q[r * k + j] = Math.sqrt(p[r * k + j]!) * eps[j]! - p[r * k + j]! * dot;
    }
  }
  return [q];
}

/**
 * The cotangent on every half-coupling's output for the cotangent gz on z (index 2 l + (g ? 1 : 0)):
 * y2 = x2 + g(y1) gives g's output the cotangent of y2; y1 = x1 + f(x2) gives f's output the
 * cotangent of y1, g2 + its flow through g. Call inside a tidy.
 */
function halfCotangents(model: RevMLP, tr: ForwardTrace, gz: tf.Tensor2D): tf.Tensor2D[] {
  const half = model.config.inputDim / 2;
  let g1 = tf.slice(gz, [0, 0], [-1, half]) as tf.Tensor2D;
  let g2 = tf.slice(gz, [0, half], [-1, half]) as tf.Tensor2D;
  const out: tf.Tensor2D[] = new Array(2 * model.config.blocks);
  for (let l = model.config.blocks - 1; l >= 0; l--) {
    const b = tr.blocks[l]!;
    const fx = model.fixed[l]!;
    const pr = model.params[l]!;
    out[2 * l + 1] = g2;
    const gy1 = tf.add(g1, halfVjpInput(fx.g, pr.g, b.Pg, g2)) as tf.Tensor2D;
    out[2 * l] = gy1;
    if (l > 0) g2 = tf.add(g2, halfVjpInput(fx.f, pr.f, b.Pf, gy1)) as tf.Tensor2D;
    g1 = gy1;
  }
  return out;
}

/** Damping of each factor under a split: gA on Abar (p x p), gG on Gbar (m x m). */
export function splitDamping(lambda: number, split: 'pi' | 'sqrt', A: Float64Array, p: number, G: Float64Array, m: number): { gA: number; gG: number; pi: number } {
  let pi = 1;
  if (split === 'pi') {
    let trA = 0;
    let trG = 0;
    for (let i = 0; i < p; i++) trA += A[i * p + i]!;
    for (let i = 0; i < m; i++) trG += G[i * m + i]!;
    const ratio = trA / p / (trG / m);
    // A factor that is all zeros (e.g. the CE Hessian of a saturated softmax) gets the even split.
    pi = Number.isFinite(ratio) && ratio > 0 ? Math.sqrt(ratio) : 1;
  }
  const s = Math.sqrt(lambda);
  return { gA: pi * s, gG: s / pi, pi };
}

/** Preconditioner of one half: either the two damped inverses, or the eigenbases for the 'exact' split. */
type HalfInverse =
  | { kind: 'split'; invA: tf.Tensor2D; invG: tf.Tensor2D }
  | { kind: 'exact'; RA: tf.Tensor2D; RAt: tf.Tensor2D; RG: tf.Tensor2D; RGt: tf.Tensor2D; D: tf.Tensor2D };

const SPLIT_NAMES = ['invA', 'invG'] as const;
const EXACT_NAMES = ['RA', 'RAt', 'RG', 'RGt', 'D'] as const;

function inverseTensors(inv: HalfInverse): tf.Tensor2D[] {
  return inv.kind === 'split' ? [inv.invA, inv.invG] : [inv.RA, inv.RAt, inv.RG, inv.RGt, inv.D];
}

/** X = (M + shift I)^{-1} of a symmetric positive definite p x p matrix, in float64. */
function spdInverse(M: Float64Array, p: number, shift: number, what: string): Float64Array {
  const a = Float64Array.from(M);
  for (let i = 0; i < p; i++) a[i * p + i] = a[i * p + i]! + shift;
  const nat = nativeLinalg();
  const l = nat ? nat.cholesky(a, p, 0, 0) : tsCholesky(a, p);
  if (!l) throw new NumericalError(`K-FAC ${what} + ${shift.toExponential(3)} I is not positive definite: the factor holds non-finite values or the damping is too small (raise kfac.damping)`);
  const x = new Float64Array(p * p);
  for (let i = 0; i < p; i++) x[i * p + i] = 1;
  if (nat) nat.choleskySolveInPlace(l, p, x, p);
  else tsCholeskySolveInPlace(l, p, x, p);
  return x;
}

function eigRows(M: Float64Array, p: number): { values: Float64Array; rows: Float64Array } {
  return nativeLinalg()?.symEigRows(M, p) ?? tsSymEigRows(M, p);
}

function transposeHost(a: Float64Array, r: number, c: number): Float32Array {
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
  return out;
}

/** The preconditioner of one half from its averaged factors `A` (p x p) and `G` (m x m), by host float64 factorizations. */
function halfInverse(A: tf.Tensor2D, G: tf.Tensor2D, o: Pick<KFACOptions, 'damping' | 'split'>, where: string): HalfInverse {
  const p = A.shape[0];
  const m = G.shape[0];
  const A64 = Float64Array.from(A.dataSync());
  const G64 = Float64Array.from(G.dataSync());
  for (const [M, name] of [[A64, 'Abar'], [G64, 'Gbar']] as const) {
    for (let i = 0; i < M.length; i++) {
      if (!Number.isFinite(M[i]!)) throw new NumericalError(`K-FAC ${where} ${name} holds ${M[i]} at index ${i}: the model has diverged (lower the learning rate)`);
    }
  }
  if (o.split !== 'exact') {
    const { gA, gG } = splitDamping(o.damping, o.split, A64, p, G64, m);
    const invA = spdInverse(A64, p, gA, `${where} Abar`);
    const invG = spdInverse(G64, m, gG, `${where} Gbar`);
    return {
      kind: 'split',
      invA: tf.keep(tf.tensor2d(Float32Array.from(invA), [p, p])),
      invG: tf.keep(tf.tensor2d(Float32Array.from(invG), [m, m])),
    };
  }
  const ea = eigRows(A64, p);
  const eg = eigRows(G64, m);
  // The factors are positive semi-definite: clamp rounding-level negative eigenvalues to 0.
  const D = new Float32Array(p * m);
  for (let i = 0; i < p; i++) for (let j = 0; j < m; j++) D[i * m + j] = 1 / (Math.max(ea.values[i]!, 0) * Math.max(eg.values[j]!, 0) + o.damping);
  return {
    kind: 'exact',
    RA: tf.keep(tf.tensor2d(Float32Array.from(ea.rows), [p, p])),
    RAt: tf.keep(tf.tensor2d(transposeHost(ea.rows, p, p), [p, p])),
    RG: tf.keep(tf.tensor2d(Float32Array.from(eg.rows), [m, m])),
    RGt: tf.keep(tf.tensor2d(transposeHost(eg.rows, m, m), [m, m])),
    D: tf.keep(tf.tensor2d(D, [p, m])),
  };
}

/** Delta = preconditioned gradient ((h+1) x m), split into dW^T and db. Call inside a tidy. */
function precondition(inv: HalfInverse, grad: tf.Tensor2D, bias: boolean): HalfParams {
  let delta: tf.Tensor2D;
  if (inv.kind === 'split') {
    delta = tf.matMul(tf.matMul(inv.invA, grad), inv.invG);
  } else {
    // Q_A^T grad Q_G with Q = R^T (eigenvectors as rows R), divided elementwise, mapped back.
    const y = tf.mul(tf.matMul(tf.matMul(inv.RA, grad), inv.RGt), inv.D) as tf.Tensor2D;
    delta = tf.matMul(tf.matMul(inv.RAt, y), inv.RG);
  }
  if (!bias) return { Wt: delta };
  const p = delta.shape[0];
  return { Wt: tf.slice(delta, [0, 0], [p - 1, -1]) as tf.Tensor2D, b: tf.reshape(tf.slice(delta, [p - 1, 0], [1, -1]), [-1]) as tf.Tensor1D };
}

/** The K-FAC optimizer (see the file header). Created by createOptimizer({ name: 'kfac', ... }). */
export class KFAC implements Optimizer {
  readonly config: Optimizer['config'];
  private t = 0;
  /** Running averages Abar, Gbar per half (index 2 l + (g ? 1 : 0)). */
  private avg: { A: tf.Tensor2D; G: tf.Tensor2D }[] | null = null;
  private inv: HalfInverse[] | null = null;

  constructor(config: Optimizer['config']) {
    this.config = config;
  }

  get steps(): number {
    return this.t;
  }

  step(model: RevMLP, x: tf.Tensor2D, labels: Int32Array): StepResult {
    const o = this.config.kfac;
    const t = this.t + 1;
    const { loss, halves } = kfacStatistics(model, x, labels, o, t);
    // The new averages and inverses become the optimizer's state only once the step is applied: a
    // failed step (non-finite factors or update) leaves the optimizer as it was.
    let avg: { A: tf.Tensor2D; G: tf.Tensor2D }[] | null = null;
    let inv: HalfInverse[] | null = null;
    let update: Params | null = null;
    try {
      // Running averages, r_t = min(decay, 1 - 1/t): the first step (and a fresh optimizer) takes its own batch.
      const prev = this.avg;
      const r = prev ? Math.min(o.decay, 1 - 1 / t) : 0;
      avg = halves.map((s, i) =>
        tidy(() => ({
          A: tf.keep(prev && r > 0 ? (tf.add(tf.mul(prev[i]!.A, r), tf.mul(s.A, 1 - r)) as tf.Tensor2D) : tf.clone(s.A)),
          G: tf.keep(prev && r > 0 ? (tf.add(tf.mul(prev[i]!.G, r), tf.mul(s.G, 1 - r)) as tf.Tensor2D) : tf.clone(s.G)),
        })),
      );
      if (!this.inv || (t - 1) % o.invEvery === 0) {
        inv = [];
        for (const [i, f] of avg.entries()) inv.push(halfInverse(f.A, f.G, o, `block ${Math.floor(i / 2)} ${i % 2 === 0 ? 'f' : 'g'}`));
      }
      const use = inv ?? this.inv!;
      update = tidy(() =>
        model.params.map((bp, l) => ({
          f: precondition(use[2 * l]!, halves[2 * l]!.grad, !!bp.f.b),
          g: precondition(use[2 * l + 1]!, halves[2 * l + 1]!.grad, !!bp.g.b),
        })),
      );
      assertFiniteParams(update, 'K-FAC update', 'lower the learning rate or raise kfac.damping');
      applyUpdate(model, update, this.config.lr, this.config.weightDecay);
      // Commit.
      if (prev) for (const f of prev) tf.dispose([f.A, f.G]);
      this.avg = avg;
      avg = null;
      if (inv) {
        this.disposeInverses();
        this.inv = inv;
        inv = null;
      }
    } finally {
      for (const s of halves) tf.dispose([s.A, s.G, s.grad]);
      if (update) disposeParams(update);
      if (avg) for (const f of avg) tf.dispose([f.A, f.G]);
      if (inv) for (const h of inv) tf.dispose(inverseTensors(h));
    }
    this.t = t;
    return { loss };
  }

  /** Step counter, averaged factors and current inverses: everything an exact resume needs. */
  state(): OptimizerState {
    const tensors = new Map<string, { data: Float32Array; shape: number[] }>();
    if (this.avg && this.inv) {
      this.avg.forEach((f, i) => {
        const base = `optim.kfac.${halfName(i)}`;
        tensors.set(`${base}.A`, hostTensor(f.A));
        tensors.set(`${base}.G`, hostTensor(f.G));
        const inv = this.inv![i]!;
        const names = inv.kind === 'split' ? SPLIT_NAMES : EXACT_NAMES;
        inverseTensors(inv).forEach((tt, j) => tensors.set(`${base}.${names[j]}`, hostTensor(tt)));
      });
    }
    return { step: this.t, tensors };
  }

  loadState(model: RevMLP, state: OptimizerState): void {
    checkOptimizerState(state);
    this.dispose();
    this.t = state.step;
    if (state.tensors.size === 0) return;
    const avg: { A: tf.Tensor2D; G: tf.Tensor2D }[] = [];
    const inv: HalfInverse[] = [];
    const m = model.config.inputDim / 2;
    try {
      model.params.forEach((bp) => {
        for (const side of ['f', 'g'] as const) {
          const i = avg.length;
          const base = `optim.kfac.${halfName(i)}`;
          const p = bp[side].Wt.shape[0] + (bp[side].b ? 1 : 0);
          const get = (name: string, shape: number[]): tf.Tensor2D => tf.keep(stateTensor(state.tensors, `${base}.${name}`, shape, 'K-FAC') as tf.Tensor2D);
          avg.push({ A: get('A', [p, p]), G: get('G', [m, m]) });
          if (this.config.kfac.split === 'exact') {
            inv.push({ kind: 'exact', RA: get('RA', [p, p]), RAt: get('RAt', [p, p]), RG: get('RG', [m, m]), RGt: get('RGt', [m, m]), D: get('D', [p, m]) });
          } else {
            inv.push({ kind: 'split', invA: get('invA', [p, p]), invG: get('invG', [m, m]) });
          }
        }
      });
    } catch (e) {
      for (const f of avg) tf.dispose([f.A, f.G]);
      for (const h of inv) tf.dispose(inverseTensors(h));
      throw e;
    }
    this.avg = avg;
    this.inv = inv;
  }

  private disposeInverses(): void {
    if (this.inv) for (const h of this.inv) tf.dispose(inverseTensors(h));
    this.inv = null;
  }

  dispose(): void {
    if (this.avg) for (const f of this.avg) tf.dispose([f.A, f.G]);
    this.avg = null;
    this.disposeInverses();
  }
}

/** `blocks.{l}.{f|g}` of half index i = 2 l + (g ? 1 : 0). */
function halfName(i: number): string {
  return `blocks.${Math.floor(i / 2)}.${i % 2 === 0 ? 'f' : 'g'}`;
}

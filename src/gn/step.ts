/**
 * The exact Gauss-Newton step of PAPER.md ("The exact GN step"), in one place:
 *
 *  1. function-space target per sample in logit space, e (n x k), lifted to z-space: T = e U^T;
 *  2. pull-back of T through the inverse network, block by block from the output:
 *       x2 = y2 - g(y1),  x1 = y1 - f(x2)                      (inputs rebuilt, nothing stored,
 *                                                                or kept from the forward: BlockInputs)
 *       dx2 = t2 - J_g(y1) t1,  dx1 = t1 - J_f(x2) dx2           (JVP of the inverse map: pullBack)
 *  3. per block, with A_1 = [s(X2 V_f^T), 1], A_2 = [s(Y1 V_g^T), 1] and Theta = [W^T; b^T]:
 *       dTheta_f = A_1^+ t1
 *       dTheta_g = A_2^+ (t2 - J_g(Y1) (A_1 dTheta_f))            rule 'block' (corrected, default)
 *       dTheta_g = A_2^+ t2                                        rule 'half-coupling' (paper-era)
 *     where A^+ t = A^T (A A^T)^+ t: the n x n Gram matrix A A^T is formed on the backend and its
 *     (truncated) pseudo-inverse applied on the host in float64 (solveHalf; blockStep is one block).
 *     The linear first block never forms its n x h features: see linearHalf in ../model/revmlp.ts;
 *  4. the caller applies theta <- theta - lr * dTheta (scaling 'sum': every block realizes T, so the
 *     first-order output change is -lr * L * T; 'mean' divides by L).
 *
 * If every A has full row rank, J_l dTheta_l = T exactly for each block l (see the tests).
 */
import { tf, tidy } from '../backend/core.js';
import { ConfigError, NumericalError, show } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { factoredPinvSolve, gramPinvSolve, PINV_METHODS, type PinvMethod } from '../linalg/index.js';
import { matMulT } from '../backend/matmul.js';
import { envVar } from '../util/env.js';
import {
  disposeParams,
  featureMatrix,
  type BlockHalves,
  type FeatureMatrix,
  type HalfAt,
  type HalfParams,
  type Params,
  type RevMLP,
} from '../model/revmlp.js';
import { phase } from './phases.js';
import { crossEntropyHost, softmaxHost } from '../model/loss.js';
import { checkBatch, nonFiniteInputError } from '../model/batch-checks.js';
import { featureWidth } from '../model/config.js';

/** Function-space target e in logit space. */
export type TargetKind = 'ce-identity' | 'ce-hessian' | 'ce-damped' | 'mse';
export const TARGET_KINDS: readonly TargetKind[] = ['ce-identity', 'ce-hessian', 'ce-damped', 'mse'];
/** How dTheta_g accounts for dTheta_f. */
export type UpdateRule = 'block' | 'half-coupling';
export const UPDATE_RULES: readonly UpdateRule[] = ['block', 'half-coupling'];
/** 'sum': each block realizes T (paper); 'mean': each realizes T / L. */
export type BlockScaling = 'sum' | 'mean';

export interface GNOptions {
  /** Output-space target (default 'ce-identity', as in every paper run). */
  target: TargetKind;
  /** lambda of the 'ce-damped' target (H + lambda I)^{-1} (p - y). */
  targetDamping: number;
  /** Block rule (default 'block', the corrected one). */
  rule: UpdateRule;
  /** Pseudo-inverse of A (default 'truncated' as in the paper). */
  pinv: PinvMethod;
  /** Truncation: keep singular values s >= max(rtol * s_max, atol). Paper: 1e-2 and 1e-5. */
  rtol: number;
  atol: number;
  /** lambda of the 'damped' pseudo-inverse (A A^T + lambda I)^{-1}. */
  damping: number;
  /** Block scaling (default 'sum', as in the paper). */
  scaling: BlockScaling;
  /** Also measure, per block, |J_l dTheta_l - T| / |T| with the hand-written JVPs. */
  residual: boolean;
  /** Also return the Gram eigenvalues (squared singular values of A) of every half. */
  spectrum: boolean;
  /**
   * Relative Gaussian noise added to each solved coefficient matrix C = (A A^T)^+ t (appendix:
   * "noise added to the pseudo-inverse"); 0 = none. Drawn from `noiseSeed`.
   */
  noise: number;
  noiseSeed: number;
}

export const DEFAULT_GN: GNOptions = {
  target: 'ce-identity',
  targetDamping: 1e-3,
  rule: 'block',
  pinv: 'truncated',
  rtol: 1e-2,
  atol: 1e-5,
  damping: 1e-3,
  scaling: 'sum',
  residual: false,
  spectrum: false,
  noise: 0,
  noiseSeed: 0,
};

/** What one pseudo-inverse solve did. */
export interface HalfDiagnostics {
  /** Directions kept (n when A has full row rank and nothing was truncated). */
  rank: number;
  /** Batch size n (rows of A). */
  n: number;
  /** Condition number of the Gram matrix A A^T (Infinity when singular). */
  cond: number;
  /** Solver path actually used, e.g. 'truncated/cholesky'. */
  method: string;
  /** Gram eigenvalues, descending (only with options.spectrum). */
  spectrum?: Float64Array;
}

export interface BlockDiagnostics {
  block: number;
  f: HalfDiagnostics;
  g: HalfDiagnostics;
  /** True when both solves kept every direction (rank n): the block realizes T exactly. */
  exact: boolean;
  /** |J_l dTheta_l - T_l| / |T_l| at the block output (only with options.residual). */
  residual?: number;
}

export interface GNUpdate {
  /** dTheta per block (scaled); the caller owns these tensors (see disposeParams). */
  update: Params;
  /** Mean cross-entropy of the batch before the update. */
  loss: number;
  blocks: BlockDiagnostics[];
}

/** Validates GN options (partial input, defaults filled). */
export function gnOptions(input: Partial<GNOptions> = {}, prefix = 'gn'): GNOptions {
  const o: GNOptions = { ...DEFAULT_GN, ...input };
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULT_GN)) throw new ConfigError(`${prefix}.${key}`, `unknown key; allowed keys are ${Object.keys(DEFAULT_GN).join(', ')}`);
  }
  const oneOf = <T>(field: string, v: T, allowed: readonly T[]): void => {
    if (!allowed.includes(v)) throw new ConfigError(`${prefix}.${field}`, `unknown value ${show(v)}; use one of ${allowed.join(', ')}`);
  };
  oneOf('target', o.target, TARGET_KINDS);
  oneOf('rule', o.rule, UPDATE_RULES);
  oneOf('pinv', o.pinv, PINV_METHODS);
  oneOf('scaling', o.scaling, ['sum', 'mean'] as const);
  for (const f of ['rtol', 'atol', 'noise'] as const) {
    if (typeof o[f] !== 'number' || !(o[f] >= 0) || !Number.isFinite(o[f])) throw new ConfigError(`${prefix}.${f}`, `must be a finite number >= 0, got ${show(o[f])}`);
  }
  for (const f of ['damping', 'targetDamping'] as const) {
    if (typeof o[f] !== 'number' || !(o[f] > 0) || !Number.isFinite(o[f])) throw new ConfigError(`${prefix}.${f}`, `must be a finite number > 0, got ${show(o[f])}`);
  }
  return o;
}

/**
 * Step 1: the function-space target e [n, k] in logit space, in float64 on the host.
 *  - ce-identity: e = p - y
 *  - ce-hessian:  e = H^+ (p - y), H = diag(p) - p p^T. H 1 = 0 and (p - y) is orthogonal to 1, so
 *                 e = r/p - mean(r/p) with r = p - y (the solution orthogonal to H's null space).
 *  - ce-damped:   e = (H + lambda I)^{-1} (p - y), by Sherman-Morrison on diag(p + lambda) - p p^T.
 *  - mse:         e = o - y.
 */
export function functionSpaceTarget(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  k: number,
  kind: TargetKind,
  lambda = DEFAULT_GN.targetDamping,
): Float64Array {
  const e = new Float64Array(n * k);
  if (kind === 'mse') {
    for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) e[r * k + c] = logits[r * k + c]! - (labels[r] === c ? 1 : 0);
    return e;
  }
  const p = softmaxHost(logits, n, k);
  for (let r = 0; r < n; r++) {
    const row = r * k;
    if (kind === 'ce-identity') {
      for (let c = 0; c < k; c++) e[row + c] = p[row + c]! - (labels[r] === c ? 1 : 0);
    } else if (kind === 'ce-hessian') {
      let mean = 0;
      for (let c = 0; c < k; c++) {
        const pc = Math.max(p[row + c]!, 1e-300);
        const v = (p[row + c]! - (labels[r] === c ? 1 : 0)) / pc;
        e[row + c] = v;
        mean += v;
      }
      mean /= k;
      for (let c = 0; c < k; c++) e[row + c] = e[row + c]! - mean;
    } else {
      // (D - p p^T)^{-1} r = D^{-1} r + D^{-1} p (p^T D^{-1} r) / (1 - p^T D^{-1} p), D = diag(p + lambda)
      let pDr = 0;
      let pDp = 0;
      for (let c = 0; c < k; c++) {
        const pc = p[row + c]!;
        const rc = pc - (labels[r] === c ? 1 : 0);
        pDr += (pc * rc) / (pc + lambda);
        pDp += (pc * pc) / (pc + lambda);
      }
      const s = pDr / (1 - pDp);
      for (let c = 0; c < k; c++) {
        const pc = p[row + c]!;
        const rc = pc - (labels[r] === c ? 1 : 0);
        e[row + c] = (rc + pc * s) / (pc + lambda);
      }
    }
  }
  return e;
}

/**
 * Computes the exact GN update dTheta for one batch (not applied).
 *
 * @example
 * await useBackend();
 * const model = RevMLP.init({ inputDim: 784, hidden: 2048, blocks: 2, classes: 10 });
 * const { update, loss, blocks } = gnUpdate(model, x, labels, { residual: true });
 * console.log(loss, blocks.map((b) => b.residual));
 * model.setParams(zipParams(model.params, update, (w, d) => w.sub(d.mul(0.1))));
 * disposeParams(update);
 */
export function gnUpdate(model: RevMLP, x: tf.Tensor2D, labels: Int32Array, options: Partial<GNOptions> = {}): GNUpdate {
  const { n } = checkBatch(model, x, labels, options);
  const o = gnOptions(options);
  const cfg = model.config;
  const half = cfg.inputDim / 2;
  const L = cfg.blocks;

  // Forward pass: logits, loss, and where the pull-back will find each block's inputs.
  const { logits: logitsHost, inputs } = phase('forward', () => gnForward(model, x));
  const loss = crossEntropyHost(logitsHost, labels, n, cfg.classes);
  if (!Number.isFinite(loss)) {
    inputs.dispose();
    throw nonFiniteInputError(x) ?? new NumericalError(`the batch loss is ${loss} before the GN step: the model has diverged (lower the learning rate)`);
  }

  // Step 1: target T = e U^T at the output, split into the two halves (t1, t2).
  let tangent: Tangent | null = phase('forward', () => {
    const e = functionSpaceTarget(logitsHost, labels, n, cfg.classes, o.target, o.targetDamping);
    return keepTangent(tidy(() => {
      const T = tf.matMul<tf.Tensor2D>(tf.tensor2d(Float32Array.from(e), [n, cfg.classes]), model.Ut);
      return { t1: tf.slice(T, [0, 0], [-1, half]) as tf.Tensor2D, t2: tf.slice(T, [0, half], [-1, half]) as tf.Tensor2D };
    }));
  });

  // Steps 2-3, block by block from the output.
  const update: Params = new Array(L);
  const blocks: BlockDiagnostics[] = new Array(L);
  const scale = o.scaling === 'mean' ? 1 / L : 1;
  try {
    for (let l = L - 1; l >= 0; l--) {
      const { f, g } = inputs.block(l);
      const step = tidy(() => blockStep(f, g, tangent!, l > 0, o, l));
      inputs.release(l);
      disposeTangent(tangent!);
      tangent = step.next;
      update[l] = { f: scaleHalf(step.dTheta_f, scale), g: scaleHalf(step.dTheta_g, scale) };
      const exact = step.f.rank === n && step.g.rank === n && o.pinv !== 'transpose' && o.pinv !== 'damped' && o.noise === 0;
      blocks[l] = { block: l, f: step.f, g: step.g, exact, ...(step.residual !== undefined ? { residual: step.residual } : {}) };
    }
  } catch (err) {
    for (const u of update) if (u) disposeParams([u]);
    throw err;
  } finally {
    if (tangent) disposeTangent(tangent);
    inputs.dispose();
  }
  return { update, loss, blocks };
}

/** The target at a block's output (t1, t2), or its pull-back to the block's input (dx1, dx2). */
export interface Tangent {
  t1: tf.Tensor2D;
  t2: tf.Tensor2D;
}

/** What {@link blockStep} returns (its tensors kept out of the caller's tidy). */
export interface BlockStep {
  dTheta_f: HalfParams;
  dTheta_g: HalfParams;
  f: HalfDiagnostics;
  g: HalfDiagnostics;
  /** The tangent at the block input (null for the first block: never used). */
  next: Tangent | null;
  residual?: number;
}

/**
 * Steps 2-3 for one block, with f and g its half-couplings at their inputs (A_1 = f.A, A_2 = g.A)
 * and (t1, t2) the target at its output:
 *   dTheta_f = A_1^+ t1
 *   dTheta_g = A_2^+ (t2 - J_g(y1) (A_1 dTheta_f))       rule 'block' ('half-coupling': A_2^+ t2)
 *   dx2 = t2 - J_g(y1) t1,  dx1 = t1 - J_f(x2) dx2        (when `pull`: the tangent at the block input)
 * Call inside a tidy: the returned tensors are kept, the rest is left to it.
 */
export function blockStep(f: HalfAt, g: HalfAt, { t1, t2 }: Tangent, pull: boolean, o: GNOptions, l: number): BlockStep {
  const solvedF = solveHalf(f.A, t1, f.A.bias, o, `block ${l} f`, 2 * l);
  const dTheta_f = solvedF.delta;
  // A_1 dTheta_f: from the solve as G C (n x n times n x m), unless the residual asks for the product itself.
  const dy1 = !o.residual && solvedF.realized ? solvedF.realized : phase('S^T C', () => f.A.times(dTheta_f));
  const correct = o.rule === 'block' || o.residual;
  // J_g(y1) applied to t1 (pull-back) and to A_1 dTheta_f (correction) in one go: s'(Y1 V_g^T) formed once.
  const Jg = phase('pull-back', () => g.jvp(...(pull ? [t1] : []), ...(correct ? [dy1] : [])));
  const Jg_t1 = pull ? Jg[0]! : null;
  const Jg_dy1 = correct ? Jg[pull ? 1 : 0]! : null;
  const rhsG = o.rule === 'block' ? (phase('pull-back', () => tf.sub(t2, Jg_dy1!)) as tf.Tensor2D) : t2;
  const solvedG = solveHalf(g.A, rhsG, g.A.bias, o, `block ${l} g`, 2 * l + 1);
  const dTheta_g = solvedG.delta;
  const out: BlockStep = { dTheta_f, dTheta_g, f: solvedF.diag, g: solvedG.diag, next: pull ? phase('pull-back', () => pullBack(f, g, { t1, t2 }, Jg_t1!)) : null };
  if (o.residual) {
    // Realized change of the block output: dy1 = A_1 dTheta_f, dy2 = J_g(y1) dy1 + A_2 dTheta_g.
    const dy2 = tf.add(Jg_dy1!, g.A.times(dTheta_g));
    const err = tf.add(tf.sum(tf.square(tf.sub(dy1, t1))), tf.sum(tf.square(tf.sub(dy2, t2))));
    const ref = tf.add(tf.sum(tf.square(t1)), tf.sum(tf.square(t2)));
    out.residual = Math.sqrt(err.dataSync()[0]! / Math.max(ref.dataSync()[0]!, 1e-300));
  }
  for (const t of [...halfTensors(dTheta_f), ...halfTensors(dTheta_g), ...(out.next ? [out.next.t1, out.next.t2] : [])]) tf.keep(t);
  return out;
}

/**
 * Step 2 for one block: the tangent at its input, through the JVP of the inverse map (no matrix is
 * inverted): dx2 = t2 - J_g(y1) t1, dx1 = t1 - J_f(x2) dx2. `Jg_t1` = J_g(y1) t1 when already formed.
 */
export function pullBack(f: HalfAt, g: HalfAt, { t1, t2 }: Tangent, Jg_t1: tf.Tensor2D = g.jvp(t1)[0]!): Tangent {
  const dx2 = tf.sub(t2, Jg_t1) as tf.Tensor2D;
  const dx1 = tf.sub(t1, f.jvp(dx2)[0]!) as tf.Tensor2D;
  return { t1: dx1, t2: dx2 };
}

/**
 * Where the pull-back finds each block's half-couplings at their inputs: kept from the forward pass,
 * or rebuilt from the block output through the inverse (x2 = y2 - g(y1), x1 = y1 - f(x2): nothing
 * stored, the paper's memory-lean way). block(l) is asked once per block, from the last to the
 * first; its halves stay valid until release(l).
 */
export interface BlockInputs {
  block(l: number): BlockHalves;
  release(l: number): void;
  dispose(): void;
}

/** Block inputs kept from the forward pass (each block's halves own their tensors). */
export function keptInputs(blocks: BlockHalves[]): BlockInputs {
  const held: (BlockHalves | null)[] = [...blocks];
  for (const b of blocks) for (const t of [...b.f.tensors(), ...b.g.tensors()]) tf.keep(t);
  const release = (l: number): void => {
    held[l]?.f.dispose();
    held[l]?.g.dispose();
    held[l] = null;
  };
  return { block: (l) => held[l]!, release, dispose: () => held.forEach((_, l) => release(l)) };
}

/** Block inputs rebuilt through the inverse from the output z, one block at a time. */
export function rebuiltInputs(model: RevMLP, z: tf.Tensor2D): BlockInputs {
  const half = model.config.inputDim / 2;
  let y: Tangent | null = keepTangent(tidy(() => ({ t1: tf.slice(z, [0, 0], [-1, half]) as tf.Tensor2D, t2: tf.slice(z, [0, half], [-1, half]) as tf.Tensor2D })));
  let current: BlockHalves | null = null;
  let next: Tangent | null = null;
  const release = (): void => {
    current?.f.dispose();
    current?.g.dispose();
    current = null;
    if (y) disposeTangent(y);
    y = next;
    next = null;
  };
  return {
    block: (l) => {
      const { t1: y1, t2: y2 } = y!;
      tf.tidy(() => {
        const g = model.halfAt(l, 'g', tf.clone(y1));
        const x2 = tf.sub(y2, g.out()) as tf.Tensor2D;
        const f = model.halfAt(l, 'f', x2);
        if (l > 0) next = keepTangent({ t1: tf.sub(y1, f.out()) as tf.Tensor2D, t2: tf.clone(x2) });
        for (const t of [...f.tensors(), ...g.tensors()]) tf.keep(t);
        current = { f, g };
      });
      return current!;
    },
    release,
    dispose: () => {
      release();
      release();
    },
  };
}

/**
 * Most bytes of forward features the GN step keeps for its pull-back instead of rebuilding them
 * (EXACT_GN_KEEP_ACTIVATIONS_MB overrides; 0 = always rebuild). MNIST and CIFAR-10 at paper scale
 * need 66 and 327 MB (block 1 keeps no n x h features).
 */
const KEEP_ACTIVATIONS_MB = 1024;

/** Bytes the halves of a forward pass keep beyond their inputs (n x h features, twice for tanh). */
function keptFeatureBytes(model: RevMLP, n: number): number {
  let bytes = 0;
  model.fixed.forEach((b, l) => {
    for (const side of ['f', 'g'] as const) if (!model.folds(l, side, n)) bytes += n * featureWidth(model.config) * 4 * (b[side].act === 'tanh' ? 2 : 1);
  });
  return bytes;
}

/** The forward pass of the GN step: host logits, and the block inputs (kept when they fit the budget). */
function gnForward(model: RevMLP, x: tf.Tensor2D): { logits: Float32Array; inputs: BlockInputs } {
  const env = Number(envVar('EXACT_GN_KEEP_ACTIVATIONS_MB'));
  const budgetMB = Number.isFinite(env) && env >= 0 ? env : KEEP_ACTIVATIONS_MB;
  const keep = keptFeatureBytes(model, x.shape[0]) <= budgetMB * 2 ** 20;
  let inputs: BlockInputs | null = null;
  const logits = tidy(() => {
    const { blocks, z } = model.forwardHalves(x);
    inputs = keep ? keptInputs(blocks) : rebuiltInputs(model, z);
    return tf.matMul<tf.Tensor2D>(z, model.U).dataSync() as Float32Array;
  });
  return { logits, inputs: inputs! };
}

function keepTangent(t: Tangent): Tangent {
  tf.keep(t.t1);
  tf.keep(t.t2);
  return t;
}

function disposeTangent(t: Tangent): void {
  t.t1.dispose();
  t.t2.dispose();
}

function halfTensors(d: HalfParams): tf.Tensor[] {
  return d.b ? [d.Wt, d.b] : [d.Wt];
}

function scaleHalf(d: HalfParams, s: number): HalfParams {
  if (s === 1) return d;
  const out: HalfParams = { Wt: tf.mul(d.Wt, s) as tf.Tensor2D };
  if (d.b) out.b = tf.mul(d.b, s) as tf.Tensor1D;
  d.Wt.dispose();
  d.b?.dispose();
  return out;
}

/**
 * dTheta = A^+ t: forms G = A A^T on the backend (for explicit features S, A = [S, 1] with the ones
 * column only with a bias), solves C = G^+ t on the host in float64, returns dW^T = S^T C and
 * db = 1^T C, and the realized output change A dTheta = G C (not for 'transpose').
 */
export function solveHalf(
  A: FeatureMatrix | tf.Tensor2D,
  t: tf.Tensor2D,
  bias: boolean,
  o: GNOptions,
  where = 'half-coupling',
  stream = 0,
): { delta: HalfParams; diag: HalfDiagnostics; realized?: tf.Tensor2D } {
  const a = A instanceof tf.Tensor ? featureMatrix(A, bias) : A;
  if (a.bias !== bias) throw new Error(`solveHalf: the feature matrix ${a.bias ? 'has' : 'has no'} ones column but bias = ${bias}`);
  const n = t.shape[0];
  if (o.pinv === 'transpose') {
    return { delta: phase('S^T C', () => a.transposeTimes(t)), diag: { rank: n, n, cond: NaN, method: 'transpose' } };
  }
  // G = A A^T, or its narrow factor B (G = B B^T) when A's rank is below n (the linear first block):
  // then only B^T B (r x r) is decomposed on the host.
  const B = o.pinv === 'truncated' && a.factorWidth !== null ? phase('Gram', () => a.factor()) : null;
  const G = B ? null : phase('Gram', () => a.gram());
  const context = `batch n = ${n}, features h+1 = ${a.width + (bias ? 1 : 0)}; the exact right inverse needs rank n`;
  const { C, diag } = phase('host solve', () => hostSolve(B ?? G!, !!B, t, o, where, context, stream));
  const delta = phase('S^T C', () => a.transposeTimes(C));
  // A dTheta = A A^T C = G C (or B (B^T C)): the realized output change, at n/h of the cost of A dTheta.
  const realized = phase('S^T C', () => (B ? tf.matMul<tf.Tensor2D>(B, matMulT(B, C, true, false)) : tf.matMul<tf.Tensor2D>(G!, C)));
  return { delta, diag, realized };
}

/**
 * C = G^+ t in float64 on the host (the truncation, damping or noise of the options), from G itself
 * or (`factored`) from B with G = B B^T.
 */
function hostSolve(M: tf.Tensor2D, factored: boolean, t: tf.Tensor2D, o: GNOptions, where: string, context: string, stream: number): { C: tf.Tensor2D; diag: HalfDiagnostics } {
  const [n, m] = t.shape;
  const mat = Float64Array.from(M.dataSync());
  const rhs = Float64Array.from(t.dataSync());
  let res;
  try {
    res = factored
      ? factoredPinvSolve(mat, n, M.shape[1], rhs, m, { rtol: o.rtol, atol: o.atol })
      : gramPinvSolve(mat, n, rhs, m, { method: o.pinv, rtol: o.rtol, atol: o.atol, damping: o.damping, wantSpectrum: o.spectrum });
  } catch (e) {
    if (e instanceof NumericalError) throw new NumericalError(`${where}: ${e.message} (${context})`);
    throw e;
  }
  const sol = res.solution;
  if (o.noise > 0) perturb(sol, o.noise, o.noiseSeed * 1000003 + stream);
  const diag: HalfDiagnostics = { rank: res.rank, n, cond: res.cond, method: res.method };
  if (res.spectrum && o.spectrum) diag.spectrum = res.spectrum;
  return { C: tf.tensor2d(Float32Array.from(sol), [n, m]), diag };
}

/** Adds seeded Gaussian noise of relative size sigma (relative to the RMS of c) in place. */
function perturb(c: Float64Array, sigma: number, seed: number): void {
  let ss = 0;
  for (let i = 0; i < c.length; i++) ss += c[i]! * c[i]!;
  const rms = Math.sqrt(ss / Math.max(1, c.length));
  const rng = new Rng(seed | 0);
  for (let i = 0; i < c.length; i++) c[i] = c[i]! + sigma * rms * rng.normal();
}

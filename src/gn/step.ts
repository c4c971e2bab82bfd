/**
 * The exact Gauss-Newton step of PAPER.md ("The exact GN step"), in one place:
 *
 *  1. function-space target per sample in logit space, e (n x k), lifted to z-space: T = e U^T;
 *  2. pull-back of T through the inverse network, block by block from the output:
 *       x2 = y2 - g(y1),  x1 = y1 - f(x2)                      (inputs rebuilt, nothing stored)
 *       dx2 = t2 - J_g(y1) t1,  dx1 = t1 - J_f(x2) dx2           (JVP of the inverse map)
 *  3. per block, with A_1 = [s(X2 V_f^T), 1], A_2 = [s(Y1 V_g^T), 1] and Theta = [W^T; b^T]:
 *       dTheta_f = A_1^+ t1
 *       dTheta_g = A_2^+ (t2 - J_g(Y1) (A_1 dTheta_f))            rule 'block' (corrected, default)
 *       dTheta_g = A_2^+ t2                                        rule 'half-coupling' (paper-era)
 *     where A^+ t = A^T (A A^T)^+ t: the n x n Gram matrix A A^T is formed on the backend and its
 *     (truncated) pseudo-inverse applied on the host in float64;
 *  4. the caller applies theta <- theta - lr * dTheta (scaling 'sum': every block realizes T, so the
 *     first-order output change is -lr * L * T; 'mean' divides by L).
 *
 * If every A has full row rank, J_l dTheta_l = T exactly for each block l (see the tests).
 */
import { tf, tidy } from '../backend/index.js';
import { matMulT } from '../backend/blas.js';
import { ConfigError, NumericalError, show } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { gramPinvSolve, PINV_METHODS, type PinvMethod } from '../linalg/index.js';
import {
  activate,
  activationGrad,
  halfForward,
  halfJvpInput,
  paramJvp,
  type BlockParams,
  type HalfFixed,
  type HalfParams,
  type Params,
  type RevMLP,
} from '../model/revmlp.js';
import { crossEntropyHost, softmaxHost } from '../model/loss.js';
import { checkLabels, checkStepInputs, nonFiniteInputError } from '../model/batch-checks.js';
import { featureWidth, type Activation } from '../model/config.js';

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
  checkStepInputs(model, x, labels, options);
  const o = gnOptions(options);
  const cfg = model.config;
  model.checkInput(x);
  const n = x.shape[0];
  checkLabels(labels, n, cfg.classes);
  const half = cfg.inputDim / 2;
  const L = cfg.blocks;

  // Forward. When the features of every half fit the activation budget they are kept for the
  // pull-back (the rebuild below then costs nothing); otherwise only z is kept and every block input
  // is rebuilt by the inverse (the paper's memory-lean way). Same result up to float32 rounding.
  const { z, logits, kept } = forwardForGn(model, x);
  const logitsHost = logits.dataSync();
  logits.dispose();
  const loss = crossEntropyHost(logitsHost, labels, n, cfg.classes);
  if (!Number.isFinite(loss)) {
    z.dispose();
    disposeKept(kept);
    throw nonFiniteInputError(x) ?? new NumericalError(`the batch loss is ${loss} before the GN step: the model has diverged (lower the learning rate)`);
  }

  // Step 1: target T = e U^T, split into the two halves.
  const e = functionSpaceTarget(logitsHost, labels, n, cfg.classes, o.target, o.targetDamping);
  let state: PullState | typeof EMPTY_STATE = tidy(() => {
    const T = tf.matMul<tf.Tensor2D>(tf.tensor2d(Float32Array.from(e), [n, cfg.classes]), model.Ut);
    return {
      y1: tf.slice(z, [0, 0], [-1, half]) as tf.Tensor2D,
      y2: tf.slice(z, [0, half], [-1, half]) as tf.Tensor2D,
      t1: tf.slice(T, [0, 0], [-1, half]) as tf.Tensor2D,
      t2: tf.slice(T, [0, half], [-1, half]) as tf.Tensor2D,
    };
  });
  z.dispose();

  const update: Params = new Array(L);
  const blocks: BlockDiagnostics[] = new Array(L);
  const scale = o.scaling === 'mean' ? 1 / L : 1;
  try {
    for (let l = L - 1; l >= 0; l--) {
      const fx = model.fixed[l]!;
      const pr = model.params[l]!;
      const diag: Partial<BlockDiagnostics> = { block: l };
      const first = l === 0; // the first block's inputs and their tangents are never used
      const next = tidy(() => {
        const { y1, y2, t1, t2 } = state;
        // Step 2: rebuild the block input (or take it from the forward) and pull the tangent back
        // through the inverse.
        const kb = kept?.[l];
        const g: { P: tf.Tensor2D; S: tf.Tensor2D; out?: tf.Tensor2D } = kb ? kb.g : halfForward(fx.g, pr.g, y1);
        const x2 = kb ? kb.x2 : (tf.sub(y2, g.out!) as tf.Tensor2D);
        const f: { P: tf.Tensor2D; S: tf.Tensor2D; out?: tf.Tensor2D } = kb ? kb.f : first ? halfFeatures(fx.f, x2) : halfForward(fx.f, pr.f, x2);
        const dsG = activationGrad(fx.g.act, g.P); // s'(Y1 V_g^T), shared by the JVPs through g
        let pulled: PullState | null = null;
        if (!first) {
          const x1 = kb ? kb.x1 : (tf.sub(y1, f.out!) as tf.Tensor2D);
          const dx2 = tf.sub(t2, halfJvpInput(fx.g, pr.g, g.P, t1, dsG)) as tf.Tensor2D;
          const dx1 = tf.sub(t1, halfJvpInput(fx.f, pr.f, f.P, dx2)) as tf.Tensor2D;
          pulled = { y1: x1, y2: x2, t1: dx1, t2: dx2 };
        }

        // Step 3: per-block right inverse.
        const solvedF = solveHalf(f.S, t1, !!pr.f.b, o, `block ${l} f`, 2 * l);
        const dF = solvedF.delta;
        // A_1 dTheta_f; from the solve as G C (n x n times n x m) unless the residual asks for the JVP itself.
        const realizedY1 = !o.residual && solvedF.realized ? solvedF.realized : paramJvp(f.S, dF);
        const jvpG = o.rule === 'block' || o.residual ? halfJvpInput(fx.g, pr.g, g.P, realizedY1, dsG) : null;
        const rhsG = o.rule === 'block' ? (tf.sub(t2, jvpG!) as tf.Tensor2D) : t2;
        const solvedG = solveHalf(g.S, rhsG, !!pr.g.b, o, `block ${l} g`, 2 * l + 1);
        const dG = solvedG.delta;
        diag.f = solvedF.diag;
        diag.g = solvedG.diag;
        if (o.residual) {
          // Realized change of the block output: dy1 = A_1 dTheta_f, dy2 = J_g(y1) dy1 + A_2 dTheta_g.
          const dy2 = tf.add(jvpG!, paramJvp(g.S, dG));
          const err = tf.add(tf.sum(tf.square(tf.sub(realizedY1, t1))), tf.sum(tf.square(tf.sub(dy2, t2))));
          const ref = tf.add(tf.sum(tf.square(t1)), tf.sum(tf.square(t2)));
          diag.residual = Math.sqrt(err.dataSync()[0]! / Math.max(ref.dataSync()[0]!, 1e-300));
        }
        const scaled: BlockParams = { f: scaleHalf(dF, scale), g: scaleHalf(dG, scale) };
        return { state: pulled, scaled };
      });
      // Tensors can be shared between the state and the kept features (without a bottleneck, P is
      // the block input itself, and one block's input is the previous block's output): dispose
      // only what neither the next state nor the blocks still to come refer to.
      const live = new Set<tf.Tensor>([...Object.values(next.state ?? {}), ...(kept ? kept.slice(0, l).flatMap(keptTensors) : [])]);
      for (const t of [...Object.values(state), ...(kept?.[l] ? keptTensors(kept[l]!) : [])]) if (!live.has(t)) t.dispose();
      state = next.state ?? EMPTY_STATE;
      update[l] = next.scaled;
      diag.exact = diag.f!.rank === n && diag.g!.rank === n && o.pinv !== 'transpose' && o.pinv !== 'damped' && o.noise === 0;
      blocks[l] = diag as BlockDiagnostics;
    }
  } catch (err) {
    for (const u of update) if (u) for (const h of [u.f, u.g]) {
      h.Wt.dispose();
      h.b?.dispose();
    }
    throw err;
  } finally {
    for (const t of Object.values(state)) t.dispose();
    disposeKept(kept);
  }
  return { update, loss, blocks };
}

/**
 * Most bytes of forward features the GN step keeps for its pull-back instead of rebuilding them
 * (EXACT_GN_KEEP_ACTIVATIONS_MB overrides; 0 = always rebuild). MNIST and CIFAR-10 at paper scale
 * need 131 and 393 MB.
 */
const KEEP_ACTIVATIONS_MB = 1024;

/** What the pull-back of one block needs from the forward. */
interface KeptBlock {
  x1: tf.Tensor2D;
  x2: tf.Tensor2D;
  /** P: what s' is evaluated at (for ReLU the features S themselves: step(S) = step(P)). */
  f: { P: tf.Tensor2D; S: tf.Tensor2D };
  g: { P: tf.Tensor2D; S: tf.Tensor2D };
}

/** z, logits, and the per-block features when they fit the budget (see KEEP_ACTIVATIONS_MB). */
function forwardForGn(model: RevMLP, x: tf.Tensor2D): { z: tf.Tensor2D; logits: tf.Tensor2D; kept: KeptBlock[] | null } {
  const cfg = model.config;
  const env = Number(process.env.EXACT_GN_KEEP_ACTIVATIONS_MB);
  const budgetMB = Number.isFinite(env) && env >= 0 ? env : KEEP_ACTIVATIONS_MB;
  const perHalf = x.shape[0] * featureWidth(cfg) * 4 * (cfg.activation === 'tanh' ? 2 : 1);
  if (2 * cfg.blocks * perHalf > budgetMB * 2 ** 20) return { ...model.forward(x), kept: null };
  return tidy(() => {
    const tr = model.forwardTrace(x);
    const pick = (act: Activation, P: tf.Tensor2D, S: tf.Tensor2D): { P: tf.Tensor2D; S: tf.Tensor2D } => ({ P: act === 'relu' ? S : P, S });
    const kept = tr.blocks.map((b, l) => {
      const fx = model.fixed[l]!;
      return { x1: b.x1, x2: b.x2, f: pick(fx.f.act, b.Pf, b.Sf), g: pick(fx.g.act, b.Pg, b.Sg) };
    });
    return { z: tr.z, logits: tf.matMul<tf.Tensor2D>(tr.z, model.U), kept };
  });
}

function keptTensors(b: KeptBlock): tf.Tensor2D[] {
  return [b.x1, b.x2, b.f.P, b.f.S, b.g.P, b.g.S];
}

function disposeKept(kept: KeptBlock[] | null): void {
  if (kept) for (const b of kept) for (const t of keptTensors(b)) t.dispose(); // disposing twice is a no-op
}

/** Block output and its tangent during the pull-back. */
interface PullState {
  y1: tf.Tensor2D;
  y2: tf.Tensor2D;
  t1: tf.Tensor2D;
  t2: tf.Tensor2D;
}
const EMPTY_STATE = {} as Record<string, never>;

/** P = x V^T and S = s(P) of a half-coupling, without its output (the first block's f needs no more). */
function halfFeatures(fx: HalfFixed, x: tf.Tensor2D): { P: tf.Tensor2D; S: tf.Tensor2D } {
  const P = fx.Vt ? tf.matMul<tf.Tensor2D>(x, fx.Vt) : x;
  return { P, S: activate(fx.act, P) };
}

function scaleHalf(d: HalfParams, s: number): HalfParams {
  if (s === 1) return d;
  const out: HalfParams = { Wt: tf.mul(d.Wt, s) as tf.Tensor2D };
  if (d.b) out.b = tf.mul(d.b, s) as tf.Tensor1D;
  return out;
}

/**
 * dTheta = A^+ t with A = [S, 1] (the ones column only with a bias): forms G = S S^T + 1 1^T on the
 * backend, solves C = G^+ t on the host in float64, returns dW^T = S^T C and db = 1^T C.
 */
export function solveHalf(
  S: tf.Tensor2D,
  t: tf.Tensor2D,
  bias: boolean,
  o: GNOptions,
  where = 'half-coupling',
  stream = 0,
): { delta: HalfParams; diag: HalfDiagnostics; realized?: tf.Tensor2D } {
  const [n, m] = t.shape;
  let C: tf.Tensor2D;
  let diag: HalfDiagnostics;
  let G: tf.Tensor2D | null = null;
  if (o.pinv === 'transpose') {
    C = t;
    diag = { rank: n, n, cond: NaN, method: 'transpose' };
  } else {
    G = matMulT(S, S, false, true); // S S^T (one ssyrk on the blas backend)
    if (bias) G = tf.add(G, 1) as tf.Tensor2D;
    const gram = Float64Array.from(G.dataSync());
    const rhs = Float64Array.from(t.dataSync());
    let res;
    try {
      res = gramPinvSolve(gram, n, rhs, m, { method: o.pinv, rtol: o.rtol, atol: o.atol, damping: o.damping, wantSpectrum: o.spectrum });
    } catch (e) {
      if (e instanceof NumericalError) {
        throw new NumericalError(
          `${where}: ${e.message} (batch n = ${n}, features h+1 = ${S.shape[1] + (bias ? 1 : 0)}; the exact right inverse needs rank n)`,
        );
      }
      throw e;
    }
    const sol = res.solution;
    if (o.noise > 0) perturb(sol, o.noise, o.noiseSeed * 1000003 + stream);
    C = tf.tensor2d(Float32Array.from(sol), [n, m]);
    diag = { rank: res.rank, n, cond: res.cond, method: res.method };
    if (res.spectrum) diag.spectrum = res.spectrum;
  }
  const delta: HalfParams = { Wt: matMulT(S, C, true, false) }; // S^T C
  if (bias) delta.b = tf.sum(C, 0) as tf.Tensor1D;
  // A dTheta = S S^T C + 1 1^T C = G C: the realized output change, at n/h of the cost of A dTheta.
  return G ? { delta, diag, realized: tf.matMul<tf.Tensor2D>(G, C) } : { delta, diag };
}

/** Adds seeded Gaussian noise of relative size sigma (relative to the RMS of c) in place. */
function perturb(c: Float64Array, sigma: number, seed: number): void {
  let ss = 0;
  for (let i = 0; i < c.length; i++) ss += c[i]! * c[i]!;
  const rms = Math.sqrt(ss / Math.max(1, c.length));
  const rng = new Rng(seed | 0);
  for (let i = 0; i < c.length; i++) c[i] = c[i]! + sigma * rms * rng.normal();
}

/**
 * The reversible MLP of PAPER.md ("Model: RevMLP"), in row-vector form (a batch X is n x d):
 *
 *   y1 = x1 + s(x2 V_f^T) W_f^T + b_f        (half-coupling f)
 *   y2 = x2 + s(y1 V_g^T) W_g^T + b_g        (half-coupling g)
 *   logits o = z U,  z = [y1, y2] after the last block.
 *
 * Tensors are stored in the layout the products need, so no matMul ever uses a transpose flag (on
 * wasm those are 10-50x slower): `Vt` = V^T [d/2, h], `Wt` = W^T [h, d/2]; `V` [h, d/2] is kept too
 * for vector-Jacobian products. Checkpoints use the paper's layout (W [d/2, h], V [h, d/2]).
 * Everything random is drawn on the host from the seed, so a model is identical on every backend.
 */
import { tf, tidy } from '../backend/core.js';
import { matMulT } from '../backend/matmul.js';
import { Rng } from '../util/rng.js';
import { orthonormalColumns } from '../linalg/orthonormal.js';
import { cholesky } from '../linalg/cholesky.js';
import { ConfigError } from '../util/errors.js';
import { blockActivation, featureWidth, modelConfig, type Activation, type RevMLPConfig, type RevMLPConfigInput } from './config.js';

/** Trained parameters of one half-coupling: Theta = [W^T; b^T], stored as Wt [h, d/2] and b [d/2]. */
export interface HalfParams {
  Wt: tf.Tensor2D;
  b?: tf.Tensor1D;
}
/** Trained parameters of one block (the same shape is used for updates dTheta and gradients). */
export interface BlockParams {
  f: HalfParams;
  g: HalfParams;
}
/** All trained parameters, block by block. */
export type Params = BlockParams[];

/** Fixed (untrained) tensors of one half-coupling. */
export interface HalfFixed {
  /** V^T [d/2, h]; undefined without bottleneck. */
  Vt?: tf.Tensor2D;
  /** V [h, d/2]; undefined without bottleneck. */
  V?: tf.Tensor2D;
  /** s of this half (same for f and g of a block). */
  act: Activation;
  /**
   * L [d/2, d/2], lower triangular with L L^T = V^T V (fixed): present only on a linear half
   * (s = identity, block 1 in the paper) whose bottleneck is wider than its input (h > d/2). Then
   * its products run without the n x h feature matrix (see {@link linearHalf}).
   */
  L?: tf.Tensor2D;
}
export interface BlockFixed {
  f: HalfFixed;
  g: HalfFixed;
}

/** Name of a trained tensor, as in checkpoints: `blocks.{l}.{f|g}.{W|b}`. */
export type HalfName = 'f' | 'g';

/**
 * A RevMLP: config, fixed random tensors (V, U) and trained parameters (W, b).
 *
 * @example
 * await useBackend();
 * const model = RevMLP.init({ inputDim: 784, hidden: 1024, blocks: 2, classes: 10, seed: 42 });
 * const { logits } = model.forward(x);   // x: tf.Tensor2D [n, 784]
 * model.dispose();
 */
export class RevMLP {
  readonly config: RevMLPConfig;
  readonly fixed: BlockFixed[];
  /** Readout U [d, k], orthonormal columns (fixed). */
  readonly U: tf.Tensor2D;
  /** U^T [k, d] (lifts a logit-space target to z-space). */
  readonly Ut: tf.Tensor2D;
  private _params: Params;
  /**
   * M = V^T W^T [d/2, d/2] of every linear half that can fold (see {@link linearHalf}) for the current
   * params, by `l.side`, refreshed whenever the params change (so the model's tensor count does not
   * depend on which batches it has seen).
   */
  private readonly maps = new Map<string, tf.Tensor2D>();
  /** true: a linear half always folds; 'auto': where it saves FLOPs at the batch (see {@link foldSavesFlops}). */
  private readonly foldMode: true | 'auto';

  constructor(config: RevMLPConfig, fixed: BlockFixed[], U: tf.Tensor2D, params: Params, foldMode: true | 'auto' = 'auto') {
    this.config = config;
    this.fixed = fixed;
    this.U = U;
    this.Ut = tf.keep(tf.transpose(U));
    this._params = params;
    this.foldMode = foldMode;
    this.refreshMaps();
  }

  /**
   * Builds a model from its config with the seeded initialization of PAPER.md. `foldLinear`: 'auto'
   * (default) runs a linear half through {@link linearHalf} at the batches where that saves FLOPs
   * ({@link foldSavesFlops}), true always, false never (the linear first block then goes through its
   * n x h features like every other block: the plain computation the fast path is tested against).
   */
  static init(input: RevMLPConfigInput, options: { foldLinear?: boolean | 'auto' } = {}): RevMLP {
    const cfg = modelConfig(input);
    const host = initHostTensors(cfg);
    return RevMLP.fromHost(cfg, host, options);
  }

  /**
   * Builds a model from host arrays in checkpoint layout (W [d/2, h], V [h, d/2], U [d, k]).
   * Used by init and by checkpoint loading.
   */
  static fromHost(cfg: RevMLPConfig, host: HostTensors, options: { foldLinear?: boolean | 'auto' } = {}): RevMLP {
    const foldLinear = options.foldLinear ?? 'auto';
    const half = cfg.inputDim / 2;
    const h = featureWidth(cfg);
    const fixed: BlockFixed[] = [];
    const params: Params = [];
    for (let l = 0; l < cfg.blocks; l++) {
      const act = blockActivation(cfg, l);
      const fx = {} as BlockFixed;
      const pr = {} as BlockParams;
      for (const side of ['f', 'g'] as const) {
        const name = `blocks.${l}.${side}`;
        const hf: HalfFixed = { act };
        if (cfg.hidden !== null) {
          const V = need(host, `${name}.V`);
          hf.V = tf.keep(tf.tensor2d(V, [h, half]));
          hf.Vt = tf.keep(tf.transpose(hf.V));
          if (foldLinear !== false && act === 'linear' && h > half) {
            const L = gramFactor(hf.Vt, hf.V);
            if (L) hf.L = tf.keep(L);
          }
        }
        fx[side] = hf;
        const W = need(host, `${name}.W`);
        const p: HalfParams = { Wt: tf.keep(tf.tidy(() => tf.transpose(tf.tensor2d(W, [half, h])))) };
        if (cfg.bias) p.b = tf.keep(tf.tensor1d(need(host, `${name}.b`)));
        pr[side] = p;
      }
      fixed.push(fx);
      params.push(pr);
    }
    const U = tf.keep(tf.tensor2d(need(host, 'readout.U'), [cfg.inputDim, cfg.classes]));
    return new RevMLP(cfg, fixed, U, params, foldLinear === true ? true : 'auto');
  }

  /** Trained parameters (owned by the model; do not dispose them yourself). */
  get params(): Params {
    return this._params;
  }

  /** Replaces the trained parameters, disposing the old ones. The model takes ownership of `next`. */
  setParams(next: Params): void {
    const old = this._params;
    forEachParam(next, (_n, t) => tf.keep(t));
    this._params = next;
    forEachParam(old, (_n, t) => {
      if (!paramsContain(next, t)) t.dispose();
    });
    this.refreshMaps();
  }

  /**
   * Replaces each trained tensor w by fn(w, name, index) (index in {@link forEachParam} order), one
   * at a time, disposing the old one right away: the peak memory of an in-place update (the
   * parameters plus one tensor), unlike building a whole new set for {@link setParams}. Each fn runs
   * in its own tidy; keep anything else it makes that must outlive it.
   *
   * @example
   * model.updateParams((w, name, i) => tf.sub(w, tf.mul(grads[i], lr)));
   */
  updateParams(fn: (w: tf.Tensor, name: string, index: number) => tf.Tensor): void {
    const next: Params = this._params.map((bp) => ({ f: { ...bp.f }, g: { ...bp.g } }));
    let i = 0;
    try {
      for (const bp of next) {
        for (const side of ['f', 'g'] as const) {
          const hp = bp[side];
          for (const kind of ['Wt', 'b'] as const) {
            const old = hp[kind];
            if (!old) continue;
            const name = `blocks.${next.indexOf(bp)}.${side}.${kind === 'Wt' ? 'W' : 'b'}`;
            const fresh = tf.keep(tf.tidy(() => fn(old, name, i++)));
            if (kind === 'Wt') hp.Wt = fresh as tf.Tensor2D;
            else hp.b = fresh as tf.Tensor1D;
            if (fresh !== old) old.dispose();
          }
        }
      }
    } finally {
      this._params = next;
      this.refreshMaps();
    }
  }

  /** Drops every M = V^T W^T. */
  private dropMaps(): void {
    for (const M of this.maps.values()) M.dispose();
    this.maps.clear();
  }

  /** Recomputes M = V^T W^T of every linear half for the current params (one d/2 x h x d/2 product each). */
  private refreshMaps(): void {
    this.dropMaps();
    this.fixed.forEach((fx, l) => {
      for (const side of ['f', 'g'] as const) {
        const hf = fx[side];
        if (hf.L) this.maps.set(`${l}.${side}`, tf.keep(tf.matMul<tf.Tensor2D>(hf.Vt!, this._params[l]![side].Wt)));
      }
    });
  }

  /** Whether half `side` of block `l` runs through {@link linearHalf} at a batch of n rows. */
  folds(l: number, side: HalfName, n: number): boolean {
    const fx = this.fixed[l]![side];
    if (!fx.L) return false;
    return this.foldMode === true || foldSavesFlops(n, this.config.inputDim / 2, featureWidth(this.config));
  }

  /**
   * Half-coupling `side` of block `l` evaluated at its input x (see {@link HalfAt}): the linear
   * algebra of {@link linearHalf} where it folds ({@link folds}), else {@link plainHalf}. No tidy:
   * call inside one. For the model's own params, M = V^T W^T is the one kept by the model.
   */
  halfAt(l: number, side: HalfName, x: tf.Tensor2D, params: Params = this._params): HalfAt {
    const fx = this.fixed[l]![side];
    const p = params[l]![side];
    if (!this.folds(l, side, x.shape[0])) return plainHalf(fx, p, x);
    if (params !== this._params) return linearHalf(fx, p, x, tf.matMul<tf.Tensor2D>(fx.Vt!, p.Wt), true);
    const cached = this.maps.get(`${l}.${side}`);
    return linearHalf(fx, p, x, cached ?? tf.matMul<tf.Tensor2D>(fx.Vt!, p.Wt), !cached);
  }

  /**
   * Forward pass through {@link halfAt}: z and every block's two half-couplings at their inputs (what
   * the VJP and the GN step need). No tidy: call inside one (or dispose the halves yourself).
   */
  forwardHalves(x: tf.Tensor2D, params: Params = this._params): { blocks: BlockHalves[]; z: tf.Tensor2D } {
    this.checkInput(x);
    const half = this.config.inputDim / 2;
    let x1 = tf.slice(x, [0, 0], [-1, half]) as tf.Tensor2D;
    let x2 = tf.slice(x, [0, half], [-1, half]) as tf.Tensor2D;
    const blocks: BlockHalves[] = [];
    for (let l = 0; l < this.config.blocks; l++) {
      const f = this.halfAt(l, 'f', x2, params);
      const y1 = tf.add(x1, f.out()) as tf.Tensor2D;
      const g = this.halfAt(l, 'g', y1, params);
      const y2 = tf.add(x2, g.out()) as tf.Tensor2D;
      blocks.push({ f, g });
      x1 = y1;
      x2 = y2;
    }
    return { blocks, z: tf.concat([x1, x2], 1) as tf.Tensor2D };
  }

  /** Forward pass: output z [n, d] and logits [n, k]. */
  forward(x: tf.Tensor2D, params: Params = this._params): { z: tf.Tensor2D; logits: tf.Tensor2D } {
    return tf.tidy(() => {
      const z = this.forwardHalves(x, params).z;
      return { z, logits: tf.matMul<tf.Tensor2D>(z, this.U) };
    });
  }

  /** Logits [n, k]. */
  logits(x: tf.Tensor2D, params: Params = this._params): tf.Tensor2D {
    return tf.tidy(() => tf.matMul<tf.Tensor2D>(this.forwardHalves(x, params).z, this.U));
  }

  /**
   * Forward pass that keeps, per block, the inputs and the n x h features of every half (no tidy:
   * call it inside one). The plain computation: no linear-block algebra (see {@link forwardHalves}).
   */
  forwardTrace(x: tf.Tensor2D, params: Params = this._params): ForwardTrace {
    this.checkInput(x);
    const half = this.config.inputDim / 2;
    let x1 = tf.slice(x, [0, 0], [-1, half]) as tf.Tensor2D;
    let x2 = tf.slice(x, [0, half], [-1, half]) as tf.Tensor2D;
    const blocks: BlockTrace[] = [];
    for (let l = 0; l < this.config.blocks; l++) {
      const fx = this.fixed[l]!;
      const pr = params[l]!;
      const f = halfForward(fx.f, pr.f, x2);
      const y1 = tf.add(x1, f.out) as tf.Tensor2D;
      const g = halfForward(fx.g, pr.g, y1);
      const y2 = tf.add(x2, g.out) as tf.Tensor2D;
      blocks.push({ x1, x2, y1, y2, Pf: f.P, Sf: f.S, Pg: g.P, Sg: g.S });
      x1 = y1;
      x2 = y2;
    }
    return { blocks, z: tf.concat([x1, x2], 1) as tf.Tensor2D };
  }

  /** Exact inverse: rebuilds the input from the output z, block by block, nothing stored. */
  inverse(z: tf.Tensor2D, params: Params = this._params): tf.Tensor2D {
    return tf.tidy(() => {
      const half = this.config.inputDim / 2;
      let y1 = tf.slice(z, [0, 0], [-1, half]) as tf.Tensor2D;
      let y2 = tf.slice(z, [0, half], [-1, half]) as tf.Tensor2D;
      for (let l = this.config.blocks - 1; l >= 0; l--) {
        const x2 = tf.sub(y2, this.halfAt(l, 'g', y1, params).out()) as tf.Tensor2D;
        const x1 = tf.sub(y1, this.halfAt(l, 'f', x2, params).out()) as tf.Tensor2D;
        y1 = x1;
        y2 = x2;
      }
      return tf.concat([y1, y2], 1) as tf.Tensor2D;
    });
  }

  /**
   * The state after each half-coupling (2L tensors [n, d]): after f of block l it is [y1, x2], after g
   * it is [y1, y2]. Used for CKA.
   */
  representations(x: tf.Tensor2D, params: Params = this._params): tf.Tensor2D[] {
    return tf.tidy(() => {
      const reps: tf.Tensor2D[] = [];
      const { blocks, z } = this.forwardHalves(x, params);
      blocks.forEach((b, l) => {
        const y1 = b.g.x;
        const y2 = l + 1 < blocks.length ? blocks[l + 1]!.f.x : (tf.slice(z, [0, this.config.inputDim / 2], [-1, -1]) as tf.Tensor2D);
        reps.push(tf.concat([y1, b.f.x], 1) as tf.Tensor2D, tf.concat([y1, y2], 1) as tf.Tensor2D);
      });
      return reps;
    });
  }

  /**
   * Jacobian-vector product w.r.t. the trained parameters: the first-order change of z [n, d] when
   * the parameters move along `dTheta` (J dTheta). Forward-mode, written by hand.
   */
  jvp(x: tf.Tensor2D, dTheta: Params, params: Params = this._params): tf.Tensor2D {
    return tf.tidy(() => {
      const tr = this.forwardTrace(x, params);
      let d1: tf.Tensor2D | null = null;
      let d2: tf.Tensor2D | null = null;
      for (let l = 0; l < this.config.blocks; l++) {
        const b = tr.blocks[l]!;
        const fx = this.fixed[l]!;
        const pr = params[l]!;
        // dy1 = dx1 + J_f(x2) dx2 + A_1 dTheta_f
        let dy1 = paramJvp(b.Sf, dTheta[l]!.f);
        if (d2) dy1 = tf.add(dy1, halfJvpInput(fx.f, pr.f, b.Pf, d2)) as tf.Tensor2D;
        if (d1) dy1 = tf.add(dy1, d1) as tf.Tensor2D;
        // dy2 = dx2 + J_g(y1) dy1 + A_2 dTheta_g
        let dy2 = tf.add(paramJvp(b.Sg, dTheta[l]!.g), halfJvpInput(fx.g, pr.g, b.Pg, dy1)) as tf.Tensor2D;
        if (d2) dy2 = tf.add(dy2, d2) as tf.Tensor2D;
        d1 = dy1 as tf.Tensor2D;
        d2 = dy2;
      }
      return tf.concat([d1!, d2!], 1) as tf.Tensor2D;
    });
  }

  /**
   * Vector-Jacobian product w.r.t. the trained parameters: J^T gz for a cotangent gz [n, d] on z
   * (reverse mode, written by hand so every product is untransposed). Also returns the cotangent
   * on the input.
   */
  vjp(x: tf.Tensor2D, gz: tf.Tensor2D, params: Params = this._params): { grads: Params; gx: tf.Tensor2D } {
    return tidy(() => traceVjp(this, this.forwardTrace(x, params), gz, params));
  }

  /** Checks x is [n, d] float32. */
  checkInput(x: tf.Tensor): asserts x is tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.config.inputDim) {
      throw new ConfigError('x', `expected a batch of shape [n, ${this.config.inputDim}], got [${x.shape.join(', ')}]`);
    }
  }

  /** Disposes every tensor of the model. */
  dispose(): void {
    forEachParam(this._params, (_n, t) => t.dispose());
    this.dropMaps();
    for (const b of this.fixed) for (const h of [b.f, b.g]) {
      h.V?.dispose();
      h.Vt?.dispose();
      h.L?.dispose();
    }
    this.U.dispose();
    this.Ut.dispose();
  }
}

/** What a forward pass keeps per block (all [n, .] tensors). */
export interface BlockTrace {
  x1: tf.Tensor2D;
  x2: tf.Tensor2D;
  y1: tf.Tensor2D;
  y2: tf.Tensor2D;
  /** Pre-activations x2 V_f^T and y1 V_g^T [n, h] (the inputs themselves without bottleneck). */
  Pf: tf.Tensor2D;
  Pg: tf.Tensor2D;
  /** Features s(P) [n, h]: A = [S, 1]. */
  Sf: tf.Tensor2D;
  Sg: tf.Tensor2D;
}
export interface ForwardTrace {
  blocks: BlockTrace[];
  z: tf.Tensor2D;
}

/** One half-coupling: P = x V^T, S = s(P), out = S W^T + b. */
export function halfForward(fx: HalfFixed, p: HalfParams, x: tf.Tensor2D): { P: tf.Tensor2D; S: tf.Tensor2D; out: tf.Tensor2D } {
  const P = fx.Vt ? tf.matMul<tf.Tensor2D>(x, fx.Vt) : x;
  const S = activate(fx.act, P);
  let out = tf.matMul<tf.Tensor2D>(S, p.Wt);
  if (p.b) out = tf.add(out, p.b) as tf.Tensor2D;
  return { P, S, out };
}

/** s(P). */
export function activate(act: Activation, P: tf.Tensor2D): tf.Tensor2D {
  switch (act) {
    case 'linear':
      return P;
    case 'relu':
      return tf.relu(P);
    case 'tanh':
      return tf.tanh(P);
  }
}

/** s'(P) as a tensor, or null for the identity (nothing to multiply). */
export function activationGrad(act: Activation, P: tf.Tensor2D): tf.Tensor2D | null {
  switch (act) {
    case 'linear':
      return null;
    case 'relu':
      return tf.step(P) as tf.Tensor2D;
    case 'tanh':
      return tf.sub(1, tf.square(tf.tanh(P))) as tf.Tensor2D;
  }
}

/**
 * J_f(x) v = (s'(x V^T) * (v V^T)) W^T: the half-coupling's Jacobian w.r.t. its input, applied to v.
 * `ds` = activationGrad(fx.act, P) may be passed in when several products share it.
 */
export function halfJvpInput(fx: HalfFixed, p: HalfParams, P: tf.Tensor2D, v: tf.Tensor2D, ds: tf.Tensor2D | null = activationGrad(fx.act, P)): tf.Tensor2D {
  let u = fx.Vt ? tf.matMul<tf.Tensor2D>(v, fx.Vt) : v;
  if (ds) u = tf.mul(u, ds) as tf.Tensor2D;
  return tf.matMul<tf.Tensor2D>(u, p.Wt);
}

/** A dTheta = S dW^T + 1 db^T: output change of a half-coupling when its parameters move. */
export function paramJvp(S: tf.Tensor2D, d: HalfParams): tf.Tensor2D {
  const out = tf.matMul<tf.Tensor2D>(S, d.Wt);
  return d.b ? (tf.add(out, d.b) as tf.Tensor2D) : out;
}

/** Reverse pass over a forward trace (see RevMLP.vjp); call inside a tidy. */
export function traceVjp(model: RevMLP, tr: ForwardTrace, gz: tf.Tensor2D, params: Params): { grads: Params; gx: tf.Tensor2D } {
  const { grads, g1, g2 } = vjpLoop(model, traceHalves(model, tr, params), gz, true);
  return { grads, gx: tf.concat([g1, g2], 1) as tf.Tensor2D };
}

/**
 * Like {@link traceVjp} but only the parameter cotangents: the input cotangent of the first block's f
 * (two n x h products) is skipped. Call inside a tidy.
 */
export function traceParamVjp(model: RevMLP, tr: ForwardTrace, gz: tf.Tensor2D, params: Params): Params {
  return vjpLoop(model, traceHalves(model, tr, params), gz, false).grads;
}

/**
 * Parameter cotangents J^T gz over the half-couplings of {@link RevMLP.forwardHalves} (the linear
 * block through its algebra, no n x h product there). Call inside a tidy.
 */
export function halvesParamVjp(model: RevMLP, blocks: readonly BlockHalves[], gz: tf.Tensor2D): Params {
  return vjpLoop(model, blocks, gz, false).grads;
}

/** The plain halves of a forward trace (features as traced). */
function traceHalves(model: RevMLP, tr: ForwardTrace, params: Params): BlockHalves[] {
  return tr.blocks.map((b, l) => ({
    f: plainHalf(model.fixed[l]!.f, params[l]!.f, b.x2, { P: b.Pf, S: b.Sf }),
    g: plainHalf(model.fixed[l]!.g, params[l]!.g, b.y1, { P: b.Pg, S: b.Sg }),
  }));
}

function vjpLoop(model: RevMLP, blocks: readonly BlockHalves[], gz: tf.Tensor2D, inputGrad: boolean): { grads: Params; g1: tf.Tensor2D; g2: tf.Tensor2D } {
  const half = model.config.inputDim / 2;
  let g1 = tf.slice(gz, [0, 0], [-1, half]) as tf.Tensor2D;
  let g2 = tf.slice(gz, [0, half], [-1, half]) as tf.Tensor2D;
  const grads: Params = new Array(model.config.blocks);
  for (let l = model.config.blocks - 1; l >= 0; l--) {
    const { f, g } = blocks[l]!;
    // y2 = x2 + g(y1): dTheta_g = A_2^T g2, then the cotangent flows to y1 and x2.
    const gg = g.A.transposeTimes(g2);
    const gy1 = tf.add(g1, g.vjp(g2)) as tf.Tensor2D;
    // y1 = x1 + f(x2): dTheta_f = A_1^T gy1
    const gf = f.A.transposeTimes(gy1);
    grads[l] = { f: gf, g: gg };
    if (l > 0 || inputGrad) g2 = tf.add(g2, f.vjp(gy1)) as tf.Tensor2D;
    g1 = gy1;
  }
  return { grads, g1, g2 };
}

/**
 * The feature matrix A = [S, 1] of a half-coupling at a batch (the ones column only with a bias,
 * Theta = [W^T; b^T]), through the three products the GN step and the VJP take with it. S itself
 * is never formed by {@link linearHalf}.
 */
export interface FeatureMatrix {
  /** Rows n (the batch). */
  readonly n: number;
  /** Columns of S (h, or d/2 without bottleneck). */
  readonly width: number;
  /** Whether A has the ones column (the half has a bias). */
  readonly bias: boolean;
  /** A A^T = S S^T (+ 1 1^T) [n, n]. */
  gram(): tf.Tensor2D;
  /**
   * Width r of a factor B with B B^T = A A^T, when r < n (A A^T is then singular and its nonzero
   * eigenvalues are those of the small r x r matrix B^T B); null when no such narrow factor exists.
   */
  readonly factorWidth: number | null;
  /** The factor B [n, r] (only when factorWidth is not null). */
  factor(): tf.Tensor2D;
  /** A^T C as parameters: dW^T = S^T C [h, m] (and db = 1^T C [m]). */
  transposeTimes(C: tf.Tensor2D): HalfParams;
  /** A dTheta = S dW^T (+ 1 db^T) [n, m]: the half's output change when its parameters move. */
  times(d: HalfParams): tf.Tensor2D;
}

/**
 * A half-coupling u -> s(u V^T) W^T + b evaluated at a batch x [n, d/2]: its output, its feature
 * matrix A and its input Jacobian J(x). It owns the tensors it holds (x included: pass a clone to
 * keep your own); call dispose() when done, or let the enclosing tidy do it.
 */
export interface HalfAt {
  readonly x: tf.Tensor2D;
  readonly A: FeatureMatrix;
  /** s(x V^T) W^T + b [n, d/2]. */
  out(): tf.Tensor2D;
  /** J(x) v = (s'(x V^T) * (v V^T)) W^T for each v (s' formed once). */
  jvp(...vs: tf.Tensor2D[]): tf.Tensor2D[];
  /** J(x)^T g = ((g W) * s'(x V^T)) V. */
  vjp(g: tf.Tensor2D): tf.Tensor2D;
  /** The tensors it holds. */
  tensors(): tf.Tensor[];
  dispose(): void;
}

/** Both half-couplings of one block at their inputs: f at x2, g at y1. */
export interface BlockHalves {
  f: HalfAt;
  g: HalfAt;
}

/**
 * A half-coupling through its features: P = x V^T (x itself without bottleneck), S = s(P), formed
 * here unless given. For ReLU only S is kept (s'(P) = step(S)).
 */
export function plainHalf(fx: HalfFixed, p: HalfParams, x: tf.Tensor2D, features?: { P: tf.Tensor2D; S: tf.Tensor2D }): HalfAt {
  const P0 = features?.P ?? (fx.Vt ? tf.matMul<tf.Tensor2D>(x, fx.Vt) : x);
  const S = features?.S ?? activate(fx.act, P0);
  if (!features && fx.act === 'relu' && P0 !== x) P0.dispose();
  const P = fx.act === 'relu' ? S : P0; // what s' is evaluated at
  const A = featureMatrix(S, !!p.b);
  return {
    x,
    A,
    out: () => {
      const out = tf.matMul<tf.Tensor2D>(S, p.Wt);
      return p.b ? (tf.add(out, p.b) as tf.Tensor2D) : out;
    },
    jvp: (...vs) => {
      const ds = activationGrad(fx.act, P);
      const out = vs.map((v) => halfJvpInput(fx, p, P, v, ds));
      ds?.dispose();
      return out;
    },
    vjp: (g) => halfVjpInput(fx, p, P, g),
    tensors: () => [...new Set([x, P, S])],
    dispose: () => tf.dispose([x, P, S]),
  };
}

/** A = [S, 1] (ones column only with `bias`) for explicit features S [n, h]. */
export function featureMatrix(S: tf.Tensor2D, bias: boolean): FeatureMatrix {
  const [n, h] = S.shape;
  const r = h + (bias ? 1 : 0);
  return {
    n,
    width: h,
    bias,
    gram: () => {
      const G = matMulT(S, S, false, true); // S S^T: one ssyrk on the blas backend
      return bias ? (tf.add(G, 1) as tf.Tensor2D) : G;
    },
    factorWidth: r < n ? r : null,
    factor: () => withOnes(S, bias),
    transposeTimes: (C) => withBias({ Wt: matMulT(S, C, true, false) }, C, bias),
    times: (d) => paramJvp(S, d),
  };
}

/** [M, 1] (the ones column only with `bias`). */
function withOnes(M: tf.Tensor2D, bias: boolean): tf.Tensor2D {
  return bias ? (tf.concat([M, tf.ones([M.shape[0], 1])], 1) as tf.Tensor2D) : M;
}

/**
 * L with L L^T = V^T V (float64 Cholesky on the host of the float32 product, returned as float32),
 * or null when V^T V is not positive definite.
 */
function gramFactor(Vt: tf.Tensor2D, V: tf.Tensor2D): tf.Tensor2D | null {
  const half = V.shape[1];
  const K = Float64Array.from(tf.tidy(() => tf.matMul(Vt, V).dataSync()));
  const L = cholesky(K, half);
  return L ? tf.tensor2d(Float32Array.from(L), [half, half]) : null;
}

/**
 * Whether a linear half (width d = d/2 of the input, bottleneck h) costs fewer matrix-product FLOPs
 * per optimizer step at a batch of n rows through {@link linearHalf} than through its n x h features.
 * Per block (both halves; counted from the products of the GN step, GEMM-equivalent 2mnk):
 *   plain:  16 n h d + 2 n^2 h + 4 n^2 d   (forward 8nhd, A^T C 4nhd, J_g 4nhd; Gram; G C)
 *   folded: 14 n d^2 + 4 h d^2 + 6 n^2 d   (X M, X L, X^T C, J_g; V (X^T C); B B^T, G C)
 * The refresh of M = V^T W^T (4 h d^2 per block) is left out: the model pays it after every update
 * wherever a half can fold. Folding pays about when d < 2n: MNIST (d = 392) and CIFAR-10 (d = 1536)
 * at n = 1024 and h = 8000 fold (13 and 195 GFLOP per GN step with the refresh, against 70 and 225,
 * as counted on blas at L = 1); the quick profile (h = 512, n = 128) does not.
 *
 * @example
 * foldSavesFlops(1024, 392, 8000); // true
 * foldSavesFlops(128, 392, 1024);  // false
 */
export function foldSavesFlops(n: number, d: number, h: number): boolean {
  const plain = 16 * n * h * d + 2 * n * n * h + 4 * n * n * d;
  const folded = 14 * n * d * d + 4 * h * d * d + 6 * n * n * d;
  return folded < plain;
}

/**
 * The linear-block algebra (s = identity, h > d/2: block 1 of the paper), never forming the n x h
 * features S = X V^T. With M = V^T W^T [d/2, d/2] (refreshed by the model whenever W changes) and
 * L L^T = V^T V [d/2, d/2] (fixed), writing B = [X L, 1] [n, d/2 + 1]:
 *   out      = X M + 1 b^T                  (n d^2 instead of 2 n h d)
 *   J v      = v M,   J^T g = g M^T
 *   A A^T    = X V^T V X^T + 1 1^T = B B^T  (n d^2 + n^2 d instead of n^2 h), and B itself as the
 *              narrow factor of A A^T (rank <= d/2 + 1 < n: see factoredPinvSolve)
 *   A^T C    : dW^T = V (X^T C), db = 1^T C (d n m + h d m instead of h n m)
 *   A dTheta = X (V^T dW^T) + 1 db^T
 * (d here is d/2, the width of a half). Equal to {@link plainHalf} up to float32 rounding.
 * `ownsM`: M was formed for this call and is disposed with the half.
 */
export function linearHalf(fx: HalfFixed, p: HalfParams, x: tf.Tensor2D, M: tf.Tensor2D, ownsM = false): HalfAt {
  const { V, Vt, L } = fx;
  if (!V || !Vt || !L) throw new Error('linearHalf needs a bottlenecked linear half (V, V^T and L, L L^T = V^T V)');
  const bias = !!p.b;
  const [n, half] = x.shape;
  const r = half + (bias ? 1 : 0);
  const factor = (): tf.Tensor2D => withOnes(tf.matMul<tf.Tensor2D>(x, L), bias);
  const A: FeatureMatrix = {
    n,
    width: V.shape[0],
    bias,
    gram: () => tf.tidy(() => {
      const B = factor();
      return matMulT(B, B, false, true); // one ssyrk on the blas backend
    }),
    factorWidth: r < n ? r : null,
    factor,
    transposeTimes: (C) => withBias({ Wt: tf.matMul<tf.Tensor2D>(V, matMulT(x, C, true, false)) }, C, bias),
    times: (d) => {
      const out = tf.matMul<tf.Tensor2D>(x, tf.matMul<tf.Tensor2D>(Vt, d.Wt));
      return d.b ? (tf.add(out, d.b) as tf.Tensor2D) : out;
    },
  };
  return {
    x,
    A,
    out: () => {
      const out = tf.matMul<tf.Tensor2D>(x, M);
      return p.b ? (tf.add(out, p.b) as tf.Tensor2D) : out;
    },
    jvp: (...vs) => vs.map((v) => tf.matMul<tf.Tensor2D>(v, M)),
    vjp: (g) => matMulT(g, M, false, true),
    tensors: () => (ownsM ? [x, M] : [x]),
    dispose: () => tf.dispose(ownsM ? [x, M] : [x]),
  };
}

/** Adds db = 1^T C (the ones column of A) when the half has a bias. */
function withBias(d: HalfParams, C: tf.Tensor2D, bias: boolean): HalfParams {
  if (bias) d.b = tf.sum(C, 0) as tf.Tensor1D;
  return d;
}

/** Cotangent on a half-coupling's input: ((g W) * s'(P)) V, with explicit transposes. */
export function halfVjpInput(fx: HalfFixed, p: HalfParams, P: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
  let u = matMulT(g, p.Wt, false, true);
  const ds = activationGrad(fx.act, P);
  if (ds) u = tf.mul(u, ds) as tf.Tensor2D;
  return fx.V ? tf.matMul<tf.Tensor2D>(u, fx.V) : u;
}

/** Parameter cotangent: dW^T = S^T g, db = sum over the batch of g. */
export function paramVjp(S: tf.Tensor2D, g: tf.Tensor2D, bias: boolean): HalfParams {
  return withBias({ Wt: matMulT(S, g, true, false) }, g, bias);
}

/** Calls fn on every trained tensor with its checkpoint-style name (`blocks.0.f.W` holds Wt). */
export function forEachParam(params: Params, fn: (name: string, t: tf.Tensor, l: number, side: HalfName, kind: 'W' | 'b') => void): void {
  params.forEach((bp, l) => {
    for (const side of ['f', 'g'] as const) {
      fn(`blocks.${l}.${side}.W`, bp[side].Wt, l, side, 'W');
      const b = bp[side].b;
      if (b) fn(`blocks.${l}.${side}.b`, b, l, side, 'b');
    }
  });
}

/** Builds a new Params by applying fn to each (W, b) pair of `a` (and `b` when given). */
export function mapParams(a: Params, fn: (t: tf.Tensor, name: string) => tf.Tensor): Params {
  return a.map((bp, l) => {
    const out = {} as BlockParams;
    for (const side of ['f', 'g'] as const) {
      const hp: HalfParams = { Wt: fn(bp[side].Wt, `blocks.${l}.${side}.W`) as tf.Tensor2D };
      const b = bp[side].b;
      if (b) hp.b = fn(b, `blocks.${l}.${side}.b`) as tf.Tensor1D;
      out[side] = hp;
    }
    return out;
  });
}

/** Like {@link mapParams} over two aligned parameter sets. */
export function zipParams(a: Params, b: Params, fn: (x: tf.Tensor, y: tf.Tensor, name: string) => tf.Tensor): Params {
  return a.map((bp, l) => {
    const out = {} as BlockParams;
    for (const side of ['f', 'g'] as const) {
      const other = b[l]![side];
      const hp: HalfParams = { Wt: fn(bp[side].Wt, other.Wt, `blocks.${l}.${side}.W`) as tf.Tensor2D };
      const bb = bp[side].b;
      if (bb && other.b) hp.b = fn(bb, other.b, `blocks.${l}.${side}.b`) as tf.Tensor1D;
      out[side] = hp;
    }
    return out;
  });
}

/** Disposes every tensor of a parameter set (an update or gradient you own). */
export function disposeParams(p: Params): void {
  forEachParam(p, (_n, t) => t.dispose());
}

function paramsContain(p: Params, t: tf.Tensor): boolean {
  let found = false;
  forEachParam(p, (_n, u) => {
    if (u === t) found = true;
  });
  return found;
}

/** Host arrays by checkpoint name, in checkpoint layout. */
export type HostTensors = Map<string, Float32Array>;

function need(host: HostTensors, name: string): Float32Array {
  const v = host.get(name);
  if (!v) throw new ConfigError(name, 'missing tensor');
  return v;
}

/**
 * Seeded initialization on the host (identical on every backend): V ~ N(0, 1/h), W ~ N(0, initStd^2),
 * b = 0, U = Q of a QR of a Gaussian d x k matrix. Each tensor draws from its own stream
 * (rng.fork(name)), so changing one size does not change the others.
 */
export function initHostTensors(cfg: RevMLPConfig): HostTensors {
  const rng = new Rng(cfg.seed);
  const half = cfg.inputDim / 2;
  const h = featureWidth(cfg);
  const out: HostTensors = new Map();
  for (let l = 0; l < cfg.blocks; l++) {
    for (const side of ['f', 'g']) {
      const name = `blocks.${l}.${side}`;
      if (cfg.hidden !== null) out.set(`${name}.V`, rng.fork(`${name}.V`).normalArray(h * half, 1 / Math.sqrt(h)));
      out.set(`${name}.W`, rng.fork(`${name}.W`).normalArray(half * h, cfg.initStd));
      if (cfg.bias) out.set(`${name}.b`, new Float32Array(half));
    }
  }
  out.set('readout.U', orthonormalColumns(rng.fork('readout.U'), cfg.inputDim, cfg.classes));
  return out;
}


/** A copy of `p` that keeps block `l` and zeroes every other block (an update restricted to one block). */
export function restrictToBlock(p: Params, l: number): Params {
  return tidy(() => p.map((_, k) => ({ ...mapParams([p[k]!], (t) => (k === l ? tf.clone(t) : tf.zerosLike(t)))[0]! })));
}

/** An independent copy of a parameter set (e.g. to restore weights later). */
export function cloneParams(p: Params, scale = 1): Params {
  return tidy(() => mapParams(p, (t) => (scale === 1 ? tf.clone(t) : tf.mul(t, scale))));
}

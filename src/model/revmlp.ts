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

  constructor(config: RevMLPConfig, fixed: BlockFixed[], U: tf.Tensor2D, params: Params) {
    this.config = config;
    this.fixed = fixed;
    this.U = U;
    this.Ut = tf.keep(tf.transpose(U));
    this._params = params;
  }

  /** Builds a model from its config with the seeded initialization of PAPER.md. */
  static init(input: RevMLPConfigInput): RevMLP {
    const cfg = modelConfig(input);
    const host = initHostTensors(cfg);
    return RevMLP.fromHost(cfg, host);
  }

  /**
   * Builds a model from host arrays in checkpoint layout (W [d/2, h], V [h, d/2], U [d, k]).
   * Used by init and by checkpoint loading.
   */
  static fromHost(cfg: RevMLPConfig, host: HostTensors): RevMLP {
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
    return new RevMLP(cfg, fixed, U, params);
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
  }

  /** Forward pass: output z [n, d] and logits [n, k]. */
  forward(x: tf.Tensor2D, params: Params = this._params): { z: tf.Tensor2D; logits: tf.Tensor2D } {
    return tf.tidy(() => {
      const z = this.forwardTrace(x, params).z;
      return { z, logits: tf.matMul<tf.Tensor2D>(z, this.U) };
    });
  }

  /** Logits [n, k]. */
  logits(x: tf.Tensor2D, params: Params = this._params): tf.Tensor2D {
    return tf.tidy(() => tf.matMul<tf.Tensor2D>(this.forwardTrace(x, params).z, this.U));
  }

  /**
   * Forward pass that keeps, per block, what the Jacobian products need (no tidy: call it inside one).
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
        const x2 = tf.sub(y2, halfForward(this.fixed[l]!.g, params[l]!.g, y1).out) as tf.Tensor2D;
        const x1 = tf.sub(y1, halfForward(this.fixed[l]!.f, params[l]!.f, x2).out) as tf.Tensor2D;
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
      const tr = this.forwardTrace(x, params);
      const reps: tf.Tensor2D[] = [];
      for (const b of tr.blocks) {
        reps.push(tf.concat([b.y1, b.x2], 1) as tf.Tensor2D, tf.concat([b.y1, b.y2], 1) as tf.Tensor2D);
      }
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
    for (const b of this.fixed) for (const h of [b.f, b.g]) {
      h.V?.dispose();
      h.Vt?.dispose();
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
  const { grads, g1, g2 } = vjpLoop(model, tr, gz, params, true);
  return { grads, gx: tf.concat([g1, g2], 1) as tf.Tensor2D };
}

/**
 * Like {@link traceVjp} but only the parameter cotangents: the input cotangent of the first block's f
 * (two n x h products) is skipped. Call inside a tidy.
 */
export function traceParamVjp(model: RevMLP, tr: ForwardTrace, gz: tf.Tensor2D, params: Params): Params {
  return vjpLoop(model, tr, gz, params, false).grads;
}

function vjpLoop(model: RevMLP, tr: ForwardTrace, gz: tf.Tensor2D, params: Params, inputGrad: boolean): { grads: Params; g1: tf.Tensor2D; g2: tf.Tensor2D } {
  const half = model.config.inputDim / 2;
  let g1 = tf.slice(gz, [0, 0], [-1, half]) as tf.Tensor2D;
  let g2 = tf.slice(gz, [0, half], [-1, half]) as tf.Tensor2D;
  const grads: Params = new Array(model.config.blocks);
  for (let l = model.config.blocks - 1; l >= 0; l--) {
    const b = tr.blocks[l]!;
    const fx = model.fixed[l]!;
    const pr = params[l]!;
    // y2 = x2 + g(y1): grads of g, then the cotangent flows to y1 and x2.
    const gg = paramVjp(b.Sg, g2, !!pr.g.b);
    const gy1 = tf.add(g1, halfVjpInput(fx.g, pr.g, b.Pg, g2)) as tf.Tensor2D;
    // y1 = x1 + f(x2)
    const gf = paramVjp(b.Sf, gy1, !!pr.f.b);
    grads[l] = { f: gf, g: gg };
    if (l > 0 || inputGrad) g2 = tf.add(g2, halfVjpInput(fx.f, pr.f, b.Pf, gy1)) as tf.Tensor2D;
    g1 = gy1;
  }
  return { grads, g1, g2 };
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
  const out: HalfParams = { Wt: matMulT(S, g, true, false) };
  if (bias) out.b = tf.sum(g, 0) as tf.Tensor1D;
  return out;
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

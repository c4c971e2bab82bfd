/**
 * A float64 host implementation of the RevMLP forward pass, independent of tfjs. It is the
 * reference the tests (and notebook 00's live checks) measure the GN step against: finite
 * differences in float64 are accurate to ~1e-8, where float32 ones are not.
 */
import { featureWidth, blockActivation, type Activation, type RevMLPConfig } from './config.js';
import { forEachParam, type Params, type RevMLP } from './revmlp.js';

/** Trained tensors on the host, by checkpoint name, in checkpoint layout (W [d/2, h], b [d/2]). */
export type HostParams = Map<string, Float64Array>;

/** Fixed tensors on the host: V [h, d/2] per half (absent without bottleneck), U [d, k]. */
export interface HostFixed {
  config: RevMLPConfig;
  V: Map<string, Float64Array>;
  U: Float64Array;
}

/** Copies a parameter set (the model's, an update or a gradient) to float64 in checkpoint layout. */
export function paramsToHost(params: Params): HostParams {
  const out: HostParams = new Map();
  forEachParam(params, (name, t, _l, _s, kind) => {
    const data = t.dataSync();
    if (kind === 'W') {
      const [h, half] = t.shape as [number, number];
      const w = new Float64Array(half * h);
      for (let j = 0; j < h; j++) for (let i = 0; i < half; i++) w[i * h + j] = data[j * half + i]!;
      out.set(name, w);
    } else {
      out.set(name, Float64Array.from(data));
    }
  });
  return out;
}

/** Copies the fixed tensors (V, U) of a model to float64. */
export function fixedToHost(model: RevMLP): HostFixed {
  const V = new Map<string, Float64Array>();
  model.fixed.forEach((b, l) => {
    if (b.f.V) V.set(`blocks.${l}.f.V`, Float64Array.from(b.f.V.dataSync()));
    if (b.g.V) V.set(`blocks.${l}.g.V`, Float64Array.from(b.g.V.dataSync()));
  });
  return { config: model.config, V, U: Float64Array.from(model.U.dataSync()) };
}

/** theta + alpha * dTheta on the host (names missing from dTheta are left unchanged). */
export function axpyHost(theta: HostParams, alpha: number, dTheta: HostParams): HostParams {
  const out: HostParams = new Map();
  for (const [name, v] of theta) {
    const d = dTheta.get(name);
    if (!d) {
      out.set(name, v);
      continue;
    }
    const w = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) w[i] = v[i]! + alpha * d[i]!;
    out.set(name, w);
  }
  return out;
}

/**
 * Float64 forward pass: returns z [n, d] row-major for inputs x [n, d] row-major.
 *
 * @example
 * const z = hostForward(fixedToHost(model), paramsToHost(model.params), x, n);
 */
export function hostForward(fixed: HostFixed, params: HostParams, x: ArrayLike<number>, n: number): Float64Array {
  const cfg = fixed.config;
  const d = cfg.inputDim;
  const half = d / 2;
  const h = featureWidth(cfg);
  const z = Float64Array.from(x as ArrayLike<number>);
  const inp = new Float64Array(half);
  const feat = new Float64Array(h);
  for (let l = 0; l < cfg.blocks; l++) {
    const act = blockActivation(cfg, l);
    for (const side of ['f', 'g'] as const) {
      // f reads x2 (columns half..d) and adds to x1; g reads y1 and adds to x2.
      const src = side === 'f' ? half : 0;
      const dst = side === 'f' ? 0 : half;
      const V = fixed.V.get(`blocks.${l}.${side}.V`);
      const W = params.get(`blocks.${l}.${side}.W`)!;
      const b = params.get(`blocks.${l}.${side}.b`);
      for (let r = 0; r < n; r++) {
        for (let i = 0; i < half; i++) inp[i] = z[r * d + src + i]!;
        for (let j = 0; j < h; j++) {
          let p: number;
          if (V) {
            p = 0;
            for (let i = 0; i < half; i++) p += V[j * half + i]! * inp[i]!;
          } else {
            p = inp[j]!;
          }
          feat[j] = applyAct(act, p);
        }
        for (let i = 0; i < half; i++) {
          let s = b ? b[i]! : 0;
          for (let j = 0; j < h; j++) s += W[i * h + j]! * feat[j]!;
          z[r * d + dst + i] = z[r * d + dst + i]! + s;
        }
      }
    }
  }
  return z;
}

/** Logits o = z U on the host. */
export function hostLogits(fixed: HostFixed, z: Float64Array, n: number): Float64Array {
  const d = fixed.config.inputDim;
  const k = fixed.config.classes;
  const o = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += z[r * d + i]! * fixed.U[i * k + c]!;
      o[r * k + c] = s;
    }
  }
  return o;
}

/** Central finite difference of z along dTheta: (z(theta + eps dTheta) - z(theta - eps dTheta)) / 2 eps. */
export function hostDirectionalDerivative(
  fixed: HostFixed,
  theta: HostParams,
  dTheta: HostParams,
  x: ArrayLike<number>,
  n: number,
  eps = 1e-6,
): Float64Array {
  const zp = hostForward(fixed, axpyHost(theta, eps, dTheta), x, n);
  const zm = hostForward(fixed, axpyHost(theta, -eps, dTheta), x, n);
  const out = new Float64Array(zp.length);
  for (let i = 0; i < out.length; i++) out[i] = (zp[i]! - zm[i]!) / (2 * eps);
  return out;
}

function applyAct(act: Activation, p: number): number {
  return act === 'relu' ? (p > 0 ? p : 0) : act === 'tanh' ? Math.tanh(p) : p;
}


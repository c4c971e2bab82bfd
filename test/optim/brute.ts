// Float64 brute-force pieces shared by the K-FAC and damped-GN tests: explicit features, explicit
// Jacobians by central finite differences of the float64 reference forward, dense solves.
import { blockActivation, featureWidth, type RevMLPConfig } from '../../src/model/config.js';
import { axpyHost, hostForward, hostLogits, type HostFixed, type HostParams } from '../../src/model/reference.js';
import type { RevMLP } from '../../src/model/revmlp.js';
import { paramsToHost } from '../../src/model/reference.js';

/** z after the first `blocks` blocks (0 = x itself). */
export function zAfter(fixed: HostFixed, theta: HostParams, x: ArrayLike<number>, n: number, blocks: number): Float64Array {
  return hostForward({ ...fixed, config: { ...fixed.config, blocks } as RevMLPConfig }, theta, x, n);
}

/**
 * Features a_i = [s(V u_i), 1] (n x p row-major, p = h + 1 with bias) of half `side` of block l:
 * f reads x2 of the block input, g reads y1 of the block output.
 */
export function hostFeatures(fixed: HostFixed, theta: HostParams, x: ArrayLike<number>, n: number, l: number, side: 'f' | 'g'): Float64Array {
  const cfg = fixed.config;
  const d = cfg.inputDim;
  const half = d / 2;
  const h = featureWidth(cfg);
  const p = h + (cfg.bias ? 1 : 0);
  const z = zAfter(fixed, theta, x, n, side === 'f' ? l : l + 1);
  const off = side === 'f' ? half : 0;
  const V = fixed.V.get(`blocks.${l}.${side}.V`)!;
  const act = blockActivation(cfg, l);
  const a = new Float64Array(n * p);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < h; j++) {
      let s = 0;
      for (let i = 0; i < half; i++) s += V[j * half + i]! * z[r * d + off + i]!;
      a[r * p + j] = act === 'relu' ? Math.max(s, 0) : act === 'tanh' ? Math.tanh(s) : s;
    }
    if (cfg.bias) a[r * p + h] = 1;
  }
  return a;
}

/** B_i = d logits_i / d out_i of a half (returned as n blocks of k x m, row-major), from finite differences in its bias. */
export function hostOutputJacobian(fixed: HostFixed, theta: HostParams, x: ArrayLike<number>, n: number, l: number, side: 'f' | 'g', eps = 1e-6): Float64Array {
  const k = fixed.config.classes;
  const m = fixed.config.inputDim / 2;
  const B = new Float64Array(n * k * m);
  const name = `blocks.${l}.${side}.b`;
  for (let c = 0; c < m; c++) {
    const e = new Float64Array(m);
    e[c] = 1;
    const dir: HostParams = new Map([[name, e]]);
    const op = hostLogits(fixed, hostForward(fixed, axpyHost(theta, eps, dir), x, n), n);
    const om = hostLogits(fixed, hostForward(fixed, axpyHost(theta, -eps, dir), x, n), n);
    for (let r = 0; r < n; r++) for (let o = 0; o < k; o++) B[r * k * m + o * m + c] = (op[r * k + o]! - om[r * k + o]!) / (2 * eps);
  }
  return B;
}

export function softmax64(o: Float64Array, n: number, k: number): Float64Array {
  const p = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    let mx = -Infinity;
    for (let c = 0; c < k; c++) mx = Math.max(mx, o[r * k + c]!);
    let s = 0;
    for (let c = 0; c < k; c++) s += (p[r * k + c] = Math.exp(o[r * k + c]! - mx));
    for (let c = 0; c < k; c++) p[r * k + c] = p[r * k + c]! / s;
  }
  return p;
}

export function meanCe64(o: Float64Array, labels: ArrayLike<number>, n: number, k: number): number {
  const p = softmax64(o, n, k);
  let s = 0;
  for (let r = 0; r < n; r++) s -= Math.log(p[r * k + labels[r]!]!);
  return s / n;
}

/** Solves the dense square system M x = b (n x n, float64) by Gaussian elimination with partial pivoting. */
export function denseSolve(M: Float64Array, b: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(M);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[piv * n + c]!)) piv = r;
    if (piv !== c) {
      for (let j = 0; j < n; j++) [a[c * n + j], a[piv * n + j]] = [a[piv * n + j]!, a[c * n + j]!];
      [x[c], x[piv]] = [x[piv]!, x[c]!];
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / a[c * n + c]!;
      if (f === 0) continue;
      for (let j = c; j < n; j++) a[r * n + j] = a[r * n + j]! - f * a[c * n + j]!;
      x[r] = x[r]! - f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let j = r + 1; j < n; j++) s -= a[r * n + j]! * x[j]!;
    x[r] = s / a[r * n + r]!;
  }
  return x;
}

/** Kronecker product X ⊗ Y (p x p and m x m) as a pm x pm row-major matrix. */
export function kron(X: Float64Array, p: number, Y: Float64Array, m: number): Float64Array {
  const out = new Float64Array(p * m * p * m);
  const w = p * m;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) out[(i * m + a) * w + j * m + b] = X[i * p + j]! * Y[a * m + b]!;
  return out;
}

/** Theta = [W^T; b^T] of half `side` of block l as p x m row-major, from host params (W [m, h]). */
export function thetaOf(theta: HostParams, cfg: RevMLPConfig, l: number, side: 'f' | 'g'): Float64Array {
  const h = featureWidth(cfg);
  const m = cfg.inputDim / 2;
  const p = h + (cfg.bias ? 1 : 0);
  const W = theta.get(`blocks.${l}.${side}.W`)!;
  const b = theta.get(`blocks.${l}.${side}.b`);
  const out = new Float64Array(p * m);
  for (let j = 0; j < h; j++) for (let c = 0; c < m; c++) out[j * m + c] = W[c * h + j]!;
  if (b) for (let c = 0; c < m; c++) out[h * m + c] = b[c]!;
  return out;
}

/** (before - after) / lr per half, as Theta-shaped p x m matrices (index 2 l + (g ? 1 : 0)). */
export function realizedSteps(before: HostParams, model: RevMLP, lr: number): Float64Array[] {
  const after = paramsToHost(model.params);
  const out: Float64Array[] = [];
  for (let l = 0; l < model.config.blocks; l++) {
    for (const side of ['f', 'g'] as const) {
      const a = thetaOf(before, model.config, l, side);
      const b = thetaOf(after, model.config, l, side);
      out.push(a.map((v, i) => (v - b[i]!) / lr));
    }
  }
  return out;
}

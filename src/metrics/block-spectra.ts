/**
 * Spectra of the matrices the GN step pseudo-inverts: per half-coupling, A = [S, 1] (n x (h+1);
 * S = s(P) its features on the batch, the ones column only with a bias). The singular values come
 * from the eigenvalues of the n x n Gram matrix A A^T = S S^T + 1 1^T (s_i = sqrt(lambda_i)),
 * which is how the GN step itself sees A. The rank kept by the paper's truncation counts
 * s_i >= max(rtol s_max, atol).
 *
 * Accuracy: with a float32 Gram (the default on wasm) singular values below ~3e-4 s_max are
 * rounding noise; `products: 'host'` builds the Gram in float64 (then ~1e-8 s_max).
 */
import { tf, tidy } from '../backend/index.js';
import { check } from '../util/errors.js';
import { singularValuesFromGram } from '../linalg/index.js';
import { halfForward, type RevMLP } from '../model/revmlp.js';
import { gramMatrix, type ProductRoute } from './matrix.js';

export interface SpectraOptions {
  /** Relative truncation threshold on singular values (paper 1e-2). */
  rtol?: number;
  /** Absolute truncation threshold (paper 1e-5). */
  atol?: number;
  /** Where the Gram products run (default 'auto'). */
  products?: ProductRoute;
}

/** Singular-value summary of one matrix A (n x p) from its Gram A A^T. */
export interface Spectrum {
  /** Rows of A (batch size). */
  n: number;
  /** Columns of A (h + 1 with a bias). */
  features: number;
  /** The min(n, p) singular values of A, descending. */
  singularValues: Float64Array;
  /** Singular values kept by the truncation s >= threshold. */
  rank: number;
  /** max(rtol s_max, atol). */
  threshold: number;
  sMax: number;
  /** Smallest of the min(n, p) singular values. */
  sMin: number;
  /** s_max / s_min of A (Infinity when s_min = 0). */
  cond: number;
  /** s_max / (smallest kept singular value): the conditioning the truncated solve sees. */
  condKept: number;
  /** lambda_max / lambda_min of the n x n Gram (s_max^2 / s_min^2 when n <= p; Infinity when n > p). */
  gramCond: number;
}

/** Spectrum of one half-coupling. */
export interface HalfSpectrum extends Spectrum {
  block: number;
  half: 'f' | 'g';
}

/**
 * Summary of A from its n x n Gram matrix G = A A^T (p = columns of A).
 *
 * @example
 * spectrumFromGram(Float64Array.from([9, 0, 0, 4]), 2, 2); // singular values [3, 2], cond 1.5
 */
export function spectrumFromGram(gram: Float64Array, n: number, p: number, options: Pick<SpectraOptions, 'rtol' | 'atol'> = {}): Spectrum {
  const { rtol = 1e-2, atol = 1e-5 } = options;
  check(rtol >= 0 && Number.isFinite(rtol), 'rtol', () => `must be a finite number >= 0, got ${rtol}`);
  check(atol >= 0 && Number.isFinite(atol), 'atol', () => `must be a finite number >= 0, got ${atol}`);
  const all = singularValuesFromGram(gram, n);
  const r = Math.min(n, p);
  const singularValues = all.slice(0, r);
  const sMax = singularValues[0]!;
  const sMin = singularValues[r - 1]!;
  const threshold = Math.max(rtol * sMax, atol);
  let rank = 0;
  while (rank < r && singularValues[rank]! >= threshold) rank++;
  const sKept = rank > 0 ? singularValues[rank - 1]! : 0;
  const lMin = n > p ? 0 : sMin * sMin;
  return {
    n,
    features: p,
    singularValues,
    rank,
    threshold,
    sMax,
    sMin,
    cond: sMin > 0 ? sMax / sMin : Infinity,
    condKept: sKept > 0 ? sMax / sKept : Infinity,
    gramCond: lMin > 0 ? (sMax * sMax) / lMin : Infinity,
  };
}

/**
 * Per half-coupling (f then g of each block, 2L entries) spectra of A = [S, 1] on the batch x.
 *
 * @example
 * for (const s of blockSpectra(model, x)) console.log(s.block, s.half, s.rank, s.cond);
 */
export function blockSpectra(model: RevMLP, x: tf.Tensor2D, options: SpectraOptions = {}): HalfSpectrum[] {
  model.checkInput(x);
  const n = x.shape[0];
  const half = model.config.inputDim / 2;
  const products = options.products ?? 'auto';
  const out: HalfSpectrum[] = [];
  // Block by block (only one block's features are alive at a time), carrying the state (x1, x2).
  let state = tidy(() => ({ x1: tf.slice(x, [0, 0], [-1, half]) as tf.Tensor2D, x2: tf.slice(x, [0, half], [-1, half]) as tf.Tensor2D }));
  try {
    for (let l = 0; l < model.config.blocks; l++) {
      const fx = model.fixed[l]!;
      const pr = model.params[l]!;
      const next = tidy(() => {
        const f = halfForward(fx.f, pr.f, state.x2);
        const y1 = tf.add(state.x1, f.out) as tf.Tensor2D;
        const g = halfForward(fx.g, pr.g, y1);
        const y2 = tf.add(state.x2, g.out) as tf.Tensor2D;
        // Without bottleneck S can be the state itself: clone so each handle is disposed once.
        return { x1: y1, x2: y2, Sf: tf.clone(f.S), Sg: tf.clone(g.S) };
      });
      tf.dispose([state.x1, state.x2]);
      state = { x1: next.x1, x2: next.x2 };
      try {
        for (const [side, S] of [['f', next.Sf], ['g', next.Sg]] as const) {
          const bias = pr[side].b !== undefined;
          const gram = gramMatrix(S, { products });
          if (bias) for (let i = 0; i < gram.length; i++) gram[i] = gram[i]! + 1;
          out.push({ block: l, half: side, ...spectrumFromGram(gram, n, S.shape[1] + (bias ? 1 : 0), options) });
        }
      } finally {
        tf.dispose([next.Sf, next.Sg]);
      }
    }
  } finally {
    tf.dispose([state.x1, state.x2]);
  }
  return out;
}

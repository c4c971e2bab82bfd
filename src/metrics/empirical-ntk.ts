/**
 * The explicit empirical NTK K = J J^T on a small probe set (32-64 samples), for kernel alignment
 * and the NTK rate of change. J is the Jacobian of m output coordinates per sample w.r.t. all
 * trained W and b, so K is (n m) x (n m), indexed sample-major: row i * m + a is output a of
 * sample i.
 *
 * Outputs: `logits` (m = k; the readout U projects z) or `z` projected on m seeded orthonormal
 * directions R [d, m] (default m = 10), i.e. the kernel of the outputs R^T z, a compression of
 * the d x d per-sample kernel that keeps the matrix small; `zProjection: 'none'` keeps all d
 * outputs (tiny models only). Kernels are comparable across checkpoints when they use the same
 * projection (same seed).
 *
 * How it is built: from VJPs, one per output coordinate, each batched over the n samples. The
 * backward pass never mixes samples, so one pass with cotangent R[:, a] on every sample yields,
 * at every half-coupling, the per-sample cotangent c_{ia} on its output. The per-sample gradient
 * of that half's Theta = [W^T; b^T] is then the outer product [s_i, 1] c_{ia}^T, hence
 *
 *   K[(i,a), (j,b)] = sum over half-couplings of (s_i . s_j + 1) (c_{ia} . c_{jb}),
 *
 * i.e. per half an n x n feature Gram times an (n m) x (n m) cotangent Gram, elementwise. This
 * equals J J^T exactly (see the brute-force test) at the cost of m backward passes.
 */
import { tf, tidy } from '../backend/index.js';
import { check } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { orthonormalColumns } from '../linalg/orthonormal.js';
import { halfVjpInput, type RevMLP } from '../model/revmlp.js';
import { NTK_OUTPUTS, type NtkOutput } from './probe.js';

export interface EmpiricalNtkOptions {
  /** Output of the kernel (default 'logits'). */
  output?: NtkOutput;
  /** For 'z': number of random orthonormal output directions (default 10), or 'none' for all d. */
  zProjection?: number | 'none';
  /** Seed of the z projection (default 0). */
  projectionSeed?: number;
}

export interface EmpiricalNtk {
  /** K = J J^T, (n m) x (n m) row-major float64, sample-major (row i * m + a). */
  kernel: Float64Array;
  /** Samples. */
  n: number;
  /** Output coordinates per sample (m). */
  width: number;
  /** Rows of the kernel, n * m. */
  size: number;
  /** The output map M [d, m] (row-major): the kernel is of the outputs M^T z per sample. */
  projection: Float32Array;
}

/** Largest kernel built (rows); beyond it use fewer samples or a smaller projection. */
const MAX_KERNEL_ROWS = 8192;

/**
 * The output map M [d, m] of a kernel: U for 'logits', seeded orthonormal columns for 'z' (or the
 * identity with `zProjection: 'none'`). Host array, row-major.
 *
 * @example
 * const { data, width } = outputProjection(model, { output: 'z', zProjection: 8 });
 */
export function outputProjection(model: RevMLP, options: EmpiricalNtkOptions = {}): { data: Float32Array; width: number } {
  const { output = 'logits', zProjection = 10, projectionSeed = 0 } = options;
  check(NTK_OUTPUTS.includes(output), 'output', () => `unknown output ${JSON.stringify(output)}; use 'z' or 'logits'`);
  const d = model.config.inputDim;
  if (output === 'logits') return { data: Float32Array.from(model.U.dataSync()), width: model.config.classes };
  if (zProjection === 'none') {
    const eye = new Float32Array(d * d);
    for (let i = 0; i < d; i++) eye[i * d + i] = 1;
    return { data: eye, width: d };
  }
  check(
    Number.isInteger(zProjection) && zProjection >= 1 && zProjection <= d,
    'zProjection',
    () => `must be an integer in [1, ${d}] or 'none', got ${JSON.stringify(zProjection)}`,
  );
  return { data: orthonormalColumns(new Rng(projectionSeed).fork('ntk-z-projection'), d, zProjection), width: zProjection };
}

/**
 * The empirical NTK K = J J^T of the model on the batch x (see the module comment).
 *
 * @example
 * const probe = tf.slice(x, [0, 0], [32, -1]);
 * const { kernel, size } = empiricalNtk(model, probe);              // logits: 320 x 320
 * const kz = empiricalNtk(model, probe, { output: 'z', zProjection: 8 });
 */
export function empiricalNtk(model: RevMLP, x: tf.Tensor2D, options: EmpiricalNtkOptions = {}): EmpiricalNtk {
  model.checkInput(x);
  const { data: proj, width: m } = outputProjection(model, options);
  const n = x.shape[0];
  const size = n * m;
  check(size <= MAX_KERNEL_ROWS, 'x', () => `the kernel would have ${size} rows (${n} samples x ${m} outputs), more than ${MAX_KERNEL_ROWS}; use fewer samples or a smaller zProjection`);
  const d = model.config.inputDim;
  const half = d / 2;
  const K = tidy(() => {
    const tr = model.forwardTrace(x);
    const tile = (t: tf.Tensor2D): tf.Tensor2D => (m === 1 ? t : (tf.tile(t, [m, 1]) as tf.Tensor2D));
    // Cotangent rows (a, i) = M[:, a]^T: each output coordinate on every sample, output-major.
    const Mt = tf.transpose(tf.tensor2d(proj, [d, m])) as tf.Tensor2D; // [m, d]
    const gz = tf.reshape(tf.tile(tf.expandDims(Mt, 1), [1, n, 1]), [m * n, d]) as tf.Tensor2D;
    let g1 = tf.slice(gz, [0, 0], [-1, half]) as tf.Tensor2D;
    let g2 = tf.slice(gz, [0, half], [-1, half]) as tf.Tensor2D;
    const terms: tf.Tensor2D[] = [];
    const addHalf = (S: tf.Tensor2D, c: tf.Tensor2D, bias: boolean): void => {
      let G = tf.matMul<tf.Tensor2D>(S, tf.transpose(S));
      if (bias) G = tf.add(G, 1) as tf.Tensor2D;
      const CC = tf.matMul<tf.Tensor2D>(c, tf.transpose(c));
      terms.push(tf.mul(CC, m === 1 ? G : tf.tile(G, [m, m])) as tf.Tensor2D);
    };
    for (let l = model.config.blocks - 1; l >= 0; l--) {
      const b = tr.blocks[l]!;
      const fx = model.fixed[l]!;
      const pr = model.params[l]!;
      // y2 = x2 + g(y1): g's output cotangent is g2; then y1 = x1 + f(x2): f's is the total on y1.
      addHalf(b.Sg, g2, !!pr.g.b);
      const gy1 = tf.add(g1, halfVjpInput(fx.g, pr.g, tile(b.Pg), g2)) as tf.Tensor2D;
      addHalf(b.Sf, gy1, !!pr.f.b);
      if (l === 0) break; // the cotangent on the input is not needed
      g2 = tf.add(g2, halfVjpInput(fx.f, pr.f, tile(b.Pf), gy1)) as tf.Tensor2D;
      g1 = gy1;
    }
    // Output-major (a, i) -> sample-major (i, a).
    return tf.reshape(tf.transpose(tf.reshape(tf.addN(terms), [m, n, m, n]), [1, 0, 3, 2]), [size, size]) as tf.Tensor2D;
  });
  const kernel = Float64Array.from(K.dataSync());
  K.dispose();
  symmetrizeInPlace(kernel, size);
  return { kernel, n, width: m, size, projection: proj };
}

function symmetrizeInPlace(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (a[i * n + j]! + a[j * n + i]!);
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
}


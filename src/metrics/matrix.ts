/**
 * Dense matrices for the diagnostics: host (row-major float64) helpers, and the two routes for
 * the big products (Gram matrices A A^T and cross-products A^T B): float64 loops on the host, or
 * float32 matMuls on the tfjs backend with the result brought back to float64.
 *
 * Which route is cheaper depends on the backend: wasm matMuls run ~5x faster than the host loops,
 * the pure-JS `cpu` backend ~3x slower. `auto` uses the host for small products and on `cpu`,
 * the backend otherwise. float32 products are accurate to ~1e-6 relatively; the similarity
 * measures built on them (CKA, cosines near 1) are quadratic in that noise, so `auto` is safe.
 */
import { tf } from '../backend/index.js';
import { check } from '../util/errors.js';

/** A row-major matrix on the host. */
export interface HostMatrix {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

/** A matrix on the host or on the tfjs backend. */
export type MatrixInput = HostMatrix | tf.Tensor2D;

/** Where big products run: host float64 loops, backend float32 matMuls, or `auto`. */
export type ProductRoute = 'auto' | 'host' | 'backend';
export const PRODUCT_ROUTES: readonly ProductRoute[] = ['auto', 'host', 'backend'];

/** Products up to this many multiply-adds always run on the host (a few ms). */
const HOST_MAC_LIMIT = 4e6;

/** Shape of a host matrix or a tensor. */
export function shapeOf(m: MatrixInput): [number, number] {
  if (m instanceof tf.Tensor) return [m.shape[0], m.shape[1]];
  return [m.rows, m.cols];
}

/** Validates a host matrix (size matches its shape) or a rank-2 tensor. */
export function checkMatrix(m: MatrixInput, field: string): void {
  if (m instanceof tf.Tensor) {
    check(m.rank === 2, field, () => `expected a 2-D tensor [n, p], got shape [${m.shape.join(', ')}]`);
    return;
  }
  check(Number.isInteger(m.rows) && m.rows >= 1 && Number.isInteger(m.cols) && m.cols >= 1, field, () => `rows and cols must be positive integers, got ${m.rows} x ${m.cols}`);
  check(m.data.length === m.rows * m.cols, field, () => `holds ${m.data.length} values, expected rows*cols = ${m.rows * m.cols} (${m.rows} x ${m.cols}, row-major)`);
}

/** Decides the route for a product of `macs` multiply-adds. */
export function resolveRoute(route: ProductRoute, macs: number): 'host' | 'backend' {
  check(PRODUCT_ROUTES.includes(route), 'products', () => `unknown route ${JSON.stringify(route)}; use one of ${PRODUCT_ROUTES.join(', ')}`);
  if (route !== 'auto') return route;
  if (macs <= HOST_MAC_LIMIT) return 'host';
  return tf.getBackend() === 'cpu' ? 'host' : 'backend';
}

/** A float64 copy of the matrix (row-major), optionally with every column's mean removed. */
export function toHost64(m: MatrixInput, center = false): Float64Array {
  const src = m instanceof tf.Tensor ? m.dataSync() : m.data;
  const [n, p] = shapeOf(m);
  const a = Float64Array.from(src as ArrayLike<number>);
  if (center) centerColumns(a, n, p);
  return a;
}

/** Removes the mean of every column of the n x p row-major matrix `a`, in place. */
export function centerColumns(a: Float64Array, n: number, p: number): void {
  const mean = new Float64Array(p);
  for (let r = 0; r < n; r++) for (let c = 0; c < p; c++) mean[c] = mean[c]! + a[r * p + c]!;
  for (let c = 0; c < p; c++) mean[c] = mean[c]! / n;
  for (let r = 0; r < n; r++) for (let c = 0; c < p; c++) a[r * p + c] = a[r * p + c]! - mean[c]!;
}

/** A A^T (n x n) of the row-major n x p matrix `a`, float64. */
export function hostGram(a: Float64Array, n: number, p: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const oi = i * p;
    for (let j = i; j < n; j++) {
      const oj = j * p;
      let s = 0;
      for (let k = 0; k < p; k++) s += a[oi + k]! * a[oj + k]!;
      g[i * n + j] = s;
      g[j * n + i] = s;
    }
  }
  return g;
}

/** A^T B (p x q) of row-major n x p and n x q matrices, float64. */
export function hostCross(a: Float64Array, b: Float64Array, n: number, p: number, q: number): Float64Array {
  const out = new Float64Array(p * q);
  for (let r = 0; r < n; r++) {
    const ar = r * p;
    const br = r * q;
    for (let i = 0; i < p; i++) {
      const v = a[ar + i]!;
      if (v === 0) continue;
      const oi = i * q;
      for (let j = 0; j < q; j++) out[oi + j] = out[oi + j]! + v * b[br + j]!;
    }
  }
  return out;
}

/** The matrix as a float32 tensor, columns centered when asked (call inside a tidy). */
function toTensor(m: MatrixInput, center: boolean): tf.Tensor2D {
  const t = m instanceof tf.Tensor ? m : tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
  return center ? (tf.sub(t, tf.mean(t, 0)) as tf.Tensor2D) : t;
}

export interface GramOptions {
  /** Remove every column's mean first (Gram of centered features). Default false. */
  center?: boolean;
  /** Where the product runs (default 'auto'; see the module comment). */
  products?: ProductRoute;
}

/**
 * The Gram matrix X X^T (n x n, float64, row-major) of an n x p matrix, of its column-centered
 * version with `center`.
 *
 * @example
 * const K = gramMatrix({ data: [1, 2, 3, 4], rows: 2, cols: 2 }); // Float64Array [5, 11, 11, 25]
 */
export function gramMatrix(m: MatrixInput, options: GramOptions = {}): Float64Array {
  checkMatrix(m, 'gramMatrix.m');
  const { center = false, products = 'auto' } = options;
  const [n, p] = shapeOf(m);
  if (resolveRoute(products, (n * n * p) / 2) === 'host') return hostGram(toHost64(m, center), n, p);
  const data = tf.tidy(() => {
    const x = toTensor(m, center);
    return tf.matMul(x, tf.transpose(x));
  });
  const g = Float64Array.from(data.dataSync());
  data.dispose();
  return symmetrize(g, n);
}

/**
 * The cross-product X^T Y (p x q, float64) of n x p and n x q matrices, of their column-centered
 * versions with `center`.
 *
 * @example
 * crossProduct({ data: [1, 2], rows: 2, cols: 1 }, { data: [3, 4], rows: 2, cols: 1 }); // [11]
 */
export function crossProduct(x: MatrixInput, y: MatrixInput, options: GramOptions = {}): Float64Array {
  checkMatrix(x, 'crossProduct.x');
  checkMatrix(y, 'crossProduct.y');
  const { center = false, products = 'auto' } = options;
  const [n, p] = shapeOf(x);
  const [ny, q] = shapeOf(y);
  check(n === ny, 'crossProduct.y', () => `has ${ny} rows, x has ${n}: both must hold the same samples`);
  if (resolveRoute(products, n * p * q) === 'host') return hostCross(toHost64(x, center), toHost64(y, center), n, p, q);
  const data = tf.tidy(() => tf.matMul(tf.transpose(toTensor(x, center)), toTensor(y, center)));
  const out = Float64Array.from(data.dataSync());
  data.dispose();
  return out;
}

/** Replaces an n x n matrix by its symmetric part, in place (float32 products are not exactly symmetric). */
function symmetrize(g: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (g[i * n + j]! + g[j * n + i]!);
      g[i * n + j] = v;
      g[j * n + i] = v;
    }
  }
  return g;
}

/** Per-row squared norms of the (optionally centered) matrix: the diagonal of its Gram. */
export function rowSquaredNorms(m: MatrixInput, center = false): Float64Array {
  const [n, p] = shapeOf(m);
  const a = toHost64(m, center);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let c = 0; c < p; c++) s += a[r * p + c]! ** 2;
    out[r] = s;
  }
  return out;
}

/**
 * Frobenius inner product sum_i a_i b_i in float64 (lengths must match).
 *
 * @example
 * frobeniusDot([1, 2], [3, 4]); // 11
 */
export function frobeniusDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  check(a.length === b.length, 'frobeniusDot', () => `lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Cosine similarity <a, b> / (|a| |b|) in float64; NaN when either vector is zero.
 *
 * @example
 * cosine([1, 0], [1, 1]); // 0.7071...
 */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ab = frobeniusDot(a, b);
  const aa = frobeniusDot(a, a);
  const bb = frobeniusDot(b, b);
  if (aa === 0 || bb === 0) return NaN;
  return ab / Math.sqrt(aa * bb);
}

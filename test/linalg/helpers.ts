/** Shared builders for the linalg tests: seeded random matrices and ml-matrix conversions. */
import { Matrix, QrDecomposition } from 'ml-matrix';
import { Rng } from '../../src/util/rng.js';

/** r x c matrix of N(0,1) entries (float64). */
export function randn(rng: Rng, r: number, c: number): Float64Array {
  const a = new Float64Array(r * c);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
}

/** Random symmetric n x n matrix (entries N(0,1)). */
export function randomSymmetric(rng: Rng, n: number): Float64Array {
  const a = randn(rng, n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j]!;
  return a;
}

/** Row-major product of (r x k) and (k x c). */
export function matmul(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let t = 0; t < k; t++) {
      const f = a[i * k + t]!;
      for (let j = 0; j < c; j++) out[i * c + j] = out[i * c + j]! + f * b[t * c + j]!;
    }
  }
  return out;
}

/** Transpose of an r x c matrix. */
export function transposed(a: Float64Array, r: number, c: number): Float64Array {
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = a[i * c + j]!;
  return t;
}

/** G = A A^T for the n x h matrix A. */
export function gramOf(a: Float64Array, n: number, h: number): Float64Array {
  return matmul(a, transposed(a, n, h), n, h, n);
}

/** A random n x c matrix with orthonormal columns (c <= n), from a QR factorization. */
export function randomOrthonormal(rng: Rng, n: number, c: number): Float64Array {
  const q = new QrDecomposition(toMl(randn(rng, n, c), n, c)).orthogonalMatrix;
  return fromMl(q.subMatrix(0, n - 1, 0, c - 1));
}

/** Symmetric Q diag(values) Q^T with a random orthogonal Q. */
export function withSpectrum(rng: Rng, values: number[]): Float64Array {
  const n = values.length;
  const q = randomOrthonormal(rng, n, n);
  const qd = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) qd[i * n + j] = q[i * n + j]! * values[j]!;
  const a = matmul(qd, transposed(q, n, n), n, n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j]!;
  return a;
}

/** A (n x h) = U diag(s) W^T with random orthonormal U (n x r), W (h x r), r = s.length. */
export function withSingularValues(rng: Rng, n: number, h: number, s: number[]): Float64Array {
  const r = s.length;
  const u = randomOrthonormal(rng, n, r);
  const w = randomOrthonormal(rng, h, r);
  for (let i = 0; i < n; i++) for (let k = 0; k < r; k++) u[i * r + k] = u[i * r + k]! * s[k]!;
  return matmul(u, transposed(w, h, r), n, r, h);
}

/** ml-matrix Matrix from row-major data. */
export function toMl(a: Float64Array, r: number, c: number): Matrix {
  return Matrix.from1DArray(r, c, Array.from(a));
}

/** Row-major Float64Array from an ml-matrix Matrix. */
export function fromMl(m: Matrix): Float64Array {
  return Float64Array.from(m.to1DArray());
}

/** Largest absolute entry of a - b. */
export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** Largest absolute entry. */
export function maxAbs(a: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]!));
  return d;
}

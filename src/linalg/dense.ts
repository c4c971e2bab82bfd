/**
 * Small shared helpers for the host-side linear algebra: argument checks and row-major
 * Float64Array utilities. Matrices are plain `Float64Array`s, row-major, with the shape passed
 * alongside (an n x m matrix has entry (i, j) at index `i * m + j`).
 */
import { check, NumericalError } from '../util/errors.js';

/** Checks that `n` is a positive integer and `a` holds exactly n x n entries. */
export function checkSquare(a: Float64Array, n: number, field: string): void {
  check(Number.isInteger(n) && n >= 1, `${field}.n`, () => `must be a positive integer, got ${n}`);
  check(a.length === n * n, field, () => `must hold n*n = ${n * n} entries for n = ${n}, got ${a.length}; pass the matrix row-major with its order n`);
}

/** Checks that `b` holds exactly n x m entries (m a non-negative integer). */
export function checkRhs(b: Float64Array, n: number, m: number, field: string): void {
  check(Number.isInteger(m) && m >= 0, `${field}.m`, () => `must be a non-negative integer, got ${m}`);
  check(b.length === n * m, field, () => `must hold n*m = ${n * m} entries for n = ${n}, m = ${m}, got ${b.length}; pass it row-major (n rows of m)`);
}

/** Throws a NumericalError naming the first non-finite entry of `a` (an r x c matrix), if any. */
export function checkFinite(a: Float64Array, cols: number, what: string): void {
  for (let idx = 0; idx < a.length; idx++) {
    const v = a[idx]!;
    if (!Number.isFinite(v)) {
      const i = Math.floor(idx / cols);
      throw new NumericalError(`${what} has a non-finite entry ${v} at (${i}, ${idx - i * cols}); the values feeding it have diverged (lower the learning rate, or check the data)`);
    }
  }
}

/** A fresh copy of the symmetric part (A + A^T) / 2 of the n x n matrix `a`. */
export function symmetricPart(a: Float64Array, n: number): Float64Array {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    s[ri + i] = a[ri + i]!;
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (a[ri + j]! + a[j * n + i]!);
      s[ri + j] = v;
      s[j * n + i] = v;
    }
  }
  return s;
}

/** The transpose of the r x c matrix `a` (a new c x r matrix). */
export function transpose(a: Float64Array, r: number, c: number): Float64Array {
  const t = new Float64Array(r * c);
  const B = 32;
  for (let i0 = 0; i0 < r; i0 += B) {
    const i1 = Math.min(r, i0 + B);
    for (let j0 = 0; j0 < c; j0 += B) {
      const j1 = Math.min(c, j0 + B);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) t[j * r + i] = a[i * c + j]!;
      }
    }
  }
  return t;
}

/** y = A x for the n x n matrix `a` (rows dotted with x). */
export function matVec(a: Float64Array, n: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += a[ri + j]! * x[j]!;
    y[i] = s;
  }
}

/** Euclidean norm of `x`. */
export function norm2(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

/** Column-block width for right-hand-side sweeps: keeps one block of all n rows in cache. */
export function rhsBlockWidth(n: number, m: number): number {
  const target = Math.floor(65536 / Math.max(1, n)); // ~512 KiB of Float64 per block
  return Math.max(1, Math.min(m, Math.max(16, Math.min(256, target))));
}

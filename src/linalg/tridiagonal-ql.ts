/**
 * Eigenvalues (and optionally eigenvectors) of a symmetric tridiagonal matrix by the implicit QL
 * algorithm with Wilkinson-type shifts.
 *
 * Each QL sweep chases a bulge from the bottom of the unreduced block [l, m] up to row l with
 * plane rotations. The rotations depend only on d and e, so the eigenvector update is a pair of
 * ROW operations on W, where W holds the current eigenvector estimates as rows (W = Z^T). The
 * rotations are buffered and applied to W one column block at a time (the block of all rows
 * stays in cache while many sweeps pass over it), two consecutive rotations per pass.
 */
import { NumericalError } from '../util/errors.js';

/** Most QL sweeps allowed for one eigenvalue before giving up. */
const MAX_SWEEPS = 60;

/**
 * Diagonalizes the tridiagonal matrix (d, e) in place: on return d holds the eigenvalues
 * (unsorted), e is destroyed. If `w` (n x n, row-major) is given, every rotation is applied to
 * its rows, so starting from W = Q^T it ends as V^T (row k = eigenvector for d[k]).
 *
 * Deflation is absolute: e[m] counts as zero once |e[m]| <= eps * ||T||_inf, the accuracy the
 * Householder step already has.
 *
 * @example
 * const d = Float64Array.from([2, 2]), e = Float64Array.from([1, 0]);
 * tridiagonalQl(d, e, 2); // d is now {1, 3} in some order
 */
export function tridiagonalQl(d: Float64Array, e: Float64Array, n: number, w?: Float64Array): void {
  let tnorm = 0;
  for (let i = 0; i < n; i++) {
    const left = i > 0 ? Math.abs(e[i - 1]!) : 0;
    tnorm = Math.max(tnorm, Math.abs(d[i]!) + left + Math.abs(e[i]!));
  }
  const tol = Number.EPSILON * tnorm;
  const rot = w === undefined ? undefined : new RotationBuffer(w, n);
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let sweeps = 0;
    for (;;) {
      let m = l;
      while (m < n - 1 && Math.abs(e[m]!) > tol) m++;
      if (m === l) break;
      if (++sweeps > MAX_SWEEPS) {
        throw new NumericalError(`symmetric eigensolver: QL did not converge for eigenvalue ${l} of ${n} after ${MAX_SWEEPS} sweeps (matrix norm ${tnorm}); the input is probably not finite or badly scaled`);
      }
      qlSweep(d, e, l, m, rot);
    }
  }
  rot?.flush();
}

/** One implicit shifted QL sweep on the unreduced block [l, m]. */
function qlSweep(d: Float64Array, e: Float64Array, l: number, m: number, rot: RotationBuffer | undefined): void {
  // Shift: the eigenvalue of the leading 2x2 block closer to d[l].
  let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
  let r = Math.hypot(g, 1);
  g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
  let s = 1;
  let c = 1;
  let p = 0;
  for (let i = m - 1; i >= l; i--) {
    const f = s * e[i]!;
    const b = c * e[i]!;
    r = Math.hypot(f, g);
    e[i + 1] = r;
    if (r === 0) {
      // The bulge vanished (underflow): deflate here and let the caller look again.
      d[i + 1] = d[i + 1]! - p;
      e[m] = 0;
      return;
    }
    s = f / r;
    c = g / r;
    g = d[i + 1]! - p;
    r = (d[i]! - g) * s + 2 * c * b;
    p = s * r;
    d[i + 1] = g + p;
    g = c * r - b;
    rot?.push(i, c, s);
  }
  d[l] = d[l]! - p;
  e[l] = g;
  e[m] = 0;
}

/**
 * Buffered plane rotations on the rows of w. Rotation (i, c, s) maps rows (i, i+1) to
 * (c * row_i - s * row_{i+1}, s * row_i + c * row_{i+1}); they are applied in push order.
 */
class RotationBuffer {
  private readonly idx: Int32Array;
  private readonly cs: Float64Array;
  private count = 0;
  constructor(private readonly w: Float64Array, private readonly n: number, capacity = 1 << 16) {
    this.idx = new Int32Array(capacity);
    this.cs = new Float64Array(2 * capacity);
  }

  push(i: number, c: number, s: number): void {
    if (this.count === this.idx.length) this.flush();
    const r = this.count++;
    this.idx[r] = i;
    this.cs[2 * r] = c;
    this.cs[2 * r + 1] = s;
  }

  /** Applies all buffered rotations to w, column block by column block. */
  flush(): void {
    const { w, n, idx, cs, count } = this;
    const width = 64;
    for (let c0 = 0; c0 < n; c0 += width) {
      const c1 = Math.min(n, c0 + width);
      let r = 0;
      while (r < count) {
        const i = idx[r]!;
        if (r + 1 < count && idx[r + 1] === i - 1) {
          rotatePair(w, n, i, cs[2 * r]!, cs[2 * r + 1]!, cs[2 * r + 2]!, cs[2 * r + 3]!, c0, c1);
          r += 2;
        } else {
          rotateOne(w, n, i, cs[2 * r]!, cs[2 * r + 1]!, c0, c1);
          r += 1;
        }
      }
    }
    this.count = 0;
  }
}

/** Rotation (i, c, s) on columns c0..c1-1 of w. */
function rotateOne(w: Float64Array, n: number, i: number, c: number, s: number, c0: number, c1: number): void {
  const a = i * n;
  const b = a + n;
  for (let k = c0; k < c1; k++) {
    const x = w[a + k]!;
    const y = w[b + k]!;
    w[a + k] = c * x - s * y;
    w[b + k] = s * x + c * y;
  }
}

/** Rotation (i, c1, s1) then (i-1, c2, s2) on columns k0..k1-1 of w (rows i-1, i, i+1 once). */
function rotatePair(w: Float64Array, n: number, i: number, c1: number, s1: number, c2: number, s2: number, k0: number, k1: number): void {
  const b = i * n;
  const a = b - n;
  const cc = b + n;
  for (let k = k0; k < k1; k++) {
    const x = w[b + k]!;
    const y = w[cc + k]!;
    const xr = c1 * x - s1 * y;
    w[cc + k] = s1 * x + c1 * y;
    const u = w[a + k]!;
    w[a + k] = c2 * u - s2 * xr;
    w[b + k] = s2 * u + c2 * xr;
  }
}

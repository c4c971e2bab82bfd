/**
 * Householder reduction of a symmetric matrix to tridiagonal form, A = Q T Q^T.
 *
 * Step k reflects column k below the diagonal onto its first entry with H = I - beta v v^T and
 * applies H to the trailing block from both sides as a symmetric rank-2 update
 * B <- B - v w^T - w v^T, with p = beta B v and w = p - (beta/2)(v.p) v.
 *
 * For speed (n up to ~1000 in plain JavaScript) the matrix is kept in the LOWER triangle only,
 * and the rank-2 update of step k is fused with the product p = B v of step k+1: each row of
 * the trailing block is read and written once per step, and all inner loops are contiguous.
 * The upper triangle is free and holds the reflector vectors (row k, right of the diagonal).
 */

/** The tridiagonal form: diagonal `d` (n), off-diagonal `e` (e[i] couples i and i+1, e[n-1] = 0). */
export interface Tridiagonal {
  d: Float64Array;
  e: Float64Array;
  /** Q^T, row-major n x n, when requested (row i of the result is column i of Q). */
  qt?: Float64Array;
}

/**
 * Reduces the symmetric n x n matrix `work` (row-major; only its lower triangle is read; it is
 * OVERWRITTEN) to tridiagonal form. With `wantQ`, also returns Q^T so that A = Q T Q^T.
 *
 * @example
 * const t = tridiagonalize(Float64Array.from([2, 1, 1, 1, 2, 1, 1, 1, 2]), 3, true);
 * t.d; t.e; // T's diagonal and off-diagonal
 */
export function tridiagonalize(work: Float64Array, n: number, wantQ: boolean): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const betas = new Float64Array(n);
  if (n === 1) {
    d[0] = work[0]!;
    return wantQ ? { d, e, qt: Float64Array.of(1) } : { d, e };
  }
  let v = new Float64Array(n);
  let vNext = new Float64Array(n);
  let p = new Float64Array(n);
  let pNext = new Float64Array(n);
  const w = new Float64Array(n);

  d[0] = work[0]!;
  if (n > 2) {
    betas[0] = makeReflector(work, n, 0, e, v);
    if (betas[0] !== 0) lowerMatVec(work, n, 1, v, p, betas[0]);
  }
  for (let k = 0; k < n - 2; k++) {
    const beta = betas[k]!;
    if (beta !== 0) {
      let vp = 0;
      for (let i = k + 1; i < n; i++) vp += v[i]! * p[i]!;
      const half = 0.5 * beta * vp;
      for (let i = k + 1; i < n; i++) w[i] = p[i]! - half * v[i]!;
      // Column k+1 of the trailing block first: it defines the next reflector.
      const vk1 = v[k + 1]!;
      const wk1 = w[k + 1]!;
      for (let i = k + 1; i < n; i++) {
        const idx = i * n + k + 1;
        work[idx] = work[idx]! - v[i]! * wk1 - w[i]! * vk1;
      }
    }
    d[k + 1] = work[(k + 1) * n + k + 1]!;
    const next = k + 1 < n - 2 ? makeReflector(work, n, k + 1, e, vNext) : 0;
    betas[k + 1] = next;
    updateAndMultiply(work, n, k + 2, beta !== 0, v, w, next !== 0, vNext, pNext);
    if (next !== 0) for (let i = k + 2; i < n; i++) pNext[i] = next * pNext[i]!;
    [v, vNext] = [vNext, v];
    [p, pNext] = [pNext, p];
  }
  e[n - 2] = work[(n - 1) * n + n - 2]!;
  d[n - 1] = work[(n - 1) * n + n - 1]!;
  e[n - 1] = 0;
  if (!wantQ) return { d, e };
  return { d, e, qt: accumulateQt(work, n, betas) };
}

/**
 * Builds reflector k from column k below the diagonal, x = work[k+1:, k]: stores v (with
 * H x = alpha e_1) in row k right of the diagonal and in `v`, sets e[k] = alpha and returns
 * beta = 2 / (v.v) (0 when x is already zero).
 */
function makeReflector(work: Float64Array, n: number, k: number, e: Float64Array, v: Float64Array): number {
  let scale = 0;
  for (let i = k + 1; i < n; i++) {
    const x = work[i * n + k]!;
    v[i] = x;
    scale = Math.max(scale, Math.abs(x));
  }
  if (scale === 0) {
    e[k] = 0;
    return 0;
  }
  let ss = 0;
  for (let i = k + 1; i < n; i++) {
    const t = v[i]! / scale;
    ss += t * t;
  }
  const xnorm = scale * Math.sqrt(ss);
  const x0 = v[k + 1]!;
  const alpha = x0 >= 0 ? -xnorm : xnorm;
  v[k + 1] = x0 - alpha; // = sign(x0) (|x0| + |x|): no cancellation
  e[k] = alpha;
  work.set(v.subarray(k + 1, n), k * n + k + 1);
  return 1 / (xnorm * (xnorm + Math.abs(x0)));
}

/** p[from:] = beta * B v for the symmetric block B = work[from:, from:] stored in its lower triangle. */
function lowerMatVec(work: Float64Array, n: number, from: number, v: Float64Array, p: Float64Array, beta: number): void {
  p.fill(0, from);
  for (let i = from; i < n; i++) {
    const ri = i * n;
    const vi = v[i]!;
    let s = 0;
    for (let j = from; j < i; j++) {
      const x = work[ri + j]!;
      s += x * v[j]!;
      p[j] = p[j]! + x * vi;
    }
    p[i] = p[i]! + s + work[ri + i]! * vi;
  }
  for (let i = from; i < n; i++) p[i] = beta * p[i]!;
}

/**
 * One pass over the lower triangle of the block work[from:, from:]: applies the rank-2 update
 * B -= v w^T + w v^T (if `update`) and accumulates pNext = B_new vNext (if `multiply`, without
 * the beta factor).
 */
function updateAndMultiply(
  work: Float64Array, n: number, from: number,
  update: boolean, v: Float64Array, w: Float64Array,
  multiply: boolean, vNext: Float64Array, pNext: Float64Array,
): void {
  if (multiply) pNext.fill(0, from);
  for (let i = from; i < n; i++) {
    const ri = i * n;
    if (update) {
      const vi = v[i]!;
      const wi = w[i]!;
      if (multiply) {
        const ui = vNext[i]!;
        let s = 0;
        for (let j = from; j < i; j++) {
          const x = work[ri + j]! - vi * w[j]! - wi * v[j]!;
          work[ri + j] = x;
          s += x * vNext[j]!;
          pNext[j] = pNext[j]! + x * ui;
        }
        const x = work[ri + i]! - 2 * vi * wi;
        work[ri + i] = x;
        pNext[i] = pNext[i]! + s + x * ui;
      } else {
        for (let j = from; j <= i; j++) work[ri + j] = work[ri + j]! - vi * w[j]! - wi * v[j]!;
      }
    } else if (multiply) {
      const ui = vNext[i]!;
      let s = 0;
      for (let j = from; j < i; j++) {
        const x = work[ri + j]!;
        s += x * vNext[j]!;
        pNext[j] = pNext[j]! + x * ui;
      }
      pNext[i] = pNext[i]! + s + work[ri + i]! * ui;
    }
  }
}

/**
 * Forms Q = H_0 H_1 ... H_{n-3} by backward accumulation (row operations only) and returns
 * Q^T. Reflector k is v = work[k, k+1:] with factor betas[k]. Reflectors go two per pass over
 * the block: M <- H_k H_{k+1} M = M - b1 u z1^T - b0 v z0^T with z1 = u^T M and
 * z0 = v^T M - b1 (v.u) z1 (u, v the vectors of k+1, k).
 */
function accumulateQt(work: Float64Array, n: number, betas: Float64Array): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const z0 = new Float64Array(n);
  const z1 = new Float64Array(n);
  let k = n - 3;
  for (; k >= 1; k -= 2) applyTwoReflectors(q, work, n, k - 1, betas[k - 1]!, betas[k]!, z0, z1);
  if (k === 0) applyTwoReflectors(q, work, n, -1, 0, betas[0]!, z0, z1);
  transposeInPlace(q, n);
  return q;
}

/**
 * M <- H_k0 H_{k0+1} M on the block (k0+1).. (k0 = -1 applies H_0 alone, b0 must be 0).
 * Rows/columns up to k0+1 of the block of H_{k0+1} are untouched (identity there).
 */
function applyTwoReflectors(q: Float64Array, work: Float64Array, n: number, k0: number, b0: number, b1: number, z0: Float64Array, z1: Float64Array): void {
  const k1 = k0 + 1;
  if (b0 === 0 && b1 === 0) return;
  const from = k1 + 1; // H_{k1} acts on rows/cols >= k1+1; H_{k0} on >= k0+1 = k1.
  const uOff = k1 * n; // u[i] = work[uOff + i], i >= k1+1
  const vOff = k0 * n; // v[i] = work[vOff + i], i >= k1 (only when k0 >= 0)
  const lo = b0 === 0 ? from : k1;
  z0.fill(0, lo);
  z1.fill(0, lo);
  let vu = 0;
  // Row k1 of M is e_{k1} here (backward accumulation), so v^T M gets v[k1] at column k1.
  if (b0 !== 0) z0[k1] = work[vOff + k1]!;
  for (let i = from; i < n; i++) {
    const ui = b1 === 0 ? 0 : work[uOff + i]!;
    const vi = b0 === 0 ? 0 : work[vOff + i]!;
    vu += vi * ui;
    const ri = i * n;
    for (let j = from; j < n; j++) {
      const x = q[ri + j]!;
      z1[j] = z1[j]! + ui * x;
      z0[j] = z0[j]! + vi * x;
    }
  }
  const corr = b1 * vu;
  for (let j = from; j < n; j++) z0[j] = z0[j]! - corr * z1[j]!;
  // M -= b1 u z1^T + b0 v z0^T; row k1 only gets the v term (u[k1] = 0), column k1 of rows
  // >= from is 0 in M and z1[k1] = 0, so only z0 reaches it.
  if (b0 !== 0) {
    const f = b0 * work[vOff + k1]!;
    const rk = k1 * n;
    for (let j = k1; j < n; j++) q[rk + j] = q[rk + j]! - f * z0[j]!;
  }
  for (let i = from; i < n; i++) {
    const fu = b1 * (b1 === 0 ? 0 : work[uOff + i]!);
    const fv = b0 * (b0 === 0 ? 0 : work[vOff + i]!);
    const ri = i * n;
    if (b0 !== 0) q[ri + k1] = q[ri + k1]! - fv * z0[k1]!;
    for (let j = from; j < n; j++) q[ri + j] = q[ri + j]! - fu * z1[j]! - fv * z0[j]!;
  }
}

/** In-place transpose of the n x n matrix `q`. */
function transposeInPlace(q: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = q[i * n + j]!;
      q[i * n + j] = q[j * n + i]!;
      q[j * n + i] = a;
    }
  }
}

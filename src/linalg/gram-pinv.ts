/**
 * The GN step's per-block solve: C = G^+ T for the Gram matrix G = A A^T (n x n, symmetric PSD)
 * and targets T (n x m), so that the update A^T C equals A^+ T (truncated as in the paper).
 *
 * In terms of the singular values s_i of A (G has eigenvalues s_i^2):
 * - `truncated` (the paper): keep s_i >= max(rtol * s_max, atol), C = V diag(1/lambda_kept) V^T T.
 * - `none`: C = G^{-1} T exactly (Cholesky); throws if G is numerically singular.
 * - `damped`: C = (G + damping I)^{-1} T (Tikhonov / Levenberg-Marquardt).
 * - `transpose`: C = T, so the update is A^T T (gradient-like).
 */
import { check, NumericalError } from '../util/errors.js';
import { checkFinite, checkRhs, checkSquare, rhsBlockWidth, symmetricPart } from './dense.js';
import { cholesky as tsCholesky, choleskySolveInPlace as tsCholeskySolveInPlace, type CholeskyOptions } from './cholesky.js';
import { inverseIterationMin, powerIterationMax, spectralRadiusBound } from './extreme-eigs.js';
import { nativeLinalg } from './native.js';
import { symEigRows as tsSymEigRows, symEigvals as tsSymEigvals } from './sym-eig.js';

/** How the pseudo-inverse is regularized; see the module comment. */
export type PinvMethod = 'truncated' | 'none' | 'damped' | 'transpose';

/** The accepted values of {@link PinvMethod}. */
export const PINV_METHODS: readonly PinvMethod[] = ['truncated', 'none', 'damped', 'transpose'];

/** Options of {@link gramPinvSolve}. */
export interface GramPinvOptions {
  /** Default 'truncated'. */
  method?: PinvMethod;
  /** Relative cut on singular values of A ('truncated'). Default 1e-2. */
  rtol?: number;
  /** Absolute cut on singular values of A ('truncated'). Default 1e-5. */
  atol?: number;
  /** lambda of 'damped' (required there, > 0). */
  damping?: number;
  /** Also return the eigenvalues of G (descending); costs an eigenvalue computation. */
  wantSpectrum?: boolean;
  /** 'truncated': skip the Cholesky fast path and always use the eigendecomposition. */
  forceEig?: boolean;
  /**
   * 'none': G counts as singular when a Cholesky pivot is <= singularTol * max(diag G) or the
   * estimated condition number exceeds 1 / singularTol. Default n * 2^-52. A Gram matrix formed
   * in float32 is only known to ~1e-7 relatively; raise this (e.g. 1e-6) to treat such noise as
   * singular.
   */
  singularTol?: number;
}

/** What {@link gramPinvSolve} returns. */
export interface GramPinvResult {
  /** C (n x m, row-major). */
  solution: Float64Array;
  /** Eigen-directions kept ('truncated'); n for the other methods. */
  rank: number;
  /**
   * lambda_max / lambda_min of G; Infinity when lambda_min is numerically zero or negative
   * (<= n * eps * lambda_max). From the eigenvalues when the spectrum was computed; otherwise
   * an estimate: power iteration for lambda_max and inverse iteration with the Cholesky factor
   * for lambda_min ('damped' factors G once more for this, Infinity if that fails). NaN for
   * 'transpose' without `wantSpectrum`.
   */
  cond: number;
  /** Eigenvalues of G, descending: when `wantSpectrum`, or when computed anyway ('truncated/eig'). */
  spectrum?: Float64Array;
  /** What was really used: 'truncated/cholesky', 'truncated/eig', 'none/cholesky', 'damped/cholesky' or 'transpose'. */
  method: string;
}

/**
 * Safety factor on the power-iteration estimate of lambda_max in the fast path. After
 * FAST_POWER.maxIter iterations from a Gaussian start the Rayleigh quotient is below lambda_max
 * by at most 5% (eigenvalues within 5% of the top) plus 0.95^300 * n (the rest, relative to the
 * start's weight on the top), far inside the 10% margin for n up to ~10^5.
 */
const LAMBDA_MAX_INFLATE = 1.1;
const FAST_POWER = { maxIter: 150, rtol: 1e-7 };

/**
 * Solves C = G^+ T (see the module comment for the methods) for the n x n Gram matrix `gram`
 * and the n x m right-hand sides `rhs`, both row-major Float64Arrays (not modified). A slightly
 * asymmetric `gram` (float32 rounding) is replaced by its symmetric part.
 *
 * 'truncated' fast path: when nothing would be truncated the result is the plain inverse, and
 * that is decided without an eigendecomposition. lambda_max is estimated by power iteration,
 * inflated by 10% and capped by a rigorous bound (row sums, Frobenius norm); with
 * tau = max(rtol^2 lambda_max, atol^2), the Cholesky factorization of G - tau I succeeds iff
 * every eigenvalue exceeds tau (Sylvester's law of inertia), and then C comes from the Cholesky
 * factor of G (method 'truncated/cholesky', rank n, estimated cond). Otherwise, or with
 * `forceEig`/`wantSpectrum`, the full eigendecomposition is used ('truncated/eig').
 *
 * @example
 * const g = Float64Array.from([4, 2, 2, 3]);           // G = A A^T for some 2 x h matrix A
 * const r = gramPinvSolve(g, 2, Float64Array.from([6, 5]), 1);
 * r.solution; // ≈ [1, 1]; r.method === 'truncated/cholesky'; r.rank === 2
 */
export function gramPinvSolve(gram: Float64Array, n: number, rhs: Float64Array, m: number, opts: GramPinvOptions = {}): GramPinvResult {
  checkSquare(gram, n, 'gramPinvSolve.gram');
  checkRhs(rhs, n, m, 'gramPinvSolve.rhs');
  const o = resolveOptions(opts, n);
  checkFinite(gram, n, 'gramPinvSolve: the Gram matrix');
  checkFinite(rhs, Math.max(m, 1), 'gramPinvSolve: the right-hand side');
  const g = symmetricPart(gram, n);
  switch (o.method) {
    case 'transpose':
      return solveTranspose(g, n, rhs, o.wantSpectrum);
    case 'none':
      return solveExact(g, n, rhs, m, o.singularTol, o.wantSpectrum);
    case 'damped':
      return solveDamped(g, n, rhs, m, o.damping, o.wantSpectrum);
    case 'truncated': {
      if (!o.forceEig && !o.wantSpectrum) {
        const fast = solveTruncatedFast(g, n, rhs, m, o.rtol, o.atol);
        if (fast !== null) return fast;
      }
      return solveTruncatedEig(g, n, rhs, m, o.rtol, o.atol);
    }
  }
}

/**
 * The 'truncated' solve C = G^+ T when G = B B^T comes as a narrow factor B (n x r, r < n, row-major;
 * e.g. B = [X L, 1] for the linear first block, L L^T = V^T V): the nonzero eigenvalues of G are
 * those of the r x r matrix H = B^T B, so only that is decomposed. With H = W diag(mu) W^T and the
 * kept mu_k >= cut^2 (the same cut as {@link gramPinvSolve}: sqrt(mu) >= max(rtol sqrt(mu_max), atol)),
 * G's eigenvectors are U_k = B W_k mu_k^{-1/2} and
 *   C = U_k diag(1/mu_k) U_k^T T = B W_k diag(mu_k^-2) W_k^T (B^T T).
 * Cost O(n r m + r^3) instead of the n x n eigendecomposition; the same result as gramPinvSolve on
 * B B^T up to rounding. The spectrum (G's eigenvalues, descending) has n - r exact zeros; cond is
 * Infinity (G is singular: r < n).
 *
 * @example
 * const b = Float64Array.from([1, 0, 0, 1, 1, 1]);     // 3 x 2: G = B B^T has rank 2
 * const r = factoredPinvSolve(b, 3, 2, Float64Array.from([1, 1, 2]), 1);
 * r.rank; // 2, and r.solution is the minimum-norm solution of G c = t
 */
export function factoredPinvSolve(b: Float64Array, n: number, r: number, rhs: Float64Array, m: number, opts: Pick<GramPinvOptions, 'rtol' | 'atol'> = {}): GramPinvResult {
  check(Number.isInteger(r) && r > 0 && r < n, 'factoredPinvSolve.r', () => `must be an integer in (0, n = ${n}) (a narrow factor), got ${r}`);
  check(b.length === n * r, 'factoredPinvSolve.b', () => `must have n * r = ${n * r} entries, got ${b.length}`);
  checkRhs(rhs, n, m, 'factoredPinvSolve.rhs');
  const o = resolveOptions({ ...opts, method: 'truncated' }, n);
  checkFinite(b, r, 'factoredPinvSolve: the factor');
  checkFinite(rhs, Math.max(m, 1), 'factoredPinvSolve: the right-hand side');
  const h = new Float64Array(r * r);
  gemm(true, false, r, r, n, b, b, h); // H = B^T B
  const { values, rows } = symEigRows(symmetricPart(h, r), r); // ascending
  const sMax = Math.sqrt(Math.max(values[r - 1]!, 0));
  const cut = Math.max(o.rtol * sMax, o.atol);
  const kept: number[] = [];
  for (let k = r - 1; k >= 0; k--) if (values[k]! > 0 && Math.sqrt(values[k]!) >= cut) kept.push(k);
  const solution = new Float64Array(n * m);
  const spectrum = new Float64Array(n);
  for (let k = 0; k < r; k++) spectrum[k] = Math.max(values[r - 1 - k]!, 0);
  const result: GramPinvResult = { solution, rank: kept.length, cond: Infinity, spectrum, method: 'truncated/factored' };
  if (kept.length === 0 || m === 0) return result;
  const bt = new Float64Array(r * m);
  gemm(true, false, r, m, n, b, rhs, bt); // B^T T
  // G^+ T = B W_k diag(mu_k^-2) W_k^T (B^T T): applyEigenInverse divides by the values given, mu^2.
  const p = applyEigenInverse(rows, r, values.map((v) => v * v), kept, bt, m);
  gemm(false, false, n, m, r, b, p, solution);
  return result;
}

/** c = op(a) op(b): the native dgemm when installed, else plain loops (row-major). */
function gemm(transA: boolean, transB: boolean, rows: number, cols: number, inner: number, a: Float64Array, bm: Float64Array, c: Float64Array): void {
  const nat = nativeLinalg();
  if (nat) return nat.gemm(transA, transB, rows, cols, inner, a, bm, c);
  c.fill(0);
  const A = (i: number, k: number): number => (transA ? a[k * rows + i]! : a[i * inner + k]!);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < inner; k++) {
      const aik = A(i, k);
      if (aik === 0) continue;
      const o = i * cols;
      if (transB) for (let j = 0; j < cols; j++) c[o + j] = c[o + j]! + aik * bm[j * inner + k]!;
      else {
        const bo = k * cols;
        for (let j = 0; j < cols; j++) c[o + j] = c[o + j]! + aik * bm[bo + j]!;
      }
    }
  }
}

/** Options with defaults filled in and checked. */
interface Resolved {
  method: PinvMethod;
  rtol: number;
  atol: number;
  damping: number;
  wantSpectrum: boolean;
  forceEig: boolean;
  singularTol: number;
}

function resolveOptions(opts: GramPinvOptions, n: number): Resolved {
  const method = opts.method ?? 'truncated';
  check(PINV_METHODS.includes(method), 'pinv.method', () => `must be one of ${PINV_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  const rtol = opts.rtol ?? 1e-2;
  const atol = opts.atol ?? 1e-5;
  check(Number.isFinite(rtol) && rtol >= 0, 'pinv.rtol', () => `must be a finite number >= 0 (relative cut on singular values), got ${rtol}`);
  check(Number.isFinite(atol) && atol >= 0, 'pinv.atol', () => `must be a finite number >= 0 (absolute cut on singular values), got ${atol}`);
  const damping = opts.damping ?? NaN;
  if (method === 'damped') {
    check(Number.isFinite(damping) && damping > 0, 'pinv.damping', () => `must be a finite number > 0 for method 'damped' (the lambda in (G + lambda I)^-1), got ${opts.damping}`);
  }
  const singularTol = opts.singularTol ?? n * Number.EPSILON;
  check(Number.isFinite(singularTol) && singularTol > 0 && singularTol < 1, 'pinv.singularTol', () => `must be a number in (0, 1), got ${singularTol}`);
  return { method, rtol, atol, damping, wantSpectrum: opts.wantSpectrum ?? false, forceEig: opts.forceEig ?? false, singularTol };
}

/** 'transpose': C = T. */
function solveTranspose(g: Float64Array, n: number, rhs: Float64Array, wantSpectrum: boolean): GramPinvResult {
  const result: GramPinvResult = { solution: Float64Array.from(rhs), rank: n, cond: NaN, method: 'transpose' };
  if (wantSpectrum) withSpectrum(result, symEigvals(g, n));
  return result;
}

/** 'none': C = G^{-1} T by Cholesky, or a NumericalError when G is (numerically) singular. */
function solveExact(g: Float64Array, n: number, rhs: Float64Array, m: number, singularTol: number, wantSpectrum: boolean): GramPinvResult {
  const maxDiag = maxDiagonal(g, n);
  const l = cholesky(g, n, { pivotTol: singularTol * maxDiag });
  const singular = (why: string): NumericalError => new NumericalError(
    `pinv 'none': the Gram matrix A A^T (${n} x ${n}) is singular (${why}), so the exact right inverse of A does not exist: ` +
      `the batch (${n}) is larger than the rank this block can reach. Use pinv 'truncated' or 'damped', or a smaller batch.`);
  if (l === null) throw singular(`a Cholesky pivot is <= ${singularTol.toExponential(2)} * max diagonal ${maxDiag.toExponential(3)}`);
  const lmax = powerIterationMax(g, n, FAST_POWER);
  const lmin = inverseIterationMin(l, n);
  const cond = condOf(lmax, lmin, n);
  if (!(cond * singularTol < 1)) throw singular(`estimated condition number ${cond.toExponential(3)} >= 1/singularTol = ${(1 / singularTol).toExponential(3)}`);
  const solution = Float64Array.from(rhs);
  choleskySolveInPlace(l, n, solution, m);
  const result: GramPinvResult = { solution, rank: n, cond, method: 'none/cholesky' };
  if (wantSpectrum) withSpectrum(result, symEigvals(g, n));
  return result;
}

/** 'damped': C = (G + lambda I)^{-1} T by Cholesky. */
function solveDamped(g: Float64Array, n: number, rhs: Float64Array, m: number, damping: number, wantSpectrum: boolean): GramPinvResult {
  const l = cholesky(g, n, { shift: -damping });
  if (l === null) {
    throw new NumericalError(`pinv 'damped': G + ${damping} I is not positive definite, so the Gram matrix has an eigenvalue <= -${damping}; a Gram matrix A A^T cannot, so the input is not a Gram matrix (or has diverged)`);
  }
  const solution = Float64Array.from(rhs);
  choleskySolveInPlace(l, n, solution, m);
  const result: GramPinvResult = { solution, rank: n, cond: NaN, method: 'damped/cholesky' };
  if (wantSpectrum) {
    withSpectrum(result, symEigvals(g, n));
  } else {
    const lg = cholesky(g, n); // G itself: the damped factor cannot resolve a small lambda_min
    result.cond = lg === null ? Infinity : condOf(powerIterationMax(g, n, FAST_POWER), inverseIterationMin(lg, n), n);
  }
  return result;
}

/**
 * 'truncated' without an eigendecomposition, when nothing would be truncated; null when some
 * eigenvalue may fall below the cut (the caller then uses the eigendecomposition).
 */
function solveTruncatedFast(g: Float64Array, n: number, rhs: Float64Array, m: number, rtol: number, atol: number): GramPinvResult | null {
  // Surely truncated, decided before the power iteration: lambda_max >= lo (the largest diagonal entry
  // and the Rayleigh quotient of the ones vector both bound it from below), so when G - tau_lo I is not
  // positive definite some eigenvalue lies below tau_lo <= the cut.
  const lo = Math.max(maxDiagonal(g, n), onesRayleighQuotient(g, n));
  const tauLo = Math.max(rtol * Math.sqrt(lo), atol) ** 2;
  if (tauLo > 0 && cholesky(g, n, { shift: tauLo }) === null) return null;
  const lpow = powerIterationMax(g, n, FAST_POWER);
  if (!(lpow > 0)) return null;
  const lmaxUpper = Math.max(lpow, Math.min(spectralRadiusBound(g, n), LAMBDA_MAX_INFLATE * lpow));
  const cut = Math.max(rtol * Math.sqrt(lmaxUpper), atol);
  const tau = cut * cut;
  const shifted = cholesky(g, n, { shift: tau });
  if (shifted === null) return null;
  const l = tau === 0 ? shifted : cholesky(g, n);
  if (l === null) return null;
  const solution = Float64Array.from(rhs);
  choleskySolveInPlace(l, n, solution, m);
  return { solution, rank: n, cond: condOf(lpow, inverseIterationMin(l, n), n), method: 'truncated/cholesky' };
}

/** 'truncated' through the full eigendecomposition. */
function solveTruncatedEig(g: Float64Array, n: number, rhs: Float64Array, m: number, rtol: number, atol: number): GramPinvResult {
  const { values, rows } = symEigRows(g, n); // ascending
  const sMax = Math.sqrt(Math.max(values[n - 1]!, 0));
  const cut = Math.max(rtol * sMax, atol);
  const kept: number[] = [];
  for (let k = n - 1; k >= 0; k--) {
    const lambda = values[k]!;
    if (lambda > 0 && Math.sqrt(lambda) >= cut) kept.push(k);
  }
  const solution = applyEigenInverse(rows, n, values, kept, rhs, m);
  const result: GramPinvResult = { solution, rank: kept.length, cond: NaN, method: 'truncated/eig' };
  withSpectrum(result, values);
  return result;
}

// The factorizations below go to the native provider when one is installed (see ./native.ts), and to
// the pure-TypeScript routines otherwise; both honour the same contracts.
function cholesky(a: Float64Array, n: number, opts: CholeskyOptions = {}): Float64Array | null {
  const nat = nativeLinalg();
  return nat ? nat.cholesky(a, n, opts.shift ?? 0, opts.pivotTol ?? 0) : tsCholesky(a, n, opts);
}
function choleskySolveInPlace(l: Float64Array, n: number, x: Float64Array, m: number): void {
  const nat = nativeLinalg();
  if (nat) nat.choleskySolveInPlace(l, n, x, m);
  else tsCholeskySolveInPlace(l, n, x, m);
}
function symEigRows(a: Float64Array, n: number): { values: Float64Array; rows: Float64Array } {
  return nativeLinalg()?.symEigRows(a, n) ?? tsSymEigRows(a, n);
}
function symEigvals(a: Float64Array, n: number): Float64Array {
  return nativeLinalg()?.symEigvals(a, n) ?? tsSymEigvals(a, n);
}

/**
 * C = V_k diag(1/lambda_k) V_k^T T over the kept k, with the eigenvectors as rows of `rows`,
 * one column block of T at a time: P = V_k^T T (rows combined four at a time), then
 * C = V_k (P / lambda_k).
 */
function applyEigenInverse(rows: Float64Array, n: number, values: Float64Array, kept: number[], rhs: Float64Array, m: number): Float64Array {
  const c = new Float64Array(n * m);
  const nk = kept.length;
  if (nk === 0 || m === 0) return c;
  const nat = nativeLinalg();
  if (nat) {
    // P = V_k T (nk x m), rows scaled by 1/lambda, then C = V_k^T P.
    const vk = new Float64Array(nk * n);
    kept.forEach((k, t) => vk.set(rows.subarray(k * n, k * n + n), t * n));
    const p = new Float64Array(nk * m);
    nat.gemm(false, false, nk, m, n, vk, rhs, p);
    for (let t = 0; t < nk; t++) {
      const inv = 1 / values[kept[t]!]!;
      for (let j = t * m; j < t * m + m; j++) p[j] = p[j]! * inv;
    }
    nat.gemm(true, false, n, m, nk, vk, p, c);
    return c;
  }
  const width = rhsBlockWidth(Math.max(n, nk), m);
  const p = new Float64Array(nk * width);
  // vk[t * n + i] = component i of kept eigenvector t.
  const vk = new Float64Array(nk * n);
  kept.forEach((k, t) => vk.set(rows.subarray(k * n, k * n + n), t * n));
  for (let c0 = 0; c0 < m; c0 += width) {
    const bw = Math.min(m, c0 + width) - c0;
    p.fill(0);
    for (let t = 0; t < nk; t++) {
      const vo = t * n;
      const po = t * width;
      combineRows(p, po, bw, rhs, m, c0, (i) => vk[vo + i]!, n);
      const inv = 1 / values[kept[t]!]!;
      for (let j = 0; j < bw; j++) p[po + j] = p[po + j]! * inv;
    }
    for (let i = 0; i < n; i++) combineRows(c, i * m + c0, bw, p, width, 0, (t) => vk[t * n + i]!, nk);
  }
  return c;
}

/**
 * out[o + j] += sum_r coef(r) * src[r * stride + c0 + j] for j < bw and r < count, four source
 * rows per pass.
 */
function combineRows(out: Float64Array, o: number, bw: number, src: Float64Array, stride: number, c0: number, coef: (r: number) => number, count: number): void {
  let r = 0;
  for (; r + 4 <= count; r += 4) {
    const f0 = coef(r);
    const f1 = coef(r + 1);
    const f2 = coef(r + 2);
    const f3 = coef(r + 3);
    const s0 = r * stride + c0;
    const s1 = s0 + stride;
    const s2 = s1 + stride;
    const s3 = s2 + stride;
    for (let j = 0; j < bw; j++) out[o + j] = out[o + j]! + (f0 * src[s0 + j]! + f1 * src[s1 + j]! + f2 * src[s2 + j]! + f3 * src[s3 + j]!);
  }
  for (; r < count; r++) {
    const f = coef(r);
    const s = r * stride + c0;
    for (let j = 0; j < bw; j++) out[o + j] = out[o + j]! + f * src[s + j]!;
  }
}

/** Sets `spectrum` (descending) and the exact `cond` from ascending eigenvalues. */
function withSpectrum(result: GramPinvResult, ascending: Float64Array): void {
  const n = ascending.length;
  result.spectrum = Float64Array.from(ascending).reverse();
  result.cond = condOf(ascending[n - 1]!, ascending[0]!, n);
}

/** lambda_max / lambda_min, Infinity when lambda_min <= n * eps * lambda_max (numerically zero). */
function condOf(lmax: number, lmin: number, n: number): number {
  return lmin > n * Number.EPSILON * lmax && lmin > 0 ? lmax / lmin : Infinity;
}

/** 1^T G 1 / n. */
function onesRayleighQuotient(g: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n * n; i++) s += g[i]!;
  return s / n;
}

/** Largest diagonal entry (at least the smallest positive normal number). */
function maxDiagonal(g: Float64Array, n: number): number {
  let d = 0;
  for (let i = 0; i < n; i++) d = Math.max(d, g[i * n + i]!);
  return Math.max(d, Number.MIN_VALUE);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SingularValueDecomposition, solve } from 'ml-matrix';
import { factoredPinvSolve, gramPinvSolve, singularValuesFromGram, type GramPinvOptions } from '../../src/linalg/index.js';
import { ConfigError, NumericalError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { fromMl, gramOf, matmul, maxAbs, maxAbsDiff, randn, toMl, transposed, withSingularValues } from './helpers.js';

/**
 * Reference straight from A (n x h) by SVD: A^+ T with A^+ = W diag(1/s) U^T over the kept
 * s >= max(rtol s_max, atol); returns [A^+ T (h x m), kept count].
 */
function svdPinvApply(a: Float64Array, n: number, h: number, t: Float64Array, m: number, rtol: number, atol: number): [Float64Array, number] {
  const svd = new SingularValueDecomposition(toMl(a, n, h), { autoTranspose: true });
  const s = svd.diagonal;
  const u = fromMl(svd.leftSingularVectors); // n x r
  const w = fromMl(svd.rightSingularVectors); // h x r
  const r = s.length;
  const cut = Math.max(rtol * Math.max(...s), atol);
  const ut = matmul(transposed(u, n, r), t, r, n, m); // r x m
  let kept = 0;
  for (let k = 0; k < r; k++) {
    const f = s[k]! >= cut && s[k]! > 0 ? 1 / s[k]! : 0;
    if (f !== 0) kept++;
    for (let j = 0; j < m; j++) ut[k * m + j] = ut[k * m + j]! * f;
  }
  return [matmul(w, ut, h, r, m), kept];
}

/** A^T C: the update the GN step applies, from gramPinvSolve's C. */
function update(a: Float64Array, n: number, h: number, c: Float64Array, m: number): Float64Array {
  return matmul(transposed(a, n, h), c, h, n, m);
}

/** Runs gramPinvSolve on A A^T and checks A^T C against the SVD reference. */
function checkAgainstSvd(a: Float64Array, n: number, h: number, m: number, opts: GramPinvOptions, rng: Rng, tol = 1e-9): ReturnType<typeof gramPinvSolve> {
  const t = randn(rng, n, m);
  const g = gramOf(a, n, h);
  const gBefore = Float64Array.from(g);
  const tBefore = Float64Array.from(t);
  const res = gramPinvSolve(g, n, t, m, opts);
  assert.deepEqual(g, gBefore, 'gram must not be modified');
  assert.deepEqual(t, tBefore, 'rhs must not be modified');
  const [ref, kept] = svdPinvApply(a, n, h, t, m, opts.rtol ?? 1e-2, opts.atol ?? 1e-5);
  assert.equal(res.rank, kept, `rank ${res.rank} vs SVD kept ${kept}`);
  const got = update(a, n, h, res.solution, m);
  assert.ok(maxAbsDiff(got, ref) <= tol * maxAbs(ref), `A^T C vs A^+ T: ${maxAbsDiff(got, ref)} (scale ${maxAbs(ref)}, method ${res.method})`);
  return res;
}

test("truncated on full-rank A: fast path and forceEig both equal the SVD pseudo-inverse", () => {
  const rng = new Rng(21);
  const [n, h, m] = [24, 60, 7];
  const a = randn(rng, n, h);
  const fast = checkAgainstSvd(a, n, h, m, {}, new Rng(1));
  assert.equal(fast.method, 'truncated/cholesky');
  assert.equal(fast.rank, n);
  assert.equal(fast.spectrum, undefined);
  const eig = checkAgainstSvd(a, n, h, m, { forceEig: true }, new Rng(1));
  assert.equal(eig.method, 'truncated/eig');
  assert.equal(eig.rank, n);
  assert.ok(maxAbsDiff(fast.solution, eig.solution) <= 1e-10 * maxAbs(eig.solution));
  // Exact right inverse: G C = T when nothing is truncated.
  const t = randn(new Rng(1), n, m);
  assert.ok(maxAbsDiff(matmul(gramOf(a, n, h), fast.solution, n, n, m), t) <= 1e-10);
  // The fast path's cond estimate is close to the exact one.
  assert.ok(Math.abs(fast.cond / eig.cond - 1) < 1e-3, `cond ${fast.cond} vs ${eig.cond}`);
});

test('truncated on rank-deficient A = B C equals the SVD pseudo-inverse, via the eigendecomposition', () => {
  const rng = new Rng(22);
  for (const [n, inner, h] of [[30, 10, 40], [50, 49, 80], [12, 1, 20]] as const) {
    const a = matmul(randn(rng, n, inner), randn(rng, inner, h), n, inner, h);
    const res = checkAgainstSvd(a, n, h, 5, {}, rng);
    assert.equal(res.method, 'truncated/eig');
    assert.equal(res.rank, inner);
    assert.ok(res.spectrum !== undefined && res.spectrum.length === n);
    assert.equal(res.cond, Infinity, 'a singular Gram matrix has infinite condition number');
  }
  // Many right-hand sides: several column blocks.
  const a = matmul(randn(rng, 40, 15), randn(rng, 15, 50), 40, 15, 50);
  assert.equal(checkAgainstSvd(a, 40, 50, 600, {}, rng).rank, 15);
});

test('truncated with prescribed singular values: rtol and atol each bite', () => {
  const rng = new Rng(23);
  const [n, h] = [10, 25];
  const s = [10, 4, 1, 0.5, 0.3, 0.2, 0.09, 0.05, 1e-3, 1e-4];
  const a = withSingularValues(rng, n, h, s);
  // rtol bites: cut 0.1 (rtol * s_max) > atol.
  assert.equal(checkAgainstSvd(a, n, h, 4, { rtol: 1e-2, atol: 1e-5 }, rng).rank, 6);
  // atol bites: cut max(0.1, 0.4) = 0.4.
  assert.equal(checkAgainstSvd(a, n, h, 4, { rtol: 1e-2, atol: 0.4 }, rng).rank, 4);
  // Neither: every direction kept, the fast path used.
  const none = checkAgainstSvd(a, n, h, 4, { rtol: 0, atol: 0 }, rng, 1e-6);
  assert.equal(none.rank, n);
  assert.equal(none.method, 'truncated/cholesky');
  // The defaults cut at 0.1, on the fast path too (it must decline).
  assert.equal(checkAgainstSvd(a, n, h, 4, { forceEig: false }, rng).method, 'truncated/eig');
});

test('truncated fast path decides correctly right around the cut', () => {
  const rng = new Rng(24);
  const [n, h] = [8, 20];
  const base = [10, 8, 6, 5, 4, 3, 2];
  // Cut = 1e-2 * 10 = 0.1: smallest singular value just above / just below it.
  for (const [smin, method, rank] of [[0.13, 'truncated/cholesky', 8], [0.115, 'truncated/cholesky', 8], [0.08, 'truncated/eig', 7]] as const) {
    const a = withSingularValues(rng, n, h, [...base, smin]);
    const res = checkAgainstSvd(a, n, h, 3, {}, rng);
    assert.equal(res.method, method, `s_min ${smin}`);
    assert.equal(res.rank, rank, `s_min ${smin}`);
    const forced = checkAgainstSvd(a, n, h, 3, { forceEig: true }, rng);
    assert.equal(forced.rank, rank);
  }
});

test("'none' solves exactly on full rank and throws NumericalError on a singular Gram matrix", () => {
  const rng = new Rng(25);
  const [n, h, m] = [20, 50, 6];
  const a = randn(rng, n, h);
  const res = checkAgainstSvd(a, n, h, m, { method: 'none', rtol: 0, atol: 0 }, rng);
  assert.equal(res.method, 'none/cholesky');
  assert.equal(res.rank, n);
  const singular = matmul(randn(rng, n, 5), randn(rng, 5, h), n, 5, h);
  const g = gramOf(singular, n, h);
  assert.throws(() => gramPinvSolve(g, n, randn(rng, n, m), m, { method: 'none' }),
    (e: unknown) => e instanceof NumericalError && /right inverse of A does not exist/.test(e.message) && /'truncated' or 'damped'/.test(e.message) && /smaller batch/.test(e.message));
  // Batch larger than the width: rank at most h < n.
  const wide = randn(rng, 30, 12);
  assert.throws(() => gramPinvSolve(gramOf(wide, 30, 12), 30, randn(rng, 30, 2), 2, { method: 'none' }), NumericalError);
  // A float32-noisy singular Gram matrix is caught with a looser singularTol.
  const noisy = Float64Array.from(Float32Array.from(g));
  assert.throws(() => gramPinvSolve(noisy, n, randn(rng, n, 2), 2, { method: 'none', singularTol: 1e-6 }), NumericalError);
});

test("'damped' matches a direct solve of (G + lambda I) C = T", () => {
  const rng = new Rng(26);
  const [n, h, m] = [25, 10, 4]; // rank-deficient: damping is what makes it solvable
  const a = randn(rng, n, h);
  const g = gramOf(a, n, h);
  const t = randn(rng, n, m);
  for (const lambda of [1e-3, 0.5, 100]) {
    const res = gramPinvSolve(g, n, t, m, { method: 'damped', damping: lambda });
    const gd = Float64Array.from(g);
    for (let i = 0; i < n; i++) gd[i * n + i] = gd[i * n + i]! + lambda;
    const ref = fromMl(solve(toMl(gd, n, n), toMl(t, n, m)));
    assert.equal(res.method, 'damped/cholesky');
    assert.equal(res.rank, n);
    assert.ok(maxAbsDiff(res.solution, ref) <= 1e-9 * maxAbs(ref), `lambda ${lambda}`);
    assert.equal(res.cond, Infinity, 'G itself is singular here');
  }
  const full = randn(rng, 6, 20);
  const exact = gramPinvSolve(gramOf(full, 6, 20), 6, randn(rng, 6, 1), 1, { method: 'damped', damping: 1e-8, wantSpectrum: true });
  assert.ok(exact.spectrum !== undefined && Number.isFinite(exact.cond));
});

test("'transpose' returns a copy of the right-hand side", () => {
  const rng = new Rng(27);
  const g = gramOf(randn(rng, 5, 9), 5, 9);
  const t = randn(rng, 5, 3);
  const res = gramPinvSolve(g, 5, t, 3, { method: 'transpose' });
  assert.deepEqual(res.solution, t);
  assert.notEqual(res.solution, t);
  assert.equal(res.rank, 5);
  assert.equal(res.method, 'transpose');
  assert.ok(Number.isNaN(res.cond));
  const withSpec = gramPinvSolve(g, 5, t, 3, { method: 'transpose', wantSpectrum: true });
  assert.ok(withSpec.spectrum !== undefined && Number.isFinite(withSpec.cond));
});

test('wantSpectrum returns the squared singular values of A, descending, and the exact cond', () => {
  const rng = new Rng(28);
  const [n, h] = [15, 40];
  const a = randn(rng, n, h);
  const s = new SingularValueDecomposition(toMl(a, n, h), { autoTranspose: true }).diagonal.slice().sort((x, y) => y - x);
  const g = gramOf(a, n, h);
  for (const method of ['truncated', 'none', 'damped', 'transpose'] as const) {
    const res = gramPinvSolve(g, n, randn(rng, n, 2), 2, { method, damping: 0.1, wantSpectrum: true });
    assert.ok(res.spectrum !== undefined, method);
    for (let k = 0; k < n; k++) assert.ok(Math.abs(res.spectrum[k]! - s[k]! ** 2) <= 1e-10 * s[0]! ** 2, `${method}: eigenvalue ${k}`);
    assert.ok(Math.abs(res.cond / (s[0]! / s[n - 1]!) ** 2 - 1) < 1e-9, `${method}: cond ${res.cond}`);
  }
  const sv = singularValuesFromGram(g, n);
  assert.ok(maxAbsDiff(sv, Float64Array.from(s)) <= 1e-10 * s[0]!);
  // Rank-deficient: the null singular values come out (near) zero, never NaN.
  const low = matmul(randn(rng, n, 3), randn(rng, 3, h), n, 3, h);
  const svLow = singularValuesFromGram(gramOf(low, n, h), n);
  for (let k = 3; k < n; k++) assert.ok(svLow[k]! >= 0 && svLow[k]! < 1e-6 * svLow[0]!, `null singular value ${svLow[k]}`);
});

test('edge cases: zero Gram matrix, n = 1, no right-hand sides, asymmetric rounding', () => {
  const zero = gramPinvSolve(new Float64Array(9), 3, Float64Array.from([1, 2, 3]), 1);
  assert.equal(zero.rank, 0);
  assert.deepEqual(Array.from(zero.solution), [0, 0, 0]);
  const one = gramPinvSolve(Float64Array.of(4), 1, Float64Array.of(2, 6), 2);
  assert.deepEqual(Array.from(one.solution), [0.5, 1.5]);
  assert.equal(one.rank, 1);
  assert.equal(gramPinvSolve(Float64Array.of(4), 1, new Float64Array(0), 0).solution.length, 0);
  const rng = new Rng(29);
  const a = randn(rng, 6, 14);
  const g = gramOf(a, 6, 14);
  const t = randn(rng, 6, 2);
  const asym = Float64Array.from(g);
  asym[1] = asym[1]! + 1e-9;
  asym[6] = asym[6]! - 1e-9;
  assert.ok(maxAbsDiff(gramPinvSolve(asym, 6, t, 2).solution, gramPinvSolve(g, 6, t, 2).solution) <= 1e-9);
});

test('bad options and inputs are rejected with the right error', () => {
  const g = Float64Array.from([2, 1, 1, 2]);
  const t = Float64Array.from([1, 1]);
  assert.throws(() => gramPinvSolve(g, 2, t, 1, { method: 'damped' }), (e: unknown) => e instanceof ConfigError && e.field === 'pinv.damping');
  assert.throws(() => gramPinvSolve(g, 2, t, 1, { method: 'damped', damping: -1 }), ConfigError);
  assert.throws(() => gramPinvSolve(g, 2, t, 1, { method: 'svd' as never }), (e: unknown) => e instanceof ConfigError && /truncated, none, damped, transpose/.test(e.message));
  assert.throws(() => gramPinvSolve(g, 2, t, 1, { rtol: -1 }), ConfigError);
  assert.throws(() => gramPinvSolve(g, 2, t, 1, { atol: NaN }), ConfigError);
  assert.throws(() => gramPinvSolve(g, 2, t, 2), (e: unknown) => e instanceof ConfigError && /n\*m = 4/.test(e.message));
  assert.throws(() => gramPinvSolve(Float64Array.from([2, 1, 1, NaN]), 2, t, 1), NumericalError);
  assert.throws(() => gramPinvSolve(g, 2, Float64Array.from([1, Infinity]), 1), (e: unknown) => e instanceof NumericalError && /right-hand side/.test(e.message));
  // An indefinite "Gram" matrix cannot be damped into positive definiteness by a small lambda.
  assert.throws(() => gramPinvSolve(Float64Array.from([1, 3, 3, 1]), 2, t, 1, { method: 'damped', damping: 0.1 }), NumericalError);
});

test('factoredPinvSolve on a narrow factor B equals gramPinvSolve on G = B B^T (itself tested against the SVD above)', () => {
  const rng = new Rng(31);
  for (const [n, r, m, decay] of [[12, 5, 3, 1], [30, 9, 4, 0.4], [40, 20, 6, 0.7]] as const) {
    // B with singular values spread over decades, so the rtol cut bites in the last case.
    const b = randn(rng, n, r);
    for (let j = 0; j < r; j++) for (let i = 0; i < n; i++) b[i * r + j] = b[i * r + j]! * decay ** (2 * j);
    const t = randn(rng, n, m);
    const opts = { rtol: 1e-2, atol: 1e-8 };
    const f = factoredPinvSolve(b, n, r, t, m, opts);
    const g = gramPinvSolve(gramOf(b, n, r), n, t, m, opts);
    assert.equal(f.method, 'truncated/factored');
    assert.equal(f.rank, g.rank, `n ${n} r ${r}: rank`);
    assert.equal(f.cond, Infinity);
    assert.ok(maxAbsDiff(f.solution, g.solution) <= 1e-8 * maxAbs(g.solution), `n ${n} r ${r}: solutions differ by ${maxAbsDiff(f.solution, g.solution)}`);
    const spec = f.spectrum!;
    assert.equal(spec.length, n);
    for (let k = r; k < n; k++) assert.equal(spec[k], 0);
  }
  assert.throws(() => factoredPinvSolve(new Float64Array(12), 3, 4, new Float64Array(3), 1), /factoredPinvSolve.r: must be an integer in \(0, n = 3\)/);
});

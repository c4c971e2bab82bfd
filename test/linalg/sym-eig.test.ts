import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EigenvalueDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { symEig, symEigvals } from '../../src/linalg/index.js';
import { ConfigError, NumericalError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { gramOf, matmul, maxAbs, maxAbsDiff, randn, randomSymmetric, toMl, transposed, withSpectrum } from './helpers.js';

/** Checks A = V diag V^T, V^T V = I, ascending values, A v_k = lambda_k v_k; returns the result. */
function checkDecomposition(a: Float64Array, n: number, tol = 1e-12): ReturnType<typeof symEig> {
  const before = Float64Array.from(a);
  const r = symEig(a, n);
  assert.deepEqual(a, before, 'input must not be modified');
  assert.equal(r.values.length, n);
  assert.equal(r.vectors.length, n * n);
  for (let k = 1; k < n; k++) assert.ok(r.values[k - 1]! <= r.values[k]!, `values ascending at ${k}`);
  const scale = Math.max(maxAbs(a), 1e-300);
  const v = r.vectors;
  const vd = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) vd[i * n + k] = v[i * n + k]! * r.values[k]!;
  const recon = matmul(vd, transposed(v, n, n), n, n, n);
  assert.ok(maxAbsDiff(recon, a) <= tol * n * scale, `reconstruction error ${maxAbsDiff(recon, a)} (scale ${scale}, n ${n})`);
  const vtv = matmul(transposed(v, n, n), v, n, n, n);
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  assert.ok(maxAbsDiff(vtv, eye) <= tol * n, `orthogonality error ${maxAbsDiff(vtv, eye)}`);
  // A v_k = lambda_k v_k, column by column.
  const av = matmul(a, v, n, n, n);
  assert.ok(maxAbsDiff(av, vd) <= tol * n * scale, `eigen-equation residual ${maxAbsDiff(av, vd)}`);
  return r;
}

/** ml-matrix's eigenvalues of a symmetric matrix, ascending. */
function mlEigenvalues(a: Float64Array, n: number): Float64Array {
  const e = new EigenvalueDecomposition(toMl(a, n, n), { assumeSymmetric: true });
  return Float64Array.from(e.realEigenvalues).sort();
}

test('symEig decomposes random symmetric matrices of size 1, 2, 5, 64, 200', () => {
  const rng = new Rng(1);
  for (const n of [1, 2, 5, 64, 200]) {
    const a = randomSymmetric(rng, n);
    const r = checkDecomposition(a, n);
    assert.ok(maxAbsDiff(r.values, mlEigenvalues(a, n)) <= 1e-11 * n, `n=${n}: eigenvalues differ from ml-matrix`);
  }
});

test('symEig handles repeated eigenvalues', () => {
  const rng = new Rng(2);
  const spectrum = [-3, -3, 0.5, 1, 1, 1, 1, 2, 2, 7, 7, 7];
  const a = withSpectrum(rng, spectrum);
  const r = checkDecomposition(a, spectrum.length);
  const expected = Float64Array.from(spectrum).sort();
  assert.ok(maxAbsDiff(r.values, expected) <= 1e-13 * 7 * spectrum.length, `values ${r.values}`);
  // A multiple of the identity: every vector is an eigenvector.
  const n = 9;
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) s[i * n + i] = 2.5;
  const ri = checkDecomposition(s, n);
  assert.deepEqual(Array.from(ri.values), new Array<number>(n).fill(2.5));
});

test('symEig of rank-deficient PSD Gram matrices: zero eigenvalues, matches ml-matrix SVD', () => {
  const rng = new Rng(3);
  for (const [n, r] of [[40, 7], [120, 30]] as const) {
    const b = randn(rng, n, r);
    const g = gramOf(b, n, r);
    const res = checkDecomposition(g, n);
    const lmax = res.values[n - 1]!;
    for (let k = 0; k < n - r; k++) assert.ok(Math.abs(res.values[k]!) <= 1e-13 * n * lmax, `null eigenvalue ${k} = ${res.values[k]}`);
    assert.ok(res.values[n - r]! > 1e-3 * lmax, 'the r nonzero eigenvalues are clearly positive');
    // Nonzero eigenvalues of B B^T are the squared singular values of B.
    const s = new SingularValueDecomposition(toMl(b, n, r)).diagonal.map((x) => x * x).sort((x, y) => x - y);
    const ours = res.values.subarray(n - r);
    for (let k = 0; k < r; k++) assert.ok(Math.abs(ours[k]! - s[k]!) <= 1e-12 * lmax, `eigenvalue ${k}: ${ours[k]} vs ${s[k]}`);
    assert.ok(maxAbsDiff(res.values, mlEigenvalues(g, n)) <= 1e-12 * n * lmax);
  }
});

test('symEig on special shapes: diagonal, tridiagonal, zero, huge and tiny scales', () => {
  const n = 6;
  const diag = new Float64Array(n * n);
  [5, -1, 3, 0, 2, -4].forEach((x, i) => { diag[i * n + i] = x; });
  assert.deepEqual(Array.from(checkDecomposition(diag, n).values), [-4, -1, 0, 2, 3, 5]);
  const tri = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    tri[i * n + i] = 2;
    if (i + 1 < n) { tri[i * n + i + 1] = -1; tri[(i + 1) * n + i] = -1; }
  }
  // Eigenvalues of the 1D Laplacian: 2 - 2 cos(k pi / (n + 1)).
  const lap = Float64Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort();
  assert.ok(maxAbsDiff(checkDecomposition(tri, n).values, lap) <= 1e-14 * 8);
  const zero = new Float64Array(n * n);
  assert.deepEqual(Array.from(checkDecomposition(zero, n).values), new Array<number>(n).fill(0));
  const rng = new Rng(4);
  const a = randomSymmetric(rng, 12);
  const ref = symEig(a, 12).values;
  for (const f of [1e250, 1e150, 1e-150, 1e-250]) {
    const scaled = a.map((x) => x * f);
    const r = checkDecomposition(scaled, 12);
    assert.ok(maxAbsDiff(r.values.map((x) => x / f), ref) <= 1e-12 * maxAbs(ref), `scale ${f}`);
  }
});

test('symEigvals equals the values of symEig; asymmetric input uses its symmetric part', () => {
  const rng = new Rng(5);
  const n = 30;
  const a = randomSymmetric(rng, n);
  assert.ok(maxAbsDiff(symEigvals(a, n), symEig(a, n).values) <= 1e-13 * n);
  const skew = randn(rng, n, n);
  const asym = Float64Array.from(a);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) asym[i * n + j] = a[i * n + j]! + 1e-3 * (skew[i * n + j]! - skew[j * n + i]!);
  assert.ok(maxAbsDiff(symEig(asym, n).values, symEig(a, n).values) <= 1e-12 * n);
});

test('symEig rejects bad shapes and non-finite entries', () => {
  assert.throws(() => symEig(new Float64Array(5), 2), (e: unknown) => e instanceof ConfigError && /n\*n = 4/.test(e.message));
  assert.throws(() => symEig(new Float64Array(0), 0), ConfigError);
  const a = Float64Array.from([1, 2, 2, NaN]);
  assert.throws(() => symEig(a, 2), (e: unknown) => e instanceof NumericalError && /\(1, 1\)/.test(e.message));
  assert.throws(() => symEigvals(Float64Array.from([Infinity]), 1), NumericalError);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solve } from 'ml-matrix';
import { cholesky, choleskySolve, symEig } from '../../src/linalg/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { fromMl, gramOf, matmul, maxAbs, maxAbsDiff, randn, toMl, transposed, withSpectrum } from './helpers.js';

test('cholesky: L is lower triangular with positive diagonal and L L^T = A', () => {
  const rng = new Rng(11);
  for (const n of [1, 2, 7, 50]) {
    const a = gramOf(randn(rng, n, n + 5), n, n + 5);
    const before = Float64Array.from(a);
    const l = cholesky(a, n);
    assert.ok(l !== null, `n=${n}: SPD matrix must factor`);
    assert.deepEqual(a, before);
    for (let i = 0; i < n; i++) {
      assert.ok(l[i * n + i]! > 0);
      for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0);
    }
    const llt = matmul(l, transposed(l, n, n), n, n, n);
    assert.ok(maxAbsDiff(llt, a) <= 1e-13 * n * maxAbs(a), `n=${n}: |LL^T - A| = ${maxAbsDiff(llt, a)}`);
  }
});

test('choleskySolve: A X = B round trip, and agrees with ml-matrix solve', () => {
  const rng = new Rng(12);
  const n = 40;
  const m = 9;
  const a = gramOf(randn(rng, n, 60), n, 60);
  const b = randn(rng, n, m);
  const before = Float64Array.from(b);
  const x = choleskySolve(cholesky(a, n)!, n, b, m);
  assert.deepEqual(b, before, 'b must not be modified');
  assert.ok(maxAbsDiff(matmul(a, x, n, n, m), b) <= 1e-10, 'A X = B');
  const ref = fromMl(solve(toMl(a, n, n), toMl(b, n, m)));
  assert.ok(maxAbsDiff(x, ref) <= 1e-10 * maxAbs(ref));
  // Wide right-hand sides go through several column blocks.
  const wide = randn(rng, n, 700);
  const xw = choleskySolve(cholesky(a, n)!, n, wide, 700);
  assert.ok(maxAbsDiff(matmul(a, xw, n, n, 700), wide) <= 1e-10);
  assert.equal(choleskySolve(cholesky(a, n)!, n, new Float64Array(0), 0).length, 0);
});

test('cholesky returns null for indefinite, singular and NaN matrices', () => {
  assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), null);
  assert.equal(cholesky(Float64Array.from([0, 0, 0, 1]), 2), null);
  assert.equal(cholesky(Float64Array.from([-1]), 1), null);
  assert.equal(cholesky(Float64Array.from([NaN]), 1), null);
  const rng = new Rng(13);
  const spectrum = [3, 2, 1, 0.5, -1e-3];
  assert.equal(cholesky(withSpectrum(rng, spectrum), spectrum.length), null);
});

test('cholesky with a shift succeeds exactly when every eigenvalue exceeds the shift', () => {
  const rng = new Rng(14);
  const spectrum = [10, 4, 2.5, 1, 0.3, 0.25];
  const a = withSpectrum(rng, spectrum);
  const n = spectrum.length;
  for (const [shift, ok] of [[0.2, true], [0.249, true], [0.251, false], [3, false], [-5, true]] as const) {
    assert.equal(cholesky(a, n, { shift }) !== null, ok, `shift ${shift}`);
  }
  // The shifted factor is the factor of A - shift I.
  const l = cholesky(a, n, { shift: 0.1 })!;
  const shifted = Float64Array.from(a);
  for (let i = 0; i < n; i++) shifted[i * n + i] = shifted[i * n + i]! - 0.1;
  assert.ok(maxAbsDiff(matmul(l, transposed(l, n, n), n, n, n), shifted) <= 1e-13 * 20);
  // Sylvester check against the eigenvalues on a random Gram matrix.
  const g = gramOf(randn(rng, 25, 30), 25, 30);
  const lmin = symEig(g, 25).values[0]!;
  assert.ok(cholesky(g, 25, { shift: lmin * 0.99 }) !== null);
  assert.equal(cholesky(g, 25, { shift: lmin * 1.01 }), null);
});

test('cholesky pivotTol rejects nearly singular matrices; bad options throw', () => {
  const a = Float64Array.from([1, 1, 1, 1 + 1e-12]);
  assert.ok(cholesky(a, 2) !== null);
  assert.equal(cholesky(a, 2, { pivotTol: 1e-10 }), null);
  assert.throws(() => cholesky(a, 2, { pivotTol: -1 }), ConfigError);
  assert.throws(() => cholesky(a, 2, { shift: NaN }), ConfigError);
  assert.throws(() => cholesky(a, 3), ConfigError);
  assert.throws(() => choleskySolve(cholesky(a, 2)!, 2, new Float64Array(3), 2), (e: unknown) => e instanceof ConfigError && /n\*m = 4/.test(e.message));
});

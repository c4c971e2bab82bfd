import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cholesky, inverseIterationMin, powerIterationMax, spectralRadiusBound, symEig } from '../../src/linalg/index.js';
import { Rng } from '../../src/util/rng.js';
import { gramOf, randn, withSpectrum } from './helpers.js';

test('power iteration approaches lambda_max from below; the bound is above', () => {
  const rng = new Rng(31);
  for (const [n, h] of [[10, 30], [60, 40], [120, 500]] as const) {
    const g = gramOf(randn(rng, n, h), n, h);
    const values = symEig(g, n).values;
    const lmax = values[n - 1]!;
    const est = powerIterationMax(g, n);
    assert.ok(est <= lmax * (1 + 1e-12), `estimate ${est} above lambda_max ${lmax}`);
    assert.ok(est >= lmax * (1 - 1e-6), `estimate ${est} far below lambda_max ${lmax}`);
    assert.ok(spectralRadiusBound(g, n) >= lmax * (1 - 1e-12));
  }
  assert.equal(powerIterationMax(new Float64Array(16), 4), 0);
});

test('power iteration on a nearly repeated top eigenvalue stays within the 10% safety margin', () => {
  const rng = new Rng(32);
  const spectrum = [1, 0.999, 0.98, 0.95, 0.9, 0.5, 0.1, 0.01, 0.001, 1e-4];
  const est = powerIterationMax(withSpectrum(rng, spectrum), spectrum.length);
  assert.ok(est <= 1 + 1e-12 && est * 1.1 >= 1, `estimate ${est}`);
});

test('inverse iteration approaches lambda_min from above', () => {
  const rng = new Rng(33);
  for (const [n, h] of [[10, 30], [60, 80]] as const) {
    const g = gramOf(randn(rng, n, h), n, h);
    const lmin = symEig(g, n).values[0]!;
    const est = inverseIterationMin(cholesky(g, n)!, n);
    assert.ok(est >= lmin * (1 - 1e-12) && est <= lmin * (1 + 1e-5), `estimate ${est} vs lambda_min ${lmin}`);
  }
});

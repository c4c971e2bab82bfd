import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelAlignment, ntkRateOfChange } from '../../src/metrics/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

/** A random PSD kernel B B^T (n x n). */
function randomKernel(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const b = Array.from({ length: n * n }, () => rng.normal());
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let r = 0; r < n; r++) k[i * n + j] = k[i * n + j]! + b[i * n + r]! * b[j * n + r]!;
  return k;
}

/** tr(A B) / sqrt(tr(A A) tr(B B)) for symmetric A, B, with the trace written out. */
function alignmentDirect(a: Float64Array, b: Float64Array, n: number): number {
  const tr = (p: Float64Array, q: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) s += p[i * n + k]! * q[k * n + i]!;
    return s;
  };
  return tr(a, b) / Math.sqrt(tr(a, a) * tr(b, b));
}

test('alignment is 1 for identical kernels and positive multiples, and invariant to positive scaling', () => {
  const K = randomKernel(7, 1);
  assert.ok(Math.abs(kernelAlignment(K, K) - 1) < 1e-14);
  assert.ok(Math.abs(kernelAlignment(K, K.map((v) => 3.5 * v)) - 1) < 1e-14);
  const L = randomKernel(7, 2);
  const a = kernelAlignment(K, L);
  assert.ok(Math.abs(kernelAlignment(K.map((v) => 0.01 * v), L.map((v) => 40 * v)) - a) < 1e-14);
  assert.ok(Math.abs(kernelAlignment(K, L.map((v) => -v)) + a) < 1e-14);
});

test('alignment matches tr(K0 Kt) / sqrt(tr(K0^2) tr(Kt^2)) on random kernels', () => {
  for (const seed of [3, 4, 5]) {
    const n = 4 + seed;
    const K = randomKernel(n, seed);
    const L = randomKernel(n, seed + 10);
    const got = kernelAlignment({ kernel: K }, L);
    assert.ok(Math.abs(got - alignmentDirect(K, L, n)) < 1e-12);
    assert.ok(got > 0 && got < 1);
  }
  assert.ok(Number.isNaN(kernelAlignment(new Float64Array(4), randomKernel(2, 1))));
  assert.throws(() => kernelAlignment(randomKernel(3, 1), randomKernel(2, 1)), ConfigError);
});

test('ntkRateOfChange is 1 - alignment of consecutive kernels', () => {
  const ks = [randomKernel(5, 1), randomKernel(5, 1), randomKernel(5, 2), randomKernel(5, 3)];
  const rates = ntkRateOfChange(ks);
  assert.equal(rates.length, 3);
  assert.ok(Math.abs(rates[0]!) < 1e-14);
  for (let i = 1; i < 3; i++) assert.ok(Math.abs(rates[i]! - (1 - alignmentDirect(ks[i]!, ks[i + 1]!, 5))) < 1e-12);
  assert.deepEqual(ntkRateOfChange([ks[0]!]), []);
});

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix, QrDecomposition } from 'ml-matrix';
import { tf } from '../../src/backend/index.js';
import { ckaFromGrams, ckaToInit, gramMatrix, hsic, hsicUnbiased, linearCka, representationCka, type HostMatrix } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';
import { ConfigError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';
import { randomBatch, tinyModel } from '../helpers/nets.js';

before(async () => {
  await setupBackend();
});

function randomMatrix(rows: number, cols: number, seed: number, shift = 0): HostMatrix {
  const rng = new Rng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() + shift;
  return { data, rows, cols };
}

/** Y = c X Q + 1 t^T (orthogonal Q, c > 0, a constant shift t per feature). */
function transformed(x: HostMatrix, c: number, seed: number): HostMatrix {
  const q = new QrDecomposition(new Matrix(toRows(randomMatrix(x.cols, x.cols, seed)))).orthogonalMatrix;
  const y = new Matrix(toRows(x)).mmul(q).mul(c);
  const rng = new Rng(seed + 1);
  const shift = Array.from({ length: x.cols }, () => 3 * rng.normal());
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) y.set(i, j, y.get(i, j) + shift[j]!);
  return { data: Float64Array.from(y.to1DArray()), rows: x.rows, cols: x.cols };
}

function toRows(m: HostMatrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from({ length: m.cols }, (_, j) => m.data[i * m.cols + j]!));
}

/** Uncentered linear Gram X X^T by the definition. */
function gramDirect(m: HostMatrix): number[][] {
  const rows = toRows(m);
  return rows.map((a) => rows.map((b) => a.reduce((s, v, k) => s + v * b[k]!, 0)));
}

/** tr(K H L H) / (n-1)^2 with explicit matrix products. */
function hsicDirect(K: number[][], L: number[][]): number {
  const n = K.length;
  const H = new Matrix(n, n).fill(-1 / n).add(Matrix.eye(n));
  const prod = new Matrix(K).mmul(H).mmul(new Matrix(L)).mmul(H);
  return prod.trace() / (n - 1) ** 2;
}

/**
 * The unbiased HSIC as the U-statistic of Song et al. (2012): the average over distinct ordered
 * quadruples (s, t, u, v) of K_st L_st + K_st L_uv - 2 K_st L_su.
 */
function hsicUStatistic(K: number[][], L: number[][]): number {
  const n = K.length;
  let total = 0;
  let count = 0;
  for (let s = 0; s < n; s++) for (let t = 0; t < n; t++) {
    if (t === s) continue;
    for (let u = 0; u < n; u++) {
      if (u === s || u === t) continue;
      for (let v = 0; v < n; v++) {
        if (v === s || v === t || v === u) continue;
        total += K[s]![t]! * L[s]![t]! + K[s]![t]! * L[u]![v]! - 2 * K[s]![t]! * L[s]![u]!;
        count++;
      }
    }
  }
  return total / count;
}

const flat = (a: number[][]): Float64Array => Float64Array.from(a.flat());
const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('hsic matches tr(KHLH)/(n-1)^2 and hsicUnbiased matches the U-statistic of Song et al.', () => {
  const X = randomMatrix(9, 4, 1, 0.7);
  const Y = randomMatrix(9, 6, 2, -0.3);
  const K = gramDirect(X);
  const L = gramDirect(Y);
  close(hsic(flat(K), flat(L), 9), hsicDirect(K, L), 1e-12, 'biased HSIC');
  close(hsicUnbiased(flat(K), flat(L), 9), hsicUStatistic(K, L), 1e-10, 'unbiased HSIC');
  close(hsicUnbiased(flat(K), flat(K), 9), hsicUStatistic(K, K), 1e-10, 'unbiased self-HSIC');
  assert.throws(() => hsicUnbiased(new Float64Array(9), new Float64Array(9), 3), ConfigError);
});

test('linear and debiased CKA agree with the direct formulas on every route', () => {
  for (const [n, p1, p2] of [[9, 4, 6], [24, 3, 40], [12, 30, 5]] as const) {
    const X = randomMatrix(n, p1, 10 + n, 1.5);
    const Y = randomMatrix(n, p2, 20 + n);
    const K = gramDirect(X);
    const L = gramDirect(Y);
    const ref = hsicDirect(K, L) / Math.sqrt(hsicDirect(K, K) * hsicDirect(L, L));
    const refU = n <= 12 ? hsicUStatistic(K, L) / Math.sqrt(hsicUStatistic(K, K) * hsicUStatistic(L, L)) : null;
    for (const via of ['gram', 'features', 'auto'] as const) {
      for (const products of ['host', 'backend'] as const) {
        const tol = products === 'host' ? 1e-10 : 2e-5;
        close(linearCka(X, Y, { via, products }), ref, tol, `CKA n=${n} ${via}/${products}`);
        const deb = linearCka(X, Y, { via, products, debiased: true });
        const debGram = ckaFromGrams(flat(K), flat(L), n, { debiased: true });
        close(deb, debGram, products === 'host' ? 1e-9 : 1e-4, `debiased CKA n=${n} ${via}/${products}`);
        if (refU !== null) close(deb, refU, products === 'host' ? 1e-9 : 1e-4, `debiased CKA vs U-statistic n=${n} ${via}/${products}`);
      }
    }
  }
});

test('CKA is 1 for identical representations and invariant to orthogonal maps, scaling and shifts', () => {
  const X = randomMatrix(16, 5, 3);
  const Z = randomMatrix(16, 7, 4);
  for (const debiased of [false, true]) {
    close(linearCka(X, X, { debiased }), 1, 1e-12, `CKA(X, X) debiased=${debiased}`);
    close(linearCka(X, transformed(X, 2.5, 5), { debiased }), 1, 1e-10, `CKA(X, cXQ) debiased=${debiased}`);
    const base = linearCka(X, Z, { debiased });
    assert.ok(base < 0.95, `random representations should not align: ${base}`);
    close(linearCka(transformed(X, 0.1, 6), transformed(Z, 7, 8), { debiased }), base, 1e-10, `invariance debiased=${debiased}`);
  }
});

test('tensor inputs, the Gram helper and shape errors', () => {
  const X = randomMatrix(10, 4, 7);
  const Y = randomMatrix(10, 3, 8);
  const tx = tf.tensor2d(Float32Array.from(X.data), [10, 4]);
  const ty = tf.tensor2d(Float32Array.from(Y.data), [10, 3]);
  const before = tf.memory().numTensors;
  close(linearCka(tx, ty), linearCka(X, Y), 1e-6, 'tensor vs host');
  close(linearCka(tx, ty, { products: 'backend', via: 'gram' }), linearCka(X, Y), 1e-5, 'backend gram');
  assert.deepEqual(Array.from(gramMatrix({ data: [1, 2, 3, 4], rows: 2, cols: 2 })), [5, 11, 11, 25]);
  assert.equal(tf.memory().numTensors, before, 'CKA leaked tensors');
  assert.throws(() => linearCka(X, randomMatrix(9, 3, 1)), (e: unknown) => e instanceof ConfigError && /9 rows/.test(e.message));
  assert.throws(() => linearCka({ data: [1, 2, 3], rows: 2, cols: 2 }, Y), ConfigError);
  tf.dispose([tx, ty]);
});

test('ckaToInit: 1 for the same model, and the CKA of the representations across models', () => {
  const cfg = { inputDim: 8, hidden: 16, blocks: 2, classes: 3, seed: 4 };
  const a = tinyModel(cfg, 0.3, 0.1);
  const b = tinyModel({ ...cfg }, 0.6, 0.1);
  const { x } = randomBatch(20, 8, 3, 2);
  const before = tf.memory().numTensors;
  const self = ckaToInit(a, a, x);
  assert.equal(self.length, 4);
  assert.deepEqual(self.map((r) => [r.block, r.half]), [[0, 'f'], [0, 'g'], [1, 'f'], [1, 'g']]);
  for (const r of self) {
    close(r.cka, 1, 1e-9, 'self CKA');
    close(r.debiasedCka, 1, 1e-9, 'self debiased CKA');
  }
  const cross = representationCka(a, b, x);
  const repsA = a.representations(x);
  const repsB = b.representations(x);
  cross.forEach((r, i) => {
    const ref = linearCka(repsA[i]!, repsB[i]!, { products: 'host', via: 'features' });
    close(r.cka, ref, 1e-6, `half ${i}`);
    assert.ok(r.cka < 1 - 1e-4);
  });
  tf.dispose([...repsA, ...repsB]);
  assert.equal(tf.memory().numTensors, before, 'representation CKA leaked tensors');
  a.dispose();
  b.dispose();
  x.dispose();
});

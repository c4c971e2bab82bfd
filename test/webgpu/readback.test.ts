// The webgpu backend on whatever adapter this machine has (a real GPU, or CI's emulated one after
// scripts/setup-webgpu.sh): the synchronous readback that replaces tfjs-backend-webgpu's
// OffscreenCanvas path, checked against async reads and float64 host references. Skipped, with
// the reason, when no adapter exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, type BackendInfo } from '../../src/backend/index.js';
import { loadWebGpu, webgpuAdapter } from '../../src/backend/webgpu.js';
import { Rng } from '../../src/util/rng.js';
import { setupBackend } from '../helpers/backend.js';

/** Activates webgpu (software adapters allowed), or returns why it cannot. */
async function acquire(): Promise<BackendInfo | string> {
  await setupBackend();
  try {
    await loadWebGpu({ allowSoftware: true });
  } catch (e) {
    return (e as Error).message;
  }
  const saved = process.env.EXACT_GN_BACKEND;
  delete process.env.EXACT_GN_BACKEND;
  try {
    return await useBackend('webgpu');
  } finally {
    if (saved !== undefined) process.env.EXACT_GN_BACKEND = saved;
  }
}

const gpu = await acquire();
const skip = typeof gpu === 'string' ? `no WebGPU adapter here: ${gpu}` : false;
if (typeof gpu !== 'string') tf.env().set('WEBGPU_CPU_FORWARD', false); // every op on the GPU

function hostMatMul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): { c: Float64Array; scale: Float64Array } {
  const c = new Float64Array(m * n);
  const scale = new Float64Array(m * n); // sum |a_ik b_kj|: bounds the float32 rounding error
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      for (let j = 0; j < n; j++) {
        c[i * n + j] += av * b[p * n + j]!;
        scale[i * n + j] += Math.abs(av * b[p * n + j]!);
      }
    }
  }
  return { c, scale };
}

test('the summary names the adapter', { skip }, () => {
  const info = gpu as BackendInfo;
  const adapter = webgpuAdapter();
  assert.equal(info.name, 'webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
  assert.ok(adapter);
  assert.equal(info.summary, `webgpu (${adapter.summary})`);
  assert.ok(adapter.device !== '' || adapter.description !== '', 'the adapter reports a device or description');
});

test('dataSync of GPU results equals data() and the host values, for float32, int32 and bool', { skip }, async () => {
  const rng = new Rng(5);
  const n = (1 << 18) + 3; // > 65536 pixels of the browser path; not a multiple of 4
  const xHost = rng.normalArray(n, 1);
  const [x, y, z, w] = tf.tidy(() => {
    const x = tf.tensor1d(xHost);
    const y = tf.add(tf.mul(x, 3), 0.5);
    return [x, y, tf.cast(tf.floor(tf.mul(x, 10)), 'int32'), tf.greater(x, 0.25)];
  });
  const ySync = y!.dataSync();
  const zSync = z!.dataSync();
  const wSync = w!.dataSync();
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(ySync[i]! - (3 * xHost[i]! + 0.5)) <= 1e-6 * (1 + Math.abs(3 * xHost[i]!)), `float32 at ${i}`);
    assert.equal(zSync[i], Math.floor(Math.fround(xHost[i]! * 10)), `int32 at ${i}`);
    assert.equal(wSync[i], xHost[i]! > 0.25 ? 1 : 0, `bool at ${i}`);
  }
  assert.ok(zSync instanceof Int32Array && wSync instanceof Uint8Array && ySync instanceof Float32Array);
  // The same computation read asynchronously (fresh tensors, so nothing is cached).
  const y2 = tf.tidy(() => tf.add(tf.mul(x!, 3), 0.5));
  assert.deepEqual(await y2.data(), ySync);
  tf.dispose([x!, y!, z!, w!, y2]);
});

test('matMul read synchronously agrees with a float64 host product within float32 rounding', { skip }, () => {
  const rng = new Rng(9);
  const [m, k, n] = [37, 300, 53];
  const aHost = rng.normalArray(m * k, 1);
  const bHost = rng.normalArray(k * n, 1);
  const c = tf.tidy(() => tf.matMul(tf.tensor2d(aHost, [m, k]), tf.tensor2d(bHost, [k, n])));
  const got = c.dataSync();
  const ref = hostMatMul(aHost, bHost, m, k, n);
  let worst = 0;
  for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(got[i]! - ref.c[i]!) / (ref.scale[i]! * k * 2 ** -23));
  assert.ok(worst <= 1, `error ${worst.toFixed(3)} x the k*eps*sum|ab| bound`);
  assert.ok(worst > 0 || m * n === 0); // a float32 product is not exact: the reference is independent
  c.dispose();
});

test('a pending async read and a synchronous read in between both complete correctly', { skip }, async () => {
  const a = tf.tidy(() => tf.mul(tf.range(0, 5000, 1, 'float32'), 2));
  const b = tf.tidy(() => tf.add(tf.range(0, 7000, 1, 'float32'), 1));
  const pending = a.data();
  const bSync = b.dataSync();
  const aAsync = await pending;
  for (let i = 0; i < 5000; i++) assert.equal(aAsync[i], 2 * i);
  for (let i = 0; i < 7000; i++) assert.equal(bSync[i], i + 1);
  tf.dispose([a, b]);
});

test('repeated synchronous reads leak neither tensors nor GPU buffers', { skip }, () => {
  const x = tf.randomNormal([128, 96], 0, 1, 'float32', 3);
  const read = (i: number) => tf.tidy(() => tf.sum(tf.mul(x, i)).dataSync()[0]!);
  for (let i = 0; i < 3; i++) read(i); // warm the pipeline and buffer pools
  const tensors = tf.memory().numTensors;
  const bytes = (tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU;
  const total = read(1);
  for (let i = 0; i < 20; i++) assert.ok(Math.abs(read(1) - total) <= 1e-6 * Math.abs(total) + 1e-6);
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal((tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU, bytes);
  x.dispose();
});

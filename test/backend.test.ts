import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, backendInfo } from '../src/backend/index.js';
import { BackendError } from '../src/util/errors.js';
import { setupBackend } from './helpers/backend.js';

test('the backend under test is active and reported', async () => {
  const info = await setupBackend();
  assert.equal(tf.getBackend(), info.name);
  assert.equal(backendInfo(), info);
  assert.ok(info.summary.startsWith(info.name));
});

test('an unknown backend name is rejected with the accepted names', async () => {
  const saved = process.env.EXACT_GN_BACKEND;
  delete process.env.EXACT_GN_BACKEND;
  try {
    await assert.rejects(useBackend('cuda'), (e: unknown) => e instanceof BackendError && /unknown backend "cuda".*wasm/.test((e as Error).message));
  } finally {
    if (saved !== undefined) process.env.EXACT_GN_BACKEND = saved;
  }
});

test('the aliased tfjs-node of danfojs is not mistaken for the native backend', async () => {
  const saved = process.env.EXACT_GN_BACKEND;
  delete process.env.EXACT_GN_BACKEND;
  try {
    await assert.rejects(useBackend('tensorflow'), /tfjs-node is not installed/);
  } finally {
    if (saved !== undefined) process.env.EXACT_GN_BACKEND = saved;
    await setupBackend();
  }
});

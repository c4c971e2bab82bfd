import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/backend/index.js';
import { RevMLP } from '../../src/model/revmlp.js';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.js';
import { paramsToHost } from '../../src/model/reference.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { CheckpointError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';
import { tinyModel } from '../helpers/nets.js';

before(async () => {
  await setupBackend();
});

const dir = mkdtempSync(join(tmpdir(), 'exact-gn-ckpt-'));

test('checkpoint round trip: names, layouts, config and extras survive', () => {
  for (const cfg of [
    { inputDim: 8, hidden: 6, blocks: 2, classes: 3, seed: 1 },
    { inputDim: 10, hidden: null, blocks: 1, classes: 2, seed: 2, bias: false },
  ]) {
    const model = tinyModel(cfg, 0.3, 0.1);
    const path = join(dir, `m${cfg.seed}.safetensors`);
    const extra = new Map([['optim.adam.m.blocks.0.f.W', { data: new Float32Array([1, 2, 3]), shape: [3] }]]);
    saveCheckpoint(path, model, extra, { epoch: '3' });
    const back = loadCheckpoint(path);
    assert.deepEqual(back.model.config, model.config);
    assert.equal(back.metadata.epoch, '3');
    assert.deepEqual([...back.extra.get('optim.adam.m.blocks.0.f.W')!.data], [1, 2, 3]);
    const a = paramsToHost(model.params);
    for (const [name, v] of paramsToHost(back.model.params)) assert.deepEqual(v, a.get(name), name);
    assert.deepEqual(back.model.U.dataSync(), model.U.dataSync());
    // Paper layout in the file: W is [d/2, h], V is [h, d/2], names as documented.
    const raw = decodeSafetensors(readFileSync(path));
    const half = cfg.inputDim / 2;
    const h = cfg.hidden ?? half;
    assert.deepEqual(raw.tensors['blocks.0.f.W']!.shape, [half, h]);
    assert.equal('blocks.0.g.V' in raw.tensors, cfg.hidden !== null);
    if (cfg.hidden !== null) assert.deepEqual(raw.tensors['blocks.0.g.V']!.shape, [h, half]);
    assert.equal('blocks.0.f.b' in raw.tensors, cfg.bias !== false);
    assert.deepEqual(raw.tensors['readout.U']!.shape, [cfg.inputDim, cfg.classes]);
    assert.deepEqual(JSON.parse(raw.metadata.config!), model.config);
    // W in the file is the transpose of the stored Wt.
    const Wt = model.params[0]!.f.Wt.arraySync();
    const W = raw.tensors['blocks.0.f.W']!.data;
    assert.equal(W[1 * h + 2], Wt[2]![1]);
    back.model.dispose();
    model.dispose();
  }
});

test('truncated and corrupted checkpoints are rejected with the file name and the problem', () => {
  const model = RevMLP.init({ inputDim: 8, hidden: 6, blocks: 1, classes: 3 });
  const bytes = encodeCheckpoint(model);
  model.dispose();
  const path = join(dir, 'bad.safetensors');
  for (const cut of [0, 7, 8, 50, bytes.length - 1]) {
    writeFileSync(path, bytes.subarray(0, cut));
    assert.throws(() => loadCheckpoint(path), (e: unknown) => e instanceof CheckpointError && (e as Error).message.startsWith(path), `cut at ${cut}`);
  }
  const flipped = Uint8Array.from(bytes);
  flipped[12] = 0x7b; // corrupt the JSON header
  writeFileSync(path, flipped);
  assert.throws(() => loadCheckpoint(path), CheckpointError);
  // One flipped bit inside a tensor's data: structurally valid, caught by the recorded SHA-256.
  const dataFlip = Uint8Array.from(bytes);
  dataFlip[bytes.length - 5]! ^= 0x10;
  writeFileSync(path, dataFlip);
  assert.throws(() => loadCheckpoint(path), (e: unknown) => e instanceof CheckpointError && (e as Error).message.startsWith(path) && /SHA-256.*the tensor data is corrupt/.test((e as Error).message));
  // A valid safetensors file (with valid digests) that is not a model of its own config.
  const { tensors, metadata } = decodeSafetensors(bytes);
  const sealed = { checksum: true };
  const wrongShape = { ...tensors, 'blocks.0.f.W': { dtype: 'F32' as const, shape: [4, 5], data: new Float32Array(20) } };
  assert.throws(() => decodeCheckpoint(encodeSafetensors(wrongShape, metadata, sealed), 'x.safetensors'), /x.safetensors: tensor blocks.0.f.W has shape \[4, 5\], expected \[4, 6\]/);
  const missing = { ...tensors };
  delete missing['blocks.0.g.b'];
  assert.throws(() => decodeCheckpoint(encodeSafetensors(missing, metadata, sealed), 'y.safetensors'), /y.safetensors: missing tensor blocks.0.g.b/);
  assert.throws(() => decodeCheckpoint(encodeSafetensors(tensors, {}, sealed), 'z.safetensors'), /z.safetensors: no model config/);
  const nan = { ...tensors, 'readout.U': { ...tensors['readout.U']!, data: Float32Array.from(tensors['readout.U']!.data as Float32Array, (v, i) => (i === 3 ? NaN : v)) } };
  assert.throws(() => decodeCheckpoint(encodeSafetensors(nan, metadata, sealed)), /non-finite value \(NaN\) at index 3/);
  assert.equal(tf.memory().numTensors >= 0, true);
});

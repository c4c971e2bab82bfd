import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/backend/index.js';
import { RevMLP } from '../../src/model/revmlp.js';
import { CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint, verifyCheckpoint } from '../../src/model/checkpoint.js';
import { paramsToHost } from '../../src/model/reference.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { CheckpointError, FileError } from '../../src/util/errors.js';
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

// Issue 18: the header (config, row counts, epochs) is covered by the checksum too.
test('every single-bit flip in a checkpoint header (length, config, metadata) is a CheckpointError naming the file', () => {
  const start = tf.memory().numTensors;
  const model = RevMLP.init({ inputDim: 4, hidden: 3, blocks: 1, classes: 2 });
  const bytes = encodeCheckpoint(model, new Map([['optim.adam.m.blocks.0.f.W', { data: new Float32Array(6), shape: [2, 3] }]]), { kind: 'resume', rows: '59', epoch: '3', step: '12' });
  model.dispose();
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  let flips = 0;
  for (let at = 0; at < 8 + n; at++) {
    for (let bit = 0; bit < 8; bit++) {
      const b = Uint8Array.from(bytes);
      b[at]! ^= 1 << bit;
      assert.throws(() => decodeCheckpoint(b, 'resume.safetensors'), (e: unknown) => e instanceof CheckpointError && e.file === 'resume.safetensors', `byte ${at} bit ${bit}`);
      flips++;
    }
  }
  assert.equal(flips, 8 * (8 + n));
  assert.equal(tf.memory().numTensors, start, 'nothing leaked by the refused loads');
});

test('format: 2 requires both digests; format 1 (before the header digest) still loads; an unknown format is refused', () => {
  const model = RevMLP.init({ inputDim: 4, hidden: 3, blocks: 1, classes: 2 });
  const bytes = encodeCheckpoint(model);
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.equal(metadata.format, CHECKPOINT_FORMAT);
  assert.throws(() => decodeCheckpoint(encodeSafetensors(tensors, metadata), 'a.safetensors'), /a\.safetensors: a exact-gn-checkpoint\/2 file must carry data_sha256 and header_sha256, but neither is there/);
  const legacy = decodeCheckpoint(encodeSafetensors(tensors, { ...metadata, format: 'exact-gn-checkpoint/1' }));
  assert.deepEqual(legacy.model.config, model.config);
  legacy.model.dispose();
  assert.throws(() => decodeCheckpoint(encodeSafetensors(tensors, { ...metadata, format: 'exact-gn-checkpoint/9' }, { checksum: true }), 'b.safetensors'), /b\.safetensors: unknown checkpoint format "exact-gn-checkpoint\/9"/);
  const noFormat: Record<string, string> = { ...metadata };
  delete noFormat.format;
  assert.throws(() => decodeCheckpoint(encodeSafetensors(tensors, noFormat, { checksum: true })), /unknown checkpoint format undefined/);
  // Optimizer state rides along and is checked for finiteness like the model.
  const nanState = new Map([['optim.adam.v.blocks.0.f.W', { data: Float32Array.from([0, NaN, 0, 0, 0, 0]), shape: [2, 3] }]]);
  assert.throws(() => decodeCheckpoint(encodeCheckpoint(model, nanState), 'c.safetensors'), /c\.safetensors: tensor optim\.adam\.v\.blocks\.0\.f\.W holds a non-finite value \(NaN\) at index 1/);
  model.dispose();
});

test('sizes in the config are checked against MODEL_LIMITS before anything is allocated (a tiny file claiming 10^7 blocks is refused at once)', () => {
  const model = RevMLP.init({ inputDim: 4, hidden: 3, blocks: 1, classes: 2 });
  const { tensors, metadata } = decodeSafetensors(encodeCheckpoint(model));
  model.dispose();
  const cfg = JSON.parse(metadata.config!) as Record<string, unknown>;
  for (const [over, why] of [
    [{ blocks: 1e7 }, /config\.blocks: must be at most 1024/],
    [{ blocks: 1e8 }, /config\.blocks: must be at most 1024/],
    [{ hidden: 1e9 }, /config\.hidden: must be at most 1048576/],
    [{ inputDim: 2 ** 30 }, /config\.inputDim: must be at most 1048576/],
    [{ inputDim: 600_000, hidden: 600_000 }, /config\.hidden: gives weight matrices of d\/2 x h = 300000 x 600000 = 180000000000 values, above the limit of 268435456/],
    [{ blocks: 1000, inputDim: 20_000, hidden: 20_000 }, /config\.blocks: 1000 blocks .* above the limit of 2147483648/],
    [{ classes: 1e6 }, /config\.classes: must be at most 65536/],
    [{ initStd: 1e300 }, /config\.initStd: must be at most 1/],
    [{ seed: 2 ** 32 }, /config\.seed: must be in \[0, 2\^32\)/],
    [{ seed: -1 }, /config\.seed: must be in \[0, 2\^32\)/],
  ] as const) {
    const t0 = performance.now();
    assert.throws(() => decodeCheckpoint(encodeSafetensors(tensors, { ...metadata, config: JSON.stringify({ ...cfg, ...over }) }, { checksum: true }), 'big.safetensors'),
      (e: unknown) => e instanceof CheckpointError && /^big\.safetensors: invalid model config in __metadata__: /.test((e as Error).message) && why.test((e as Error).message), JSON.stringify(over));
    assert.ok(performance.now() - t0 < 1000, `${JSON.stringify(over)} took ${performance.now() - t0} ms`);
  }
});

test('saveCheckpoint into a missing folder is a FileError naming the path; verifyCheckpoint checks a file without building the model', () => {
  const model = RevMLP.init({ inputDim: 4, hidden: 3, blocks: 1, classes: 2 });
  const missing = join(dir, 'no-such-folder', 'm.safetensors');
  assert.throws(() => saveCheckpoint(missing, model), (e: unknown) => e instanceof FileError && e.path === missing && /the folder .*no-such-folder does not exist; create it/.test((e as Error).message));
  const path = join(dir, 'verify.safetensors');
  saveCheckpoint(path, model);
  model.dispose();
  const before = tf.memory().numTensors;
  assert.deepEqual(verifyCheckpoint(path), model.config);
  assert.equal(tf.memory().numTensors, before, 'no tensors built');
  const bytes = readFileSync(path);
  bytes[20]! ^= 4;
  writeFileSync(path, bytes);
  assert.throws(() => verifyCheckpoint(path), (e: unknown) => e instanceof CheckpointError && (e as Error).message.startsWith(path));
});

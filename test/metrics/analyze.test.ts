import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/backend/index.js';
import { RevMLP } from '../../src/model/revmlp.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.js';
import { createOptimizer, type PaperOptimizerName } from '../../src/optim/optimizers.js';
import {
  analyzeCheckpoints,
  analyzeRuns,
  blockSpectra,
  ckaAcrossRuns,
  ckaToInit,
  empiricalNtk,
  epochFromName,
  jacobianProbeSimilarity,
  kernelAlignment,
  ntkProbeSimilarity,
  randomProbe,
  weightMotion,
  widenRows,
  type MetricRow,
} from '../../src/metrics/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';
import { randomBatch } from '../helpers/nets.js';

const CFG = { inputDim: 8, hidden: 16, blocks: 2, classes: 3, seed: 42, initStd: 0.05 };
const LR: Record<PaperOptimizerName, number> = { gn: 0.5, adam: 0.02, sgd: 0.5 };
let dir: string;
const runs: Record<string, string[]> = {};

/** Trains a tiny model a few steps per epoch, saving a checkpoint at epochs 0..3. */
function writeRun(name: PaperOptimizerName): string[] {
  const model = RevMLP.init(CFG);
  const { x, labels } = randomBatch(16, 8, 3, 11);
  const opt = createOptimizer({ name, lr: LR[name] });
  const paths: string[] = [];
  for (let epoch = 0; epoch <= 3; epoch++) {
    if (epoch > 0) for (let s = 0; s < 2; s++) opt.step(model, x, labels);
    const path = join(dir, `${name}-epoch-${epoch}.safetensors`);
    saveCheckpoint(path, model, undefined, { epoch: String(epoch) });
    paths.push(path);
  }
  opt.dispose();
  model.dispose();
  x.dispose();
  return paths;
}

before(async () => {
  await setupBackend();
  dir = mkdtempSync(join(tmpdir(), 'exact-gn-metrics-'));
  runs.gn = writeRun('gn');
  runs.adam = writeRun('adam');
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const pick = (rows: MetricRow[], metric: string, epoch: number, at: Partial<MetricRow> = {}): number[] =>
  rows
    .filter((r) => r.metric === metric && r.epoch === epoch && Object.entries(at).every(([k, v]) => r[k as keyof MetricRow] === v))
    .map((r) => r.value);

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('analyzeCheckpoints reproduces each diagnostic computed directly on the loaded models', async () => {
  const { x, labels } = randomBatch(16, 8, 3, 11); // the training batch
  const before = tf.memory().numTensors;
  const seen: number[] = [];
  const rows = await analyzeCheckpoints(runs.gn!, x, labels, { run: 'gn', ntkSamples: 6, onCheckpoint: (i) => seen.push(i.epoch) });
  assert.equal(tf.memory().numTensors, before, 'analyzeCheckpoints leaked tensors');
  assert.deepEqual(seen, [0, 1, 2, 3]); // epochs from the metadata
  assert.ok(rows.every((r) => r.run === 'gn' && Number.isFinite(r.epoch)));

  // Epoch 0 is the reference: similarities 1, changes 0; nothing "prev" yet.
  close(pick(rows, 'ntk_probe_cos_init', 0)[0]!, 1, 1e-9, 'ntk cos at 0');
  close(pick(rows, 'ntk_alignment_init', 0)[0]!, 1, 1e-9, 'alignment at 0');
  for (const v of pick(rows, 'cka_init', 0)) close(v, 1, 1e-9, 'cka at 0');
  assert.equal(pick(rows, 'ntk_rate', 0).length, 0);
  assert.equal(pick(rows, 'cka_prev', 0).length, 0);
  assert.equal(pick(rows, 'cka_init', 0).length, 4);
  assert.ok(Number.isNaN(pick(rows, 'weight_cos_init', 0, { tensor: 'blocks.0.f.b' })[0]!), 'b is 0 at init: NaN cosine');
  assert.equal(pick(rows, 'weight_rel_change', 0, { tensor: 'blocks.1.g.W' })[0], 0);

  // Epoch 3 against direct calls on the loaded checkpoints.
  const m0 = loadCheckpoint(runs.gn![0]!).model;
  const m2 = loadCheckpoint(runs.gn![2]!).model;
  const m3 = loadCheckpoint(runs.gn![3]!).model;
  const v = randomProbe(m0, 16, { output: 'z', seed: 0 });
  close(pick(rows, 'ntk_probe_cos_init', 3)[0]!, ntkProbeSimilarity(m0, m3, x, v), 1e-9, 'ntk probe cos');
  close(pick(rows, 'ntk_probe_cos_prev', 3)[0]!, ntkProbeSimilarity(m2, m3, x, v), 1e-9, 'ntk probe cos prev');
  close(pick(rows, 'jac_probe_cos_init', 3)[0]!, jacobianProbeSimilarity(m0, m3, x, v), 1e-9, 'jacobian probe cos');
  const px = tf.slice(x, [0, 0], [6, -1]) as tf.Tensor2D;
  const [k0, k2, k3] = [m0, m2, m3].map((m) => empiricalNtk(m, px));
  close(pick(rows, 'ntk_alignment_init', 3)[0]!, kernelAlignment(k0!, k3!), 1e-9, 'alignment');
  close(pick(rows, 'ntk_rate', 3)[0]!, 1 - kernelAlignment(k2!, k3!), 1e-9, 'rate');
  ckaToInit(m0, m3, x).forEach((h) => {
    close(pick(rows, 'cka_init', 3, { block: h.block, half: h.half })[0]!, h.cka, 1e-9, 'cka');
    close(pick(rows, 'cka_debiased_init', 3, { block: h.block, half: h.half })[0]!, h.debiasedCka, 1e-9, 'debiased cka');
  });
  for (const w of weightMotion(m0.params, m3.params)) {
    if (w.kind === 'W') close(pick(rows, 'weight_cos_init', 3, { tensor: w.tensor })[0]!, w.cosine, 1e-12, w.tensor);
    close(pick(rows, 'weight_norm', 3, { tensor: w.tensor })[0]!, w.normT, 1e-12, w.tensor);
  }
  for (const s of blockSpectra(m3, x)) {
    assert.equal(pick(rows, 'pinv_rank', 3, { block: s.block, half: s.half })[0], s.rank);
    close(pick(rows, 'pinv_smax', 3, { block: s.block, half: s.half })[0]!, s.sMax, 1e-9, 'smax');
  }
  // Training moved things: the kernel and the representations changed, the loss went down.
  assert.ok(pick(rows, 'ntk_probe_cos_init', 3)[0]! < 1 - 1e-6);
  assert.ok(pick(rows, 'weight_rel_change', 3, { tensor: 'blocks.1.g.W' })[0]! > 1e-3);
  assert.ok(pick(rows, 'loss', 3)[0]! < pick(rows, 'loss', 0)[0]!);

  const wide = widenRows(rows);
  assert.equal(wide.length, 4);
  assert.equal(wide[3]!['cka_init.b1.g'], pick(rows, 'cka_init', 3, { block: 1, half: 'g' })[0]);
  assert.equal(wide[0]!['weight_norm.blocks.0.f.W'], pick(rows, 'weight_norm', 0, { tensor: 'blocks.0.f.W' })[0]);
  tf.dispose([v, px, x]);
  for (const m of [m0, m2, m3]) m.dispose();
});

test('epochs come from refs, metadata or file names; groups can be chosen', async () => {
  const { x, labels } = randomBatch(8, 8, 3, 6);
  const refs = runs.adam!.map((path, i) => ({ epoch: 10 * i, path }));
  const rows = await analyzeCheckpoints(refs, x, labels, { groups: ['loss', 'cka'] });
  assert.deepEqual([...new Set(rows.map((r) => r.epoch))], [0, 10, 20, 30]);
  assert.deepEqual([...new Set(rows.map((r) => r.metric))].sort(), ['accuracy', 'cka_debiased_init', 'cka_init', 'cka_prev', 'loss']);
  assert.equal(epochFromName('/runs/gn/epoch-010.safetensors'), 10);
  assert.equal(epochFromName('final.safetensors'), null);
  x.dispose();
});

test('ckaAcrossRuns matches epochs; runs from the same init agree at epoch 0', () => {
  const { x } = randomBatch(10, 8, 3, 7);
  const before = tf.memory().numTensors;
  const rows = ckaAcrossRuns(runs.gn!, runs.adam!.slice(0, 3), x, { runA: 'gn', runB: 'adam' });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual([...new Set(rows.map((r) => r.epoch))], [0, 1, 2]);
  assert.ok(rows.every((r) => r.run === 'gn|adam'));
  for (const v of pick(rows, 'cka_across', 0)) close(v, 1, 1e-9, 'same init');
  const a = loadCheckpoint(runs.gn![2]!).model;
  const b = loadCheckpoint(runs.adam![2]!).model;
  ckaToInit(a, b, x).forEach((h) => close(pick(rows, 'cka_across', 2, { block: h.block, half: h.half })[0]!, h.cka, 1e-9, 'cka across'));
  a.dispose();
  b.dispose();
  x.dispose();
});

test('analyzeRuns stamps each run and adds CKA across runs without reloading', async () => {
  const { x, labels } = randomBatch(10, 8, 3, 7);
  const before = tf.memory().numTensors;
  const rows = await analyzeRuns({ gn: runs.gn!, adam: runs.adam! }, x, labels, { groups: ['loss'] });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual([...new Set(rows.map((r) => r.run))], ['gn', 'adam', 'gn|adam']);
  assert.equal(rows.filter((r) => r.metric === 'cka_init').length, 0, 'cka group not asked for');
  const across = rows.filter((r) => r.run === 'gn|adam');
  const direct = ckaAcrossRuns(runs.gn!, runs.adam!, x, { runA: 'gn', runB: 'adam' });
  assert.equal(across.length, direct.length);
  across.forEach((r, i) => {
    assert.deepEqual({ ...r, value: 0 }, { ...direct[i]!, value: 0 });
    close(r.value, direct[i]!.value, 1e-12, `${r.metric} ${r.epoch}`);
  });
  const single = await analyzeRuns({ gn: runs.gn! }, x, labels, { groups: ['loss'] });
  assert.ok(single.every((r) => r.run === 'gn'));
  x.dispose();
});

test('bad inputs fail with ConfigError naming the problem', async () => {
  const { x, labels } = randomBatch(6, 8, 3, 8);
  await assert.rejects(analyzeCheckpoints([], x, labels), ConfigError);
  await assert.rejects(analyzeCheckpoints(runs.gn!, x, labels.slice(0, 3)), /6 labels/);
  await assert.rejects(analyzeCheckpoints(runs.gn!, x, labels, { groups: ['cka', 'nope' as never] }), /unknown group/);
  const other = RevMLP.init({ ...CFG, hidden: 12 });
  const path = join(dir, 'other.safetensors');
  saveCheckpoint(path, other);
  other.dispose();
  const before = tf.memory().numTensors;
  await assert.rejects(analyzeCheckpoints([runs.gn![0]!, path], x, labels), (e: unknown) => e instanceof ConfigError && /hidden = 12/.test(e.message));
  assert.equal(tf.memory().numTensors, before, 'a failed analysis leaked tensors');
  x.dispose();
});

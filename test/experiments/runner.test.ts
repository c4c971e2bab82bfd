import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend } from '../helpers/backend.js';
import { runExperiment, type RunResult } from '../../src/experiments/runner.js';
import { validateConfig } from '../../src/experiments/config.js';
import { runKey } from '../../src/experiments/key.js';
import { withoutTimings, type EvalRow, type StepRow } from '../../src/experiments/events.js';
import { epochCheckpointPath, runPaths } from '../../src/experiments/store.js';
import { readRun, resultsRows } from '../../src/experiments/frame.js';
import type { ProgressEvent } from '../../src/experiments/progress.js';
import { loadCheckpoint } from '../../src/model/checkpoint.js';
import { loadDataset } from '../../src/data/load.js';
import { crossEntropyHost } from '../../src/model/loss.js';
import { RevMLP } from '../../src/model/revmlp.js';
import { backendInfo, tf } from '../../src/backend/index.js';
import { tempRoot, tinyMini, tinySwitch } from './fixtures/configs.js';

before(async () => {
  await setupBackend();
});

const quiet = { progress: false, warn: () => {} } as const;
let reference: RunResult;
let referenceRoot: string;

function stepRows(r: RunResult): StepRow[] {
  return r.rows.filter((x): x is StepRow => x.type === 'step');
}

function evalRows(r: RunResult): EvalRow[] {
  return r.rows.filter((x): x is EvalRow => x.type === 'eval');
}

function checkpointBytes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const d = join(dir, 'checkpoints');
  for (const f of readdirSync(d).sort()) out.set(f, readFileSync(join(d, f)).toString('base64'));
  return out;
}

test('a run writes config, rows, checkpoints and done.json in the documented layout', async () => {
  referenceRoot = tempRoot();
  reference = await runExperiment(tinySwitch(), { root: referenceRoot, ...quiet });
  const r = reference;
  assert.equal(r.status, 'complete');
  assert.equal(r.cached, false);
  assert.equal(r.key, runKey(validateConfig(tinySwitch())));
  assert.equal(r.dir, join(referenceRoot, r.key));
  const p = runPaths(r.dir);
  const rec = JSON.parse(readFileSync(p.config, 'utf8'));
  assert.equal(rec.key, r.key);
  assert.deepEqual(rec.config, validateConfig(tinySwitch()));
  const done = JSON.parse(readFileSync(p.done, 'utf8'));
  assert.equal(done.status, 'complete');
  assert.equal(done.rows, r.rows.length);
  assert.equal(done.backend, backendInfo()?.summary, 'done.json records the backend that ran it');
  assert.equal(existsSync(p.resume), false, 'the rolling resume checkpoint is removed once the run is complete');
  assert.equal(existsSync(p.lock), false, 'the lock is released');
  // 3 epochs x 4 steps of 32 from 128 images; an eval at epoch 0 and after every epoch.
  const steps = stepRows(r);
  assert.deepEqual(steps.map((s) => s.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(steps.map((s) => s.epoch), [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  assert.deepEqual(steps.map((s) => s.batch), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
  assert.deepEqual(steps.map((s) => s.optimizer), ['adam', 'adam', 'adam', 'adam', 'adam', 'adam', 'adam', 'adam', 'gn', 'gn', 'gn', 'gn']);
  assert.deepEqual(evalRows(r).map((e) => [e.epoch, e.step]), [[0, 0], [1, 4], [2, 8], [3, 12]]);
  assert.deepEqual(r.rows.map((x) => x.type).join(','), ['eval', ...Array(4).fill('step'), 'eval', ...Array(4).fill('step'), 'eval', ...Array(4).fill('step'), 'eval'].join(','));
  for (const s of steps) {
    assert.ok(Number.isFinite(s.train_loss) && Number.isFinite(s.loss_after));
    assert.ok(Math.abs(s.batch_loss_change_pct - (100 * (s.loss_after - s.train_loss)) / s.train_loss) < 1e-9);
    assert.equal(s.batch_size, 32);
    assert.ok(s.step_ms >= 0);
    if (s.optimizer === 'gn') {
      assert.equal(typeof s.gn_min_rank, 'number');
      assert.ok(s.gn_min_rank! >= 1 && s.gn_min_rank! <= 32);
      assert.equal(typeof s.gn_exact, 'boolean');
    } else assert.equal(s.gn_min_rank, undefined);
  }
  // GN overfits its batch: the loss on the same batch drops.
  assert.ok(steps.filter((s) => s.optimizer === 'gn').every((s) => s.batch_loss_change_pct < 0));
  for (const e of evalRows(r)) assert.ok(e.test_acc >= 0 && e.test_acc <= 1 && e.train_acc === undefined);
  const files = readdirSync(p.checkpoints).sort();
  assert.deepEqual(files, ['epoch-0000.safetensors', 'epoch-0002.safetensors', 'epoch-0003.safetensors']);
});

test('step and eval rows are right: brute-force check from the saved checkpoints', async () => {
  // The eval at epoch 0 and 3 must equal a direct evaluation of the checkpointed models on the test set.
  const { test: testSet } = loadDataset('mnist', { limitTrain: 128, limitTest: 100 });
  for (const epoch of [0, 3]) {
    const { model } = loadCheckpoint(epochCheckpointPath(reference.dir, epoch));
    const logits = tf.tidy(() => model.logits(tf.tensor2d(testSet.x, [testSet.n, testSet.d])).dataSync());
    const loss = crossEntropyHost(logits, testSet.y, testSet.n, 10);
    const row = evalRows(reference).find((e) => e.epoch === epoch)!;
    assert.ok(Math.abs(row.test_loss - loss) < 1e-6 * Math.max(1, loss), `epoch ${epoch}: ${row.test_loss} vs ${loss}`);
    model.dispose();
  }
  // The epoch-0 checkpoint is the seeded initial model.
  const init = RevMLP.init(validateConfig(tinySwitch()).model);
  const { model: ck0 } = loadCheckpoint(epochCheckpointPath(reference.dir, 0));
  assert.deepEqual(Array.from(ck0.params[1]!.g.Wt.dataSync()), Array.from(init.params[1]!.g.Wt.dataSync()));
  init.dispose();
  ck0.dispose();
});

test('determinism: the same config run twice gives identical rows (timings aside) and identical checkpoints', async () => {
  const again = await runExperiment(tinySwitch(), { root: tempRoot(), ...quiet });
  assert.equal(again.cached, false);
  assert.deepEqual(withoutTimings(again.rows), withoutTimings(reference.rows));
  assert.deepEqual(checkpointBytes(again.dir), checkpointBytes(reference.dir));
});

test('cache: a completed run is returned without training; a changed config misses', async () => {
  const p = runPaths(reference.dir);
  const before = readFileSync(p.events);
  const mtime = statSync(p.events).mtimeMs;
  const events: ProgressEvent[] = [];
  const hit = await runExperiment(tinySwitch(), { root: referenceRoot, ...quiet, onProgress: (e) => events.push(e) });
  assert.equal(hit.cached, true);
  assert.equal(hit.status, 'complete');
  assert.equal(hit.dir, reference.dir);
  assert.deepEqual(hit.rows, reference.rows);
  assert.equal(events.length, 0, 'no step was taken');
  assert.deepEqual(readFileSync(p.events), before);
  assert.equal(statSync(p.events).mtimeMs, mtime, 'events.jsonl was not touched');
  const other = await runExperiment({ ...tinySwitch(), seed: 8 }, { root: referenceRoot, ...quiet });
  assert.equal(other.cached, false);
  assert.notEqual(other.key, reference.key);
  assert.notDeepEqual(withoutTimings(other.rows), withoutTimings(reference.rows));
  assert.deepEqual(readRun(reference.dir).rows, reference.rows);
});

test('a damaged cache entry is detected and recomputed', async () => {
  const root = tempRoot();
  const first = await runExperiment(tinyMini(), { root, ...quiet });
  const p = runPaths(first.dir);
  // Flip one digit of one loss: the file still parses, only the checksum tells.
  const text = readFileSync(p.events, 'utf8');
  const i = text.indexOf('"train_loss":') + '"train_loss":'.length + 3;
  const digit = text[i]!;
  writeFileSync(p.events, text.slice(0, i) + (digit === '1' ? '2' : '1') + text.slice(i + 1));
  assert.throws(() => readRun(first.dir), /damaged/);
  const warnings: string[] = [];
  const again = await runExperiment(tinyMini(), { root, progress: false, warn: (m) => warnings.push(m) });
  assert.equal(again.cached, false);
  assert.match(again.recomputed ?? '', /SHA-256/);
  assert.ok(warnings.some((w) => /damaged/.test(w)));
  assert.deepEqual(withoutTimings(again.rows), withoutTimings(first.rows));
  assert.equal((await runExperiment(tinyMini(), { root, ...quiet })).cached, true);
});

test('resume after an abort, a torn last line and rows written after the checkpoint gives the uninterrupted rows', async () => {
  const root = tempRoot();
  const controller = new AbortController();
  // Stop during epoch 2, after step 6 (the resume checkpoint is at the end of epoch 1).
  await assert.rejects(
    runExperiment(tinySwitch(), {
      root, ...quiet, signal: controller.signal,
      onProgress: (e) => { if (e.kind === 'step' && e.step === 6) controller.abort(new Error('stop here')); },
    }),
    /stop here/,
  );
  const p = runPaths(join(root, reference.key));
  assert.equal(existsSync(p.done), false);
  assert.equal(existsSync(p.lock), false, 'the lock is released on abort');
  // A crash mid-append leaves a torn line.
  appendFileSync(p.events, '{"type":"step","epoch":2,"st');
  const resumed = await runExperiment(tinySwitch(), { root, ...quiet });
  assert.equal(resumed.status, 'complete');
  assert.deepEqual(withoutTimings(resumed.rows), withoutTimings(reference.rows));
  assert.deepEqual(checkpointBytes(resumed.dir), checkpointBytes(reference.dir));
});

test('logEvery and evalEvery thin the rows; evalTrain adds train columns', async () => {
  const r = await runExperiment(tinyMini({ logEvery: 5, evalEvery: 2, evalTrain: true, checkpointEpochs: [] }), { root: tempRoot(), ...quiet });
  assert.deepEqual(stepRows(r).map((s) => s.step), [1, 6, 11]);
  assert.deepEqual(evalRows(r).map((e) => e.epoch), [0, 2, 3]);
  for (const e of evalRows(r)) assert.ok(e.train_acc! >= 0 && e.train_acc! <= 1 && Number.isFinite(e.train_loss));
  assert.deepEqual(readdirSync(join(r.dir, 'checkpoints')), []);
});

test('full batch: one step per epoch on the first n images; train accuracy is on that batch', async () => {
  const r = await runExperiment(tinyMini({ batch: { mode: 'full', n: 48 }, epochs: 4, checkpointEpochs: [4] }), { root: tempRoot(), ...quiet });
  assert.deepEqual(stepRows(r).map((s) => [s.epoch, s.step, s.batch, s.batch_size]), [[1, 1, 0, 48], [2, 2, 0, 48], [3, 3, 0, 48], [4, 4, 0, 48]]);
  // The next step's pre-update loss on the same (full) batch equals this step's loss after the update.
  const s = stepRows(r);
  for (let i = 1; i < s.length; i++) assert.ok(Math.abs(s[i]!.train_loss - s[i - 1]!.loss_after) < 1e-9);
  // Eval train_loss after epoch e is the loss on the same batch, too.
  const e = evalRows(r);
  for (let i = 1; i < e.length; i++) assert.ok(Math.abs(e[i]!.train_loss! - s[i - 1]!.loss_after) < 1e-6);
  assert.ok(s.at(-1)!.train_loss < s[0]!.train_loss);
});

test('the last partial mini-batch is kept', async () => {
  const r = await runExperiment(tinyMini({ dataset: { name: 'mnist', limitTrain: 100, limitTest: 50 }, epochs: 1, checkpointEpochs: [0] }), { root: tempRoot(), ...quiet });
  assert.deepEqual(stepRows(r).map((s) => s.batch_size), [32, 32, 32, 4]);
});

test('a diverging run (SGD lr 1e6) is marked failed, with a failed row and its last good checkpoint kept', async () => {
  const root = tempRoot();
  const warnings: string[] = [];
  const cfg = tinyMini({ optimizer: { name: 'sgd', lr: 1e6 }, epochs: 3, checkpointEpochs: [0] });
  const r = await runExperiment(cfg, { root, progress: false, warn: (m) => warnings.push(m) });
  assert.equal(r.status, 'failed');
  assert.match(r.reason ?? '', /(non-finite|NaN|Infinity|diverged).*the last good state is checkpoints\/resume.safetensors \(after epoch \d\)/);
  const last = r.rows.at(-1)!;
  assert.equal(last.type, 'failed');
  assert.equal(r.rows.filter((x) => x.type === 'failed').length, 1);
  for (const s of stepRows(r)) assert.ok(Number.isFinite(s.loss_after), 'no non-finite value is logged as a result');
  const p = runPaths(r.dir);
  assert.equal(JSON.parse(readFileSync(p.done, 'utf8')).status, 'failed');
  assert.ok(existsSync(p.resume), 'the last good resume checkpoint is kept');
  const { model, metadata } = loadCheckpoint(p.resume); // loadCheckpoint rejects non-finite tensors
  assert.equal(metadata.kind, 'resume');
  model.dispose();
  assert.ok(warnings.some((w) => /failed/.test(w)));
  const again = await runExperiment(cfg, { root, ...quiet });
  assert.equal(again.cached, true);
  assert.equal(again.status, 'failed');
  assert.equal(readRun(r.dir).status, 'failed');
});

test('non-exact GN blocks are warned about once per run', async () => {
  const warnings: string[] = [];
  // Batches of 100 rows against h + 1 = 65 features: no block can have rank 100.
  const r = await runExperiment(tinyMini({ epochs: 2, checkpointEpochs: [2], batch: { mode: 'mini', size: 100 } }), { root: tempRoot(), progress: false, warn: (m) => warnings.push(m) });
  const inexact = warnings.filter((w) => /not exact/.test(w));
  assert.equal(inexact.length, 1);
  assert.match(inexact[0]!, /block 1 \(f rank \d+\/100, g rank \d+\/100\), block 2 \(f rank \d+\/100/);
  for (const s of stepRows(r).filter((x) => x.batch_size === 100)) {
    assert.equal(s.gn_exact, false);
    assert.ok(s.gn_min_rank! <= 65);
  }
  // Small batches (32 rows, h = 64) are exact here: no warning.
  const quietRun: string[] = [];
  const ok = await runExperiment(tinyMini({ epochs: 1, checkpointEpochs: [] }), { root: tempRoot(), progress: false, warn: (m) => quietRun.push(m) });
  if (stepRows(ok).every((s) => s.gn_exact)) assert.deepEqual(quietRun, []);
});

test('resultsRows gives one set of columns, filtered by type', () => {
  const all = resultsRows(reference);
  const cols = Object.keys(all[0]!);
  for (const r of all) assert.deepEqual(Object.keys(r), cols);
  assert.ok(cols.includes('test_acc') && cols.includes('train_loss') && cols.includes('gn_min_rank'));
  const evals = resultsRows(reference, 'eval');
  assert.equal(evals.length, 4);
  assert.deepEqual(Object.keys(evals[0]!), ['type', 'epoch', 'step', 'test_loss', 'test_acc', 'eval_ms']);
  assert.equal(all.find((r) => r.type === 'eval')!.gn_min_rank, null);
});

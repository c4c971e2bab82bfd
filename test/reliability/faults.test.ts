// Issue 9, "faults lose nothing" and "training failures are never silent": damaged cache entries of
// every kind, two runs of one config at once, divergence on a step that is not logged, failed runs
// in the figures, and a guard that results are only ever written through the durable writers.
// (Kill-and-resume at several kill points: test/experiments/resume.test.ts; atomic writes under
// SIGKILL: test/io/atomic.test.ts; locks between processes: test/io/lock.test.ts.)
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tf } from '../../src/backend/index.js';
import { runExperiment, type RunResult } from '../../src/experiments/runner.js';
import { inspectRun, runPaths, epochCheckpointPath } from '../../src/experiments/store.js';
import { withoutTimings, type StepRow } from '../../src/experiments/events.js';
import { readRun } from '../../src/experiments/frame.js';
import { validateConfig } from '../../src/experiments/config.js';
import { LockedError } from '../../src/io/lock.js';
import { loadCheckpoint } from '../../src/model/checkpoint.js';
import { crossEntropyHost } from '../../src/model/loss.js';
import { loadDataset } from '../../src/data/load.js';
import { fullBatch } from '../../src/data/batches.js';
import { commonDeviations, figureOptions, type FigureRuns } from '../../src/report/figure.js';
import { setupBackend } from '../helpers/backend.js';
import { tempRoot, tinyMini } from '../experiments/fixtures/configs.js';

before(async () => {
  await setupBackend();
});

const quiet = { progress: false, warn: () => {} } as const;
const config = (): ReturnType<typeof tinyMini> => tinyMini({ epochs: 2, checkpointEpochs: [0, 2] });

test('every kind of damaged cache entry is detected and recomputed to the same rows', async () => {
  const root = tempRoot();
  const first = await runExperiment(config(), { root, ...quiet });
  const p = runPaths(first.dir);
  const damages: [what: string, damage: () => void, why: RegExp][] = [
    ['done.json torn', () => writeFileSync(p.done, readFileSync(p.done).subarray(0, 20)), /done\.json is unreadable/],
    ['done.json without a checksum', () => writeFileSync(p.done, '{"status":"complete"}\n'), /done\.json does not hold a status and an events checksum/],
    ['config.json of another config', () => {
      const rec = JSON.parse(readFileSync(p.config, 'utf8'));
      rec.config.seed = 8;
      writeFileSync(p.config, JSON.stringify(rec));
    }, /config\.json does not match the requested config/],
    ['config.json edited but still the requested config', () => {
      const rec = JSON.parse(readFileSync(p.config, 'utf8'));
      rec.code = '0.0.0+old';
      writeFileSync(p.config, JSON.stringify(rec));
    }, /config\.json does not match its run key/],
    ['config.json garbage', () => writeFileSync(p.config, '\u0000\u0001'), /config\.json is unreadable/],
    ['a row removed', () => writeFileSync(p.events, readFileSync(p.events, 'utf8').split('\n').slice(1).join('\n')), /events\.jsonl has SHA-256 .* done\.json recorded/],
    ['a torn line appended', () => appendFileSync(p.events, '{"type":"st'), /events\.jsonl has SHA-256/],
    ['events.jsonl deleted', () => rmSync(p.events), /events\.jsonl is missing/],
  ];
  for (const [what, damage, why] of damages) {
    damage();
    assert.equal(inspectRun(first.dir, validateConfig(config())).state, 'damaged', what);
    assert.equal(inspectRun(first.dir).state, 'damaged', `${what}: also without knowing the config`);
    assert.throws(() => readRun(first.dir), /damaged/, `${what}: readRun refuses it`);
    const warnings: string[] = [];
    const again = await runExperiment(config(), { root, progress: false, warn: (m) => warnings.push(m) });
    assert.equal(again.cached, false, what);
    assert.match(again.recomputed ?? '', why, what);
    assert.ok(warnings.some((w) => /is damaged .*recomputing it from scratch/.test(w)), `${what}: ${warnings.join('\n')}`);
    assert.deepEqual(withoutTimings(again.rows), withoutTimings(first.rows), what);
    const hit = await runExperiment(config(), { root, ...quiet });
    assert.equal(hit.cached, true, `${what}: intact again`);
  }
});

test('two runs of one config at once in one process: the second refuses naming the holder, or waits and gets the result', async () => {
  const root = tempRoot();
  const first = runExperiment(config(), { root, ...quiet });
  await assert.rejects(runExperiment(config(), { root, ...quiet }), (e: unknown) => {
    assert.ok(e instanceof LockedError, String(e));
    assert.equal(e.code, 'E_LOCKED');
    assert.match(e.message, new RegExp(`already being trained by pid ${process.pid} .*wait: true.*--wait`));
    return true;
  });
  const waiting = runExperiment(config(), { root, ...quiet, wait: true });
  const [a, b] = await Promise.all([first, waiting]);
  assert.equal(a.cached, false);
  assert.equal(b.cached, true, 'the waiting run found the finished result instead of training again');
  assert.deepEqual(b.rows, a.rows);
  assert.equal(inspectRun(a.dir).state, 'valid');
  assert.equal(existsSync(runPaths(a.dir).lock), false);
});

/** Mean CE of a checkpoint's model on the first n training images. */
function checkpointLoss(path: string, n: number): number {
  const { model } = loadCheckpoint(path);
  const { train } = loadDataset('mnist', { limitTrain: 128, limitTest: 100 });
  const batch = fullBatch(train, n);
  const logits = tf.tidy(() => model.logits(tf.tensor2d(batch.x, [batch.n, batch.d])).dataSync());
  model.dispose();
  return crossEntropyHost(logits, batch.y, batch.n, 10);
}

test('a divergence on a step that is not logged still fails the run, and the diverged model is never saved', async () => {
  // Full batch (one step per epoch), rows for steps 1, 3, ... only, evaluation after epoch 3 only:
  // epoch 1 is GN, then SGD with lr 1e30 diverges on step 2, which is neither logged nor evaluated.
  const cfg = tinyMini({
    batch: { mode: 'full', n: 32 }, epochs: 3, logEvery: 2, evalEvery: 3, checkpointEpochs: [0, 1, 2, 3],
    switchAt: { epoch: 1, optimizer: { name: 'sgd', lr: 1e30 } },
  });
  const warnings: string[] = [];
  const root = tempRoot();
  const r = await runExperiment(cfg, { root, progress: false, resumeIntervalMs: 0, warn: (m) => warnings.push(m) });
  assert.equal(r.status, 'failed');
  assert.match(r.reason ?? '', /the batch loss after the update is (NaN|-?Infinity): the update diverged .*\(epoch 2, step 2\); the last good state is checkpoints\/resume\.safetensors \(after epoch 1\)/);
  assert.deepEqual(r.rows.map((x) => `${x.type}@${x.step}`), ['eval@0', 'step@1', 'failed@2']);
  assert.ok(warnings.some((w) => /failed/.test(w)));
  const p = runPaths(r.dir);
  assert.equal(existsSync(epochCheckpointPath(r.dir, 2)), false, 'no checkpoint of the diverged model');
  const { metadata, model } = loadCheckpoint(p.resume);
  model.dispose();
  assert.equal(metadata.epoch, '1', 'the resume checkpoint is the state after epoch 1');
  const good = checkpointLoss(p.resume, 32);
  const step1 = r.rows.find((x): x is StepRow => x.type === 'step')!;
  assert.ok(Number.isFinite(good) && Math.abs(good - step1.loss_after) < 1e-4, `resume state has the logged loss after step 1 (${good} vs ${step1.loss_after})`);
  // The failure is the cached outcome: asking again does not retrain, and says why.
  const again = await runExperiment(cfg, { root, ...quiet });
  assert.equal(again.cached, true);
  assert.equal(again.status, 'failed');
  assert.equal(again.reason, r.reason);
});

test('a failed run is never shown silently: it is named in the figure deviations with its reason', async () => {
  const failed = await runExperiment(tinyMini({ optimizer: { name: 'sgd', lr: 1e30 }, epochs: 1, checkpointEpochs: [] }), { root: tempRoot(), ...quiet });
  const complete = await runExperiment(tinyMini({ epochs: 1, checkpointEpochs: [] }), { root: tempRoot(), ...quiet });
  assert.equal(failed.status, 'failed');
  const ref = (id: string, res: RunResult): FigureRuns['refs'][number] =>
    ({ id, optimizer: res.config.optimizer.name, dataset: 'MNIST', seed: res.config.seed, config: res.config, fellBack: false }) as FigureRuns['refs'][number];
  const options = figureOptions({ profile: 'quick' });
  const runs: FigureRuns = { options, refs: [ref('MNIST/sgd/7', failed), ref('MNIST/gn/7', complete)], results: [failed, complete], rows: [], table: [] };
  const deviations = commonDeviations(options, runs);
  const lines = deviations.filter((d) => /FAILED/.test(d));
  assert.equal(lines.length, 1, deviations.join('\n'));
  assert.ok(lines[0]!.startsWith('run MNIST/sgd/7 FAILED ('), lines[0]);
  assert.ok(lines[0]!.includes(failed.reason!), 'the reason is quoted');
  assert.match(lines[0]!, /its curves stop where it failed; results in /);
  // And the results themselves say so: status, a 'failed' row, done.json.
  assert.equal(readRun(failed.dir).status, 'failed');
  assert.equal(failed.rows.at(-1)!.type, 'failed');
});

/** Source files under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('results, checkpoints and cache entries are only written through the atomic and durable writers', () => {
  // Every other write must be one of these, each atomic at a larger scale (reason given).
  const allowed = new Map([
    ['src/data/download.ts', 'extracts into a temporary folder that is renamed into place as a whole'],
  ]);
  const direct = /\b(writeFileSync|appendFileSync|createWriteStream|writeFile|appendFile)\s*\(/;
  const offenders: string[] = [];
  const root = join(import.meta.dirname, '..', '..');
  for (const file of sources(join(root, 'src'))) {
    const rel = relative(root, file);
    if (rel === 'src/io/atomic.ts' || allowed.has(rel)) continue;
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    if (direct.test(code)) offenders.push(rel);
  }
  assert.deepEqual(offenders, [], `files writing without writeFileAtomic/appendLineDurable: ${offenders.join(', ')}`);
});

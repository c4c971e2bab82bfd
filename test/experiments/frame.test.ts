// resultsFrame imports danfojs-node (slow to load), so it has its own file.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { setupBackend } from '../helpers/backend.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { resultsFrame, resultsRows } from '../../src/experiments/frame.js';
import { tempRoot, tinyMini } from './fixtures/configs.js';

before(async () => {
  await setupBackend();
});

test('resultsFrame is a danfojs DataFrame of the rows, all or one type', async () => {
  const r = await runExperiment(tinyMini({ epochs: 2, checkpointEpochs: [] }), { root: tempRoot(), progress: false, warn: () => {} });
  const all = await resultsFrame(r);
  assert.deepEqual(all.shape, [r.rows.length, Object.keys(resultsRows(r)[0]!).length]);
  assert.deepEqual(all.columns, Object.keys(resultsRows(r)[0]!));
  const evals = await resultsFrame(r, 'eval');
  assert.deepEqual(evals.shape, [3, 6]);
  const acc = evals.column('test_acc').values as number[];
  const want = resultsRows(r, 'eval').map((x) => x.test_acc as number);
  assert.deepEqual(acc.map((v) => Math.round(v * 1e6)), want.map((v) => Math.round(v * 1e6)));
  const steps = await resultsFrame(r.rows, 'step');
  assert.equal(steps.shape[0], 8);
  assert.ok(steps.columns.includes('batch_loss_change_pct'));
});

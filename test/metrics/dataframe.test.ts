import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/index.js';
import { rowsToDataFrame, widenRows, wideColumn, type MetricRow } from '../../src/metrics/index.js';
import { setupBackend } from '../helpers/backend.js';

before(async () => {
  await setupBackend();
});

const ROWS: MetricRow[] = [
  { run: 'gn', epoch: 0, metric: 'loss', block: null, half: null, tensor: null, value: 2.3 },
  { run: 'gn', epoch: 0, metric: 'cka_init', block: 1, half: 'g', tensor: null, value: 1 },
  { run: 'gn', epoch: 0, metric: 'weight_cos_init', block: 0, half: 'f', tensor: 'blocks.0.f.b', value: NaN },
  { run: 'adam', epoch: 5, metric: 'loss', block: null, half: null, tensor: null, value: 1.1 },
];

test('rowsToDataFrame loads danfojs lazily, on our tfjs, and keeps every row and column', async () => {
  const tensorsBefore = tf.memory().numTensors;
  const backend = tf.getBackend();
  const df = await rowsToDataFrame(ROWS);
  assert.deepEqual(df.columns, ['run', 'epoch', 'metric', 'block', 'half', 'tensor', 'value']);
  assert.deepEqual(df.shape, [4, 7]);
  assert.deepEqual(df['run'].values, ['gn', 'gn', 'gn', 'adam']);
  assert.deepEqual(df['half'].values, ['', 'g', 'f', '']);
  const block = df['block'].values as number[];
  assert.ok(Number.isNaN(block[0]!) && block[1] === 1);
  const value = df['value'].values as number[];
  assert.equal(value[3], 1.1);
  assert.ok(Number.isNaN(value[2]!));
  // danfojs shares the engine: the backend we chose is still active.
  assert.equal(tf.getBackend(), backend);
  assert.ok(tf.memory().numTensors >= tensorsBefore);
  const empty = await rowsToDataFrame([]);
  assert.deepEqual(empty.shape, [0, 7]);
  assert.deepEqual(empty.columns, df.columns);
});

test('widenRows makes one record per run and epoch', () => {
  assert.equal(wideColumn(ROWS[1]!), 'cka_init.b1.g');
  assert.equal(wideColumn(ROWS[2]!), 'weight_cos_init.blocks.0.f.b');
  const wide = widenRows(ROWS);
  assert.equal(wide.length, 2);
  assert.deepEqual(wide[1], { run: 'adam', epoch: 5, loss: 1.1 });
  assert.equal(wide[0]!['cka_init.b1.g'], 1);
});

// The tidy results table: event rows -> tidy rows, CSV round trip (NaN, quoting, comments),
// malformed files named by line, the committed Figure 1 table judged by the live findings, and the
// danfojs DataFrame view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventRow } from '../../src/experiments/events.js';
import {
  TABLE_COLUMNS, committedTables, epochMean, fig1, readTable, tableFromCsv, tableFrame, tableToCsv, tidyRows, where, wide, type TidyRow,
} from '../../src/report/index.js';
import { figureOptions } from '../../src/report/figure.js';

const labels = { run: 'MNIST/gn/42', curve: 'gn', optimizer: 'gn', rule: 'block', dataset: 'MNIST', variant: '', seed: 42 };
const events: EventRow[] = [
  { type: 'eval', epoch: 0, step: 0, test_loss: 2.3, test_acc: 0.1, eval_ms: 5 },
  { type: 'step', epoch: 1, step: 1, batch: 0, batch_size: 8, optimizer: 'gn', train_loss: 2.3, loss_after: 1.15, batch_loss_change_pct: -50, step_ms: 3, gn_min_rank: 8 },
  { type: 'step', epoch: 1, step: 2, batch: 1, batch_size: 8, optimizer: 'gn', train_loss: 2.1, loss_after: 1.05, batch_loss_change_pct: -50, step_ms: 3 },
  { type: 'eval', epoch: 1, step: 2, test_loss: 1.9, test_acc: 0.4, train_loss: 1.8, train_acc: 0.5, eval_ms: 5 },
  { type: 'failed', epoch: 2, step: 3, batch: 0, reason: 'non-finite loss' },
];

test('tidyRows: one number per row, timings dropped, a failed run ends with a failed row', () => {
  const t = tidyRows(labels, events);
  assert.deepEqual(t.map((r) => `${r.epoch}/${r.step}/${r.metric}`), [
    '0/0/test_loss', '0/0/test_acc',
    '1/1/batch_loss', '1/1/batch_loss_after', '1/1/batch_loss_change_pct', '1/1/gn_min_rank',
    '1/2/batch_loss', '1/2/batch_loss_after', '1/2/batch_loss_change_pct',
    '1/2/test_loss', '1/2/test_acc', '1/2/train_loss', '1/2/train_acc',
    '2/3/failed',
  ]);
  assert.ok(t.every((r) => Object.keys(r).join(',') === [...TABLE_COLUMNS].join(',') || Object.keys(r).sort().join() === [...TABLE_COLUMNS].sort().join()));
  assert.deepEqual(epochMean(t, 'batch_loss').map((r) => [r.epoch, r.step, r.metric, r.value]), [[1, 2, 'batch_loss_epoch_mean', 2.2]]);
  const w = wide(where(t, { metric: ['test_loss', 'test_acc'] }), 'epoch');
  assert.deepEqual(w.map((r) => [r.epoch, r.test_loss, r.test_acc]), [[0, 2.3, 0.1], [1, 1.9, 0.4]]);
});

test('CSV round trip keeps every value (NaN included) and quotes what needs quoting', () => {
  const t: TidyRow[] = [
    ...tidyRows(labels, events),
    { ...labels, curve: 'init std 1e-6, "gn"', variant: 'full batch', epoch: 3, step: 4, metric: 'test_loss', value: NaN },
  ];
  const text = tableToCsv(t, 'made by a test\nsecond line');
  assert.ok(text.startsWith('# made by a test\n# second line\nrun,curve,'));
  const back = tableFromCsv(text);
  assert.equal(back.length, t.length);
  assert.deepEqual(back.slice(0, -1), t.slice(0, -1));
  assert.equal(back.at(-1)!.curve, 'init std 1e-6, "gn"');
  assert.ok(Number.isNaN(back.at(-1)!.value));
});

test('a malformed table is refused with the line and what to do', () => {
  assert.throws(() => tableFromCsv('preset,optimizer\nx,y\n', 'old.csv'), /header must be run,curve,optimizer/);
  const header = TABLE_COLUMNS.join(',');
  assert.throws(() => tableFromCsv(`${header}\na,b,c\n`, 't.csv'), /line 2 has 3 fields, expected 11/);
  assert.throws(() => tableFromCsv(`${header}\nr,gn,gn,block,MNIST,,42,1,1,test_loss,abc\n`, 't.csv'), /line 2: value must be a number/);
  assert.throws(() => tableFromCsv(`${header}\nr,gn,gn,block,MNIST,,4.5,1,1,test_loss,1\n`, 't.csv'), /seed must be an integer/);
  assert.throws(() => readTable(join(tmpdir(), 'no-such-table.csv')), /regenerate it with the command in results\/README.md/);
});

test('the committed Figure 1 table (paper profile, MNIST) is judged by the live findings: GN converges far faster', () => {
  const committed = committedTables('fig1').find((c) => c.profile === 'paper');
  assert.ok(committed, 'results/fig1-mnist-paper.csv is committed');
  assert.equal(committed.profile, 'paper');
  assert.ok(committed.notes.some((n) => n.includes('scripts/export-results.ts --figure fig1')), 'the file says how to regenerate it');
  assert.deepEqual([...new Set(committed.table.map((r) => r.seed))], [42, 43, 44]);
  const f = fig1.findings(committed.table);
  const steps = f.find((x) => x.label.startsWith('steps until'))!;
  assert.equal(steps.verdict, 'shown', steps.why);
  assert.match(steps.label, /MNIST/);
  assert.equal(f.find((x) => x.label.startsWith('training loss at step 10 '))!.verdict, 'shown');
  const drawn = fig1.draw(committed.table, figureOptions({ profile: 'paper', progress: false, log: () => {} }));
  assert.equal(drawn[0]!.figure.data.filter((t) => /± std/.test(String(t.name))).length >= 3, true, 'bands across the three seeds');
});

test('committedTables: none when the folder is absent; the name gives figure and profile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-results-'));
  assert.deepEqual(committedTables(undefined, join(dir, 'absent')), []);
  writeFileSync(join(dir, 'fig2-mnist-medium.csv'), tableToCsv(tidyRows(labels, events)));
  const [c] = committedTables('fig2', dir);
  assert.equal(c!.figure, 'fig2');
  assert.equal(c!.profile, 'medium');
  assert.deepEqual(committedTables('fig1', dir), []);
});

test('tableFrame: the table as a danfojs DataFrame that a reader can filter and group', async () => {
  const df = await tableFrame(tidyRows(labels, events));
  assert.deepEqual(df.columns, [...TABLE_COLUMNS]);
  const tl = df.query(df['metric'].eq('test_loss'));
  assert.deepEqual(tl['value'].values.map((v: number) => Number(v.toFixed(4))), [2.3, 1.9]);
  const empty = await tableFrame([]);
  assert.deepEqual(empty.columns, [...TABLE_COLUMNS]);
});

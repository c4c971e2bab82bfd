// Committed results tables: the CSV reader (round trip, errors that name the problem), Figure 1's
// paper-profile findings computed from hand-made rows with known answers, and the committed table
// itself (well formed, one curve per optimizer and seed, steps in order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findingTable, paperFigure1Findings, paperFigure1Mnist, readResultsCsv, resultsDir, stepRanges } from '../../src/report/index.js';
import type { ResultRow } from '../../src/plots/rows.js';

const COLS = ['preset', 'optimizer', 'seed', 'status', 'epoch', 'step', 'train_loss', 'train_acc', 'test_loss', 'test_acc'];

/** Rows of one run: loss(step) and acc(step) given as functions. */
function run(opt: string, seed: number, steps: number, loss: (s: number) => number, acc: (s: number) => number, status = 'complete'): ResultRow[] {
  return Array.from({ length: steps + 1 }, (_, s) => ({
    preset: `fullbatch-mnist-${opt}`, optimizer: opt, seed, status, epoch: s, step: s,
    train_loss: loss(s), train_acc: acc(s), test_loss: loss(s) * 2, test_acc: 0.8 + seed / 1000,
  }));
}

function toCsv(rows: readonly ResultRow[]): string {
  return `${COLS.join(',')}\n${rows.map((r) => COLS.map((c) => String(r[c])).join(',')).join('\n')}\n`;
}

function byLabel(rows: readonly ResultRow[], start: string) {
  const f = paperFigure1Findings(rows).find((x) => x.label.startsWith(start));
  assert.ok(f, `no finding starting with "${start}"`);
  return f;
}

test('stepRanges: runs of consecutive steps become ranges', () => {
  assert.equal(stepRanges([]), 'none');
  assert.equal(stepRanges([4]), '4');
  assert.equal(stepRanges([1, 2, 3, 7, 9, 10]), '1-3, 7, 9-10');
});

test('readResultsCsv: round trip; numbers become numbers, text stays text', () => {
  const rows = run('gn', 42, 3, (s) => 2 / (s + 1), () => 0.5);
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-csv-'));
  const path = join(dir, 't.csv');
  writeFileSync(path, toCsv(rows));
  assert.deepEqual(readResultsCsv(path), rows);
});

test('readResultsCsv: a ragged line or a missing file is an error naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-csv-'));
  const path = join(dir, 'bad.csv');
  writeFileSync(path, 'a,b\n1,2\n3\n');
  assert.throws(() => readResultsCsv(path), /line 3 has 1 fields, expected 2/);
  assert.throws(() => readResultsCsv(join(dir, 'absent.csv')), /no such results table/);
  assert.equal(paperFigure1Mnist(join(dir, 'absent.csv')), null);
});

test('paperFigure1Findings: GN 10x below init at step 5 vs Adam 20, SGD never: the claim holds', () => {
  // loss = 2 * 0.63^s for GN hits 0.2 (= init/10) at step 5; Adam decays slower, SGD barely.
  const rows = [
    ...run('gn', 42, 30, (s) => 2 * 0.63 ** s, (s) => (s >= 6 ? 1 : 0.5)),
    ...run('gn', 43, 30, (s) => 2 * 0.62 ** s, (s) => (s >= 7 ? 1 : 0.5)),
    ...run('adam', 42, 30, (s) => 2 * 0.891 ** s, () => 0.9),
    ...run('sgd', 42, 30, (s) => 2 - s * 0.01, () => 0.3),
  ];
  const steps = byLabel(rows, 'steps until');
  assert.equal(steps.values.gn, 5);
  assert.equal(steps.values.adam, 20);
  assert.equal(steps.values.sgd, 'not reached by step 30');
  assert.equal(steps.holds, true);
  const last = byLabel(rows, 'training loss at step 30');
  assert.match(String(last.values.gn), /±/); // two GN seeds: mean ± std
  const lead = byLabel(rows, 'steps (of 1-30) at which GN has the lowest');
  assert.deepEqual(lead.values, { gn: '30 steps: 1-30', adam: 'below GN at none', sgd: 'below GN at none' });
  assert.equal(byLabel(rows, 'first step with 100%').values.gn, 7); // the seed mean reaches 1 when both do
  assert.equal(byLabel(rows, 'first step with 100%').values.adam, 'not by step 30');
  assert.equal(byLabel(rows, 'test accuracy').values.gn, '0.8425 ± 0.0005');
  assert.deepEqual(byLabel(rows, 'runs').values.gn, '2 seed(s) [42, 43], step 30');
  // Every finding becomes one table row with a column per optimizer.
  const table = findingTable(paperFigure1Findings(rows));
  assert.ok(table.every((r) => 'gn' in r && 'adam' in r && 'sgd' in r));
});

test('paperFigure1Findings: sooner but not "far" sooner, or a partial rival too short to tell, does not hold', () => {
  const close = [
    ...run('gn', 42, 30, (s) => 2 * 0.63 ** s, () => 1),
    ...run('adam', 42, 30, (s) => 2 * 0.7 ** s, () => 1), // reaches 0.2 at step 7 < 2 * 5
    ...run('sgd', 42, 30, (s) => 2 - s * 0.01, () => 0.3),
  ];
  assert.equal(byLabel(close, 'steps until').holds, false);
  const short = [
    ...run('gn', 42, 30, (s) => 2 * 0.63 ** s, () => 1),
    ...run('adam', 42, 8, (s) => 2 - s * 0.01, () => 0.5, 'partial'), // stopped at step 8 < 2 * 5
  ];
  assert.equal(byLabel(short, 'steps until').holds, false);
  assert.match(String(byLabel(short, 'runs').values.adam), /step 8, partial/);
  // The matched step is the shortest run's last step.
  assert.ok(paperFigure1Findings(short).some((f) => f.label.startsWith('training loss at step 8 ')));
  // Adam overtakes GN at step 7 (2 - 0.15 s < 1 from s = 7); SGD dips below GN at step 1 only.
  const overtaken = [
    ...run('gn', 42, 10, (s) => (s === 0 ? 2 : 1), () => 1),
    ...run('adam', 42, 10, (s) => 2 - s * 0.15, () => 1),
    ...run('sgd', 42, 10, (s) => (s === 1 ? 0.5 : 1.5), () => 1),
  ];
  assert.deepEqual(byLabel(overtaken, 'steps (of 1-10) at which GN').values, { gn: '5 steps: 2-6', adam: 'below GN at 7-10', sgd: 'below GN at 1' });
  const behind = [...run('gn', 42, 5, () => 2, () => 1), ...run('sgd', 42, 5, (s) => 2 - s * 0.1, () => 1)];
  assert.deepEqual(byLabel(behind, 'steps (of 1-5) at which GN').values, { gn: '0 steps: none', sgd: 'below GN at 1-5' });
});

test('the committed Figure 1 paper table is well formed', () => {
  const path = join(resultsDir(), 'fig1-mnist-paper.csv');
  assert.ok(existsSync(path), `${path} is missing: regenerate it with bash scripts/paper-fig1-mnist.sh`);
  const rows = readResultsCsv(path);
  assert.ok(rows.length > 0);
  assert.deepEqual(Object.keys(rows[0]!), COLS);
  for (const opt of ['gn', 'adam', 'sgd']) {
    const mine = rows.filter((r) => r.optimizer === opt);
    assert.ok(mine.length > 0, `no ${opt} rows`);
    for (const seed of new Set(mine.map((r) => r.seed))) {
      const steps = mine.filter((r) => r.seed === seed).map((r) => r.step as number);
      assert.deepEqual(steps, steps.map((_, i) => i), `${opt} seed ${seed}: steps must run 0, 1, 2, ...`);
      assert.ok(mine.filter((r) => r.seed === seed).every((r) => Number.isFinite(r.train_loss) && (r.train_acc as number) >= 0 && (r.train_acc as number) <= 1));
    }
  }
  const paper = paperFigure1Mnist(path);
  assert.ok(paper && paper.figure.data.length > 0);
  assert.ok(paperFigure1Findings(rows).length >= 4);
});

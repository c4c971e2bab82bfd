// Committed evidence round trip (issue 17): tiny real runs -> exportFigureTable (training rows plus
// the figure's checkpoint analysis) -> CSV -> read back -> the figure's own draw and findings,
// which must equal the live findings; for a table figure (Figure 4's NTK/CKA) and a runs figure
// (the appendix weights). Also the analysis-record encoding and the event-row rebuild on hand-made rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupBackend } from '../helpers/backend.js';
import { preset } from '../../src/experiments/presets.js';
import { analysisFromTable, analysisToTidy, ANALYSIS_RUN, eventRowsFromTidy, exportFigureTable, judgeCommitted, mergeWithPrevious, tableOptions } from '../../src/report/committed.js';
import { figureOptions, reproduceFigure, type FigureSpec, type RunRef, type RunsFigureSpec } from '../../src/report/figure.js';
import { fig4 } from '../../src/report/figures/fig4-ntk-cka.js';
import { appendixWeights } from '../../src/report/figures/appendix-weights.js';
import { readTable, tidyRows, writeTable, type TidyRow } from '../../src/report/table.js';
import { notStartedLine, partialNote, unfinishedLine } from '../../src/report/partial.js';
import { DataError } from '../../src/util/errors.js';
import type { EventRow } from '../../src/experiments/events.js';

const root = mkdtempSync(join(tmpdir(), 'exact-gn-committed-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** Tiny mini-batch MNIST runs (h 16, 64 images, batches of 32, 2 epochs, a checkpoint every epoch). */
function tinyRefs(): RunRef[] {
  const tiny = { model: { hidden: 16 }, dataset: { limitTrain: 64, limitTest: 64 }, batch: { mode: 'mini' as const, size: 32 }, epochs: 2, checkpointEpochs: [0, 1, 2] };
  return (['gn', 'adam'] as const).map((opt) => ({
    id: `MNIST/${opt}/42`, optimizer: opt, dataset: 'MNIST', seed: 42, preset: `minibatch-mnist-${opt}`, fellBack: false,
    config: preset(`minibatch-mnist-${opt}`, { profile: 'quick', seed: 42, overrides: { ...tiny, label: `tiny ${opt} (committed test)` } }),
  }));
}

const options = figureOptions({ profile: 'quick', seeds: [42], root, progress: false, log: () => {} });

test('table figure: Figure 4 on tiny runs, exported with its NTK/CKA analysis, read back, judged like the live run', async () => {
  await setupBackend();
  const spec: FigureSpec = { ...fig4, runs: () => tinyRefs() };
  const live = await reproduceFigure(spec, options);
  const exported = await exportFigureTable(spec, options, { root });
  assert.ok(exported.analysisRows > 0, 'the checkpoint analysis is in the table');
  assert.ok(exported.table.some((r) => r.metric === 'ntk_probe_cos_init' && r.epoch === 2));
  assert.ok(exported.table.some((r) => r.metric.startsWith('cka_init.')));
  const path = join(root, 'fig4-tiny-quick.csv');
  writeTable(path, exported.table, 'tiny round trip');
  const back = readTable(path);
  assert.equal(back.length, live.table.length);
  const judged = judgeCommitted(spec, back, 'quick');
  assert.deepEqual(judged.findings, live.findings);
  assert.ok(judged.figures.length > 0);
});

test('runs figure: the appendix weights on tiny runs, exported with its analysis records, rebuilt, judged like the live run', async () => {
  await setupBackend();
  const spec: RunsFigureSpec = { ...appendixWeights, runs: () => tinyRefs() };
  const live = await reproduceFigure(spec, options);
  const exported = await exportFigureTable(spec, options, { root });
  assert.ok(exported.analysisRows > 0);
  assert.ok(exported.table.some((r) => r.run === ANALYSIS_RUN && r.metric === 'weight_norm_ratio'));
  const path = join(root, 'appendix-weights-tiny-quick.csv');
  writeTable(path, exported.table);
  const judged = judgeCommitted(spec, readTable(path), 'quick');
  assert.deepEqual(judged.findings, live.findings);
  assert.equal(judged.figures.length, live.figures.length);
});

test('exportFigureTable: a missing run is a DataError naming the command that produces it', async () => {
  const spec: FigureSpec = { ...fig4, runs: () => tinyRefs().map((r) => ({ ...r, config: { ...r.config, epochs: 3 } })) };
  await assert.rejects(exportFigureTable(spec, options, { root: join(root, 'empty') }), (e: unknown) => e instanceof DataError && /exact-gn\.js run --preset minibatch-mnist-gn --profile quick --seed 42/.test(e.message));
});

test('exportFigureTable with allowPartial: a run not started is left out and listed, the finished ones are kept with their analysis', async () => {
  await setupBackend();
  const refs = tinyRefs();
  const absent = { ...refs[1]!, id: 'MNIST/adam-absent/42', config: { ...refs[1]!.config, label: 'tiny adam never run (committed test)' } };
  const spec: FigureSpec = { ...fig4, runs: () => [refs[0]!, absent] };
  await reproduceFigure({ ...fig4, runs: () => [refs[0]!] }, options);
  const exported = await exportFigureTable(spec, options, { root, allowPartial: true });
  assert.equal(exported.partial.length, 1, `partial: ${exported.partial.join('; ')}`);
  assert.match(exported.partial[0]!, /^MNIST\/adam-absent\/42 \(not started; produce it with: node bin\/exact-gn\.js run --preset minibatch-mnist-adam/);
  assert.ok(exported.table.every((r) => r.run !== 'MNIST/adam-absent/42'), 'no rows of the absent run');
  assert.ok(exported.table.some((r) => r.run === 'MNIST/gn/42' && r.metric === 'test_loss'), 'the finished run is kept');
  assert.ok(exported.analysisRows > 0, 'the analysis covers the finished run');
  await assert.rejects(exportFigureTable(spec, options, { root }), (e: unknown) => e instanceof DataError && /--allow-partial to export the other runs/.test(e.message));
});

// A new machine starts without runs/: the runs a committed table already has must not be trained
// again. Split a real export in two, as if each half had been exported on another machine, and
// merge: the table, read back, is judged exactly as the whole export is.
test('mergeWithPrevious: a fresh export of some runs plus the previous table of the others is judged like the whole export (table and runs figures)', async () => {
  await setupBackend();
  for (const base of [fig4, appendixWeights] as const) {
    const spec = { ...base, runs: () => tinyRefs() } as FigureSpec | RunsFigureSpec;
    const whole = await exportFigureTable(spec, options, { root });
    const owner = (r: TidyRow) => (r.run !== ANALYSIS_RUN ? r.run : `MNIST/${r.curve}/42`);
    const half = (id: string) => whole.table.filter((r) => owner(r) === id);
    const previous = { table: half('MNIST/gn/42'), notes: [partialNote(notStartedLine('MNIST/adam/42', 'node bin/exact-gn.js run ...'))] };
    const fresh = { table: half('MNIST/adam/42').map((r) => (r.run === ANALYSIS_RUN ? { ...r, step: r.step + 1000 } : r)), partial: [notStartedLine('MNIST/gn/42', 'node bin/exact-gn.js run ...')] };
    const merged = mergeWithPrevious(fresh, previous);
    assert.deepEqual(merged.fromPrevious, ['MNIST/gn/42'], base.id);
    assert.deepEqual(merged.partial, [], `${base.id}: both runs complete between the two sides`);
    assert.equal(merged.table.length, whole.table.length, base.id);
    const path = join(root, `${base.id}-merged-quick.csv`);
    writeTable(path, merged.table);
    assert.deepEqual(judgeCommitted(spec, readTable(path), 'quick').findings, judgeCommitted(spec, whole.table, 'quick').findings, base.id);
    if (base.id === 'appendix-weights') {
      const steps = merged.table.filter((r) => r.run === ANALYSIS_RUN).map((r) => r.step);
      assert.ok(steps.length > 0 && new Set(steps).size === analysisFromTable(merged.table).length, 'every analysis record keeps its own index');
    }
  }
});

test('mergeWithPrevious: per run the complete side wins (fresh first), else the side with rows; what neither has stays listed', () => {
  const row = (run: string, curve: string, metric: string, value: number, step = 0): TidyRow => ({ run, curve, optimizer: curve, rule: '', dataset: 'MNIST', variant: '', seed: 42, epoch: 1, step, metric, value });
  const record = (curve: string, step: number, value: number): TidyRow => ({ run: ANALYSIS_RUN, curve, optimizer: '', rule: '', dataset: 'MNIST', variant: JSON.stringify({ optimizer_label: curve }), seed: 42, epoch: 1, step, metric: 'weight_norm_ratio', value });
  const residual = (trained: string, step: number): TidyRow => ({ run: ANALYSIS_RUN, curve: `corrected step on the ${trained} run`, optimizer: '', rule: '', dataset: '', variant: JSON.stringify({ optimizer_label: `corrected step on the ${trained} run`, trained }), seed: 42, epoch: 1, step, metric: 'residual', value: 0.5 });
  const previous = {
    table: [row('MNIST/gn/42', 'gn', 'test_loss', 1), record('gn', 0, 1.5), residual('gn', 1), row('MNIST/adam/42', 'adam', 'test_loss', 2), row('MNIST/sgd/42', 'sgd', 'test_loss', 3), row('MNIST/sgd/42', 'sgd', 'test_loss', 3.1, 1)],
    notes: ['written by ...', partialNote(unfinishedLine('MNIST/adam/42', 1, 'run adam'))],
  };
  const fresh = {
    table: [row('MNIST/adam/42', 'adam', 'test_loss', 20), record('adam', 0, 2.5), row('MNIST/sgd/42', 'sgd', 'test_loss', 30)],
    partial: [notStartedLine('MNIST/gn/42', 'run gn'), unfinishedLine('MNIST/sgd/42', 1, 'run sgd'), notStartedLine('MNIST/gn (half-coupling)/42', 'run hc')],
  };
  const m = mergeWithPrevious(fresh, previous);
  assert.deepEqual(m.fromPrevious.sort(), ['MNIST/gn/42', 'MNIST/sgd/42'], 'gn: complete only there; sgd: complete there, unfinished here');
  assert.deepEqual(m.partial, [notStartedLine('MNIST/gn (half-coupling)/42', 'run hc')]);
  assert.deepEqual(m.table.filter((r) => r.run === 'MNIST/adam/42').map((r) => r.value), [20], 'adam: complete here, unfinished there');
  assert.deepEqual(m.table.filter((r) => r.run === 'MNIST/sgd/42').map((r) => r.value), [3, 3.1]);
  const records = m.table.filter((r) => r.run === ANALYSIS_RUN);
  assert.deepEqual(records.map((r) => [r.curve, r.step]), [['adam', 0], ['gn', 1], ['corrected step on the gn run', 2]], 'gn\'s records (the residual names it in `trained`) follow, re-indexed');
  // Only the previous side has an unfinished run: its rows and its partial line stay.
  const onlyPrev = mergeWithPrevious({ table: [], partial: [notStartedLine('MNIST/adam/42', 'run adam')] }, previous);
  assert.ok(onlyPrev.partial.some((l) => l.startsWith('MNIST/adam/42 (1 rows;')), onlyPrev.partial.join(' | '));
});

test('analysis records survive the tidy encoding (text fields, numbers, order); a broken variant is a DataError', () => {
  const records = [
    { kind: 'update', optimizer_label: 'gn', seed: 42, epoch: 1, update_rel_diff: 0.25, weight_rms: 1e-3 },
    { kind: 'residual', optimizer_label: 'corrected step on the gn run', trained: 'gn', which: 'block 1 (linear)', seed: 42, epoch: 1, block: 1, residual: 0.5 },
    { kind: 'note', optimizer_label: 'adam', seed: 43, epoch: 0 },
  ];
  const tidy = analysisToTidy(records);
  assert.ok(tidy.every((r) => r.run === ANALYSIS_RUN));
  assert.deepEqual(analysisFromTable(tidy), records);
  assert.throws(() => analysisFromTable([{ ...tidy[0]!, variant: '{not json' }]), DataError);
});

test('eventRowsFromTidy inverts tidyRows for the columns the table keeps; tableOptions reads profile, seeds and rule', () => {
  const events: EventRow[] = [
    { type: 'eval', epoch: 0, step: 0, test_loss: 2.3, test_acc: 0.1, eval_ms: 1 },
    { type: 'step', epoch: 1, step: 1, batch: 0, batch_size: 4, optimizer: 'gn', train_loss: 2.3, loss_after: 1.9, batch_loss_change_pct: -17.4, step_ms: 3, gn_min_rank: 4 },
    { type: 'step', epoch: 1, step: 2, batch: 1, batch_size: 4, optimizer: 'gn', train_loss: 2.0, loss_after: 1.7, batch_loss_change_pct: -15, step_ms: 3 },
    { type: 'eval', epoch: 1, step: 2, test_loss: 1.8, test_acc: 0.4, eval_ms: 1 },
  ];
  const labels = { run: 'MNIST/gn/43', curve: 'gn (half-coupling)', optimizer: 'gn', rule: 'half-coupling', dataset: 'MNIST', variant: '', seed: 43 };
  const tidy = tidyRows(labels, events);
  const back = eventRowsFromTidy(tidy);
  assert.deepEqual(back.map((r) => [r.type, r.epoch, r.step]), events.map((r) => [r.type, r.epoch, r.step]));
  assert.deepEqual(tidyRows(labels, back), tidy, 'the same tidy rows again');
  const o = tableOptions(tidy, 'medium');
  assert.equal(o.profile, 'medium');
  assert.deepEqual(o.seeds, [43]);
  assert.equal(o.rule, 'half-coupling');
});

test('showCommittedTables (the notebooks\' cell) judges every committed table of a figure, and says when there is none', async () => {
  const { showCommittedTables } = await import('../../src/report/show-committed.js');
  const { committedTables } = await import('../../src/report/results-csv.js');
  const log = console.log;
  const lines: string[] = [];
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    assert.equal(showCommittedTables(['fig1'], 'Figure 1'), committedTables('fig1').length);
    assert.equal(showCommittedTables(['fig2'], 'Figure 2', join(root, 'none')), 0);
  } finally {
    console.log = log;
  }
  assert.ok(lines.some((l) => /Figure 2 \(fig2\): no committed table yet/.test(l)));
  assert.throws(() => showCommittedTables(['fig9'], 'x'), /unknown figure "fig9"/);
});

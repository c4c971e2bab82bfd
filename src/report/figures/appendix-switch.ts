/**
 * Appendix · optimizer switching: half the epochs with one optimizer, then the other (Adam then
 * GN, and GN then Adam), next to plain GN and plain Adam. Claim: GN saturates even from
 * Adam-trained weights, and switching from GN to Adam lets training improve again.
 */
import type { UpdateRule } from '../../gn/step.js';
import { figureFromRows } from '../../plots/rows.js';
import { commonSettings, derivedSettings, gnLabel, type FigureOptions, type FigureRuns, type RunsFigureSpec, type Finding, type RunRef } from '../figure.js';
import { lastX, perRun, valueAt } from '../measures.js';
import { distinct, where, type ResultsTable } from '../table.js';
import { compareSeeds, meanStdText, type Judged } from '../verdict.js';
import { appendixDeviations, appendixRun, lossRows, pctChange, withVerticalMarker } from './appendix-shared.js';
import { batchChange } from './fig3-batch-change.js';
import { DATASET_LABEL } from './shared.js';

/** The curve label of a switching run, e.g. 'adam->gn' (or 'adam->gn (half-coupling)'). */
export function switchLabel(first: 'adam' | 'gn', then: 'adam' | 'gn', rule: UpdateRule): string {
  return `${first}->${then}${rule === 'block' ? '' : ' (half-coupling)'}`;
}

function datasets(o: FigureOptions): ('mnist' | 'cifar10')[] {
  return o.profile === 'quick' ? ['mnist'] : ['mnist', 'cifar10'];
}

/** The epoch after which the switching runs change optimizer (NaN when there is none). */
export function switchEpoch(runs: FigureRuns): number {
  const at = runs.refs.map((r) => r.config.switchAt?.epoch).find((e) => e !== undefined);
  return at ?? NaN;
}

/** Per seed: the test loss change (%) of `curve` from epoch `at` to its last evaluated epoch (negative = improved). */
export function testLossChangeAfter(table: ResultsTable, curve: string, at: number): number[] {
  return perRun(where(table, { curve, metric: 'test_loss' }), {}, 'epoch', (p) => pctChange(valueAt(p, at), valueAt(p, lastX(p))));
}

/** Per seed: the final test loss of `curve` (its last evaluated epoch). */
export function finalTestLoss(table: ResultsTable, curve: string): number[] {
  return perRun(where(table, { curve, metric: 'test_loss' }), {}, 'epoch', (p) => p[p.length - 1]?.value ?? NaN);
}

/**
 * The switching findings of one dataset's rows, per seed and three-valued (compareSeeds), with `at`
 * the epoch after which the switching runs change optimizer (default: half their last epoch, as
 * the presets switch):
 * 1. after switching to GN, the test loss improves less (its % change is higher) than if Adam had continued;
 * 2. switching from GN to Adam ends with a lower test loss than staying with GN;
 * 3. in adam->gn, the first GN epoch's mean per-batch change is more negative than the last Adam epoch's.
 * Each compares two optimizers from the same starting point; no fixed threshold.
 *
 * @example
 * switchFindingsOf(where(table, { dataset: 'MNIST' }), 'MNIST', 4).map((f) => f.verdict);
 */
export function switchFindingsOf(table: ResultsTable, panel: string, at?: number): Finding[] {
  const curves = distinct(table, 'curve');
  const adamGn = curves.find((c) => c.startsWith('adam->gn'));
  const gnAdam = curves.find((c) => c.startsWith('gn->adam'));
  const gn = curves.find((c) => c === 'gn' || c.startsWith('gn ('));
  const adam = curves.find((c) => c === 'adam');
  const last = Math.max(-Infinity, ...perRun(where(table, { curve: [adamGn ?? '', gnAdam ?? ''], metric: 'test_loss' }), {}, 'epoch', lastX).filter(Number.isFinite));
  const sw = at ?? Math.max(1, Math.floor(last / 2));
  const noData = (what: string): Judged => ({ verdict: 'inconclusive', why: `no data: ${what} missing (curves present: ${curves.join(', ') || 'none'})` });
  const tooShort: Judged | null = Number.isFinite(last) && last > sw ? null : { verdict: 'inconclusive', why: `too short: no epoch after the switch (epoch ${sw}, last ${last})` };
  const out: Finding[] = [];
  const change = { after: adamGn ? testLossChangeAfter(table, adamGn, sw) : [], adam: adam ? testLossChangeAfter(table, adam, sw) : [] };
  out.push({
    label: `test loss change from the switch (epoch ${sw}) to the end (%), ${panel}`,
    values: { [adamGn ?? 'adam->gn']: meanStdText(change.after), adam: meanStdText(change.adam) },
    claim: 'GN saturates even from Adam-trained weights: after switching to GN the test loss improves less than if Adam had continued',
    test: 'adam->gn\'s % change of the test loss after the switch is above plain Adam\'s over the same epochs, by more than 2 pooled std',
    ...(!adamGn || !adam ? noData('adam->gn or adam') : tooShort ?? compareSeeds(change.after, change.adam, { names: ['adam->gn', 'adam'], direction: 'above' })),
  });
  const finals = { switched: gnAdam ? finalTestLoss(table, gnAdam) : [], gn: gn ? finalTestLoss(table, gn) : [] };
  out.push({
    label: `final test loss, ${panel}`,
    values: { [gnAdam ?? 'gn->adam']: meanStdText(finals.switched), [gn ?? 'gn']: meanStdText(finals.gn) },
    claim: 'switching from GN to Adam ends with a lower test loss than staying with GN',
    test: 'gn->adam\'s final test loss is below plain GN\'s by more than 2 pooled std',
    ...(!gnAdam || !gn ? noData('gn->adam or gn') : tooShort ?? compareSeeds(finals.switched, finals.gn, { names: ['gn->adam', 'GN'] })),
  });
  const before = adamGn ? batchChange(table, adamGn, sw, sw) : [];
  const after = adamGn ? batchChange(table, adamGn, sw + 1, sw + 1) : [];
  out.push({
    label: `${adamGn ?? 'adam->gn'}: mean per-batch loss change (%) in the last Adam epoch and the first GN epoch, ${panel}`,
    values: { [`epoch ${sw} (adam)`]: meanStdText(before), [`epoch ${sw + 1} (gn)`]: meanStdText(after) },
    claim: 'right after the switch, each GN step cuts its own batch\'s loss more than the Adam steps before it',
    test: 'the first GN epoch\'s mean per-batch change is below the last Adam epoch\'s, on the same runs, by more than 2 pooled std',
    ...(!adamGn ? noData('adam->gn') : tooShort ?? compareSeeds(after, before, { names: [`epoch ${sw + 1} (gn)`, `epoch ${sw} (adam)`] })),
  });
  return out;
}

/** {@link switchFindingsOf} for each dataset of the table. */
export function switchFindings(table: ResultsTable, at?: number): Finding[] {
  const datasets = distinct(table, 'dataset');
  if (datasets.length === 0) return switchFindingsOf(table, 'empty table', at);
  return datasets.flatMap((ds) => switchFindingsOf(where(table, { dataset: ds }), ds, at));
}

export const appendixSwitching: RunsFigureSpec = {
  from: 'runs',
  id: 'appendix-switch',
  title: 'Appendix · Optimizer switching: Adam then GN, GN then Adam',
  claim: 'Switching optimizers halfway: GN saturates even when it starts from Adam-trained weights, while switching from GN to Adam lets the test loss improve again.',
  runs(o) {
    const refs: RunRef[] = [];
    for (const ds of datasets(o)) {
      const dataset = DATASET_LABEL[ds];
      for (const seed of o.seeds) {
        refs.push(appendixRun(`minibatch-${ds}-adam-then-gn`, { optimizer: switchLabel('adam', 'gn', o.rule), dataset }, o, seed));
        refs.push(appendixRun(`minibatch-${ds}-gn-then-adam`, { optimizer: switchLabel('gn', 'adam', o.rule), dataset }, o, seed));
        refs.push(appendixRun(`minibatch-${ds}-gn`, { optimizer: gnLabel(o.rule), dataset }, o, seed));
        refs.push(appendixRun(`minibatch-${ds}-adam`, { optimizer: 'adam', dataset }, o, seed));
      }
    }
    return refs;
  },
  draw(runs) {
    const o = runs.options;
    const at = switchEpoch(runs);
    const order = [switchLabel('adam', 'gn', o.rule), switchLabel('gn', 'adam', o.rule), gnLabel(o.rule), 'adam'];
    const fig = figureFromRows(lossRows(runs), {
      x: 'epoch', y: ['train_loss', 'test_loss', 'test_acc', 'batch_loss_change_pct'], groupBy: 'optimizer_label', seedKey: 'seed', panelBy: 'dataset',
      logY: ['train_loss', 'test_loss'], groupOrder: order,
      yTitles: { train_loss: 'training loss (epoch mean)', test_loss: 'test loss', test_acc: 'test accuracy', batch_loss_change_pct: 'per-batch loss change (%)' },
      title: 'Switching optimizer halfway through mini-batch training', name: 'appendix-switch',
    });
    return [{
      name: 'appendix-switch',
      figure: Number.isFinite(at) ? withVerticalMarker(fig, at, `switch after epoch ${at}`) : fig,
      caption: `adam->gn trains with Adam for ${at} epochs, then with GN; gn->adam the other way round; plain GN and Adam for reference. Rows: epoch-mean training loss, test loss, test accuracy, and the epoch-mean loss change of each batch right after its own update. Mean ± std over seeds. ${o.profile} profile, seeds ${o.seeds.join(', ')}, GN rule ${o.rule}.`,
    }];
  },
  findings: (runs) => switchFindings(runs.table, switchEpoch(runs)),
  settings(o) {
    const refs = this.runs(o);
    const d = derivedSettings(refs);
    const sw = refs.find((r) => r.config.switchAt !== undefined)?.config;
    return [
      ...commonSettings(o),
      { setting: 'switch', paper: '50 epochs of one optimizer, then 50 of the other', this_run: sw?.switchAt ? `${sw.switchAt.epoch} epochs, then ${sw.epochs - sw.switchAt.epoch}` : 'n/a' },
      { setting: 'data', paper: 'MNIST and CIFAR-10, batches of 1024 from the whole training set', this_run: d.data },
      { setting: 'model', paper: 'RevMLP h = 8000; MNIST 2 blocks, CIFAR-10 6 blocks', this_run: d.model },
      { setting: 'learning rates', paper: 'as Figure 2 (GN 0.1, Adam 1e-4)', this_run: d.lr },
    ];
  },
  deviations(o, runs) {
    return appendixDeviations(o, runs, o.profile === 'quick' ? ['quick profile: MNIST only (the paper profile adds CIFAR-10)'] : []);
  },
};

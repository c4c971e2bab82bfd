/**
 * Appendix · optimizer switching: half the epochs with one optimizer, then the other (Adam then
 * GN, and GN then Adam), next to plain GN and plain Adam. Claim: GN saturates even from
 * Adam-trained weights, and switching from GN to Adam lets training improve again.
 */
import type { UpdateRule } from '../../gn/step.js';
import { figureFromRows } from '../../plots/rows.js';
import { commonSettings, datasetsOf, derivedSettings, gnLabel, type FigureOptions, type FigureRuns, type RunsFigureSpec, twoValued, type Finding, type RunRef } from '../figure.js';
import { appendixDeviations, appendixRun, epochMeanAt, evalAt, finalEval, lastEvalEpoch, lossRows, num4, pctChange, withVerticalMarker } from './appendix-shared.js';
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
  findings(runs) {
    const o = runs.options;
    const gn = gnLabel(o.rule);
    const adamGn = switchLabel('adam', 'gn', o.rule);
    const gnAdam = switchLabel('gn', 'adam', o.rule);
    const at = switchEpoch(runs);
    return datasetsOf(runs).flatMap((ds): Finding[] => {
      const inDs = (r: { dataset?: unknown }) => r.dataset === ds;
      const afterSwitch = (l: string) => pctChange(evalAt(runs, l, 'test_loss', at, inDs), evalAt(runs, l, 'test_loss', lastEvalEpoch(runs, l, inDs), inDs));
      const changes = { [adamGn]: afterSwitch(adamGn), adam: afterSwitch('adam') };
      const finals = { [gnAdam]: finalEval(runs, gnAdam, 'test_loss', inDs), [gn]: finalEval(runs, gn, 'test_loss', inDs) };
      const before = epochMeanAt(runs, adamGn, 'batch_loss_change_pct', at, inDs);
      const after = epochMeanAt(runs, adamGn, 'batch_loss_change_pct', at + 1, inDs);
      return [
        {
          label: `test loss change from the switch (epoch ${at}) to the end (%), ${ds}`,
          values: Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, num4(v)])),
          claim: 'GN saturates even from Adam-trained weights: after switching to GN the test loss improves less than if Adam had continued',
          verdict: twoValued(changes[adamGn]! > changes.adam!),
        },
        {
          label: `final test loss, ${ds}`,
          values: Object.fromEntries(Object.entries(finals).map(([k, v]) => [k, num4(v)])),
          claim: 'switching from GN to Adam ends with a lower test loss than staying with GN',
          verdict: twoValued(finals[gnAdam]! < finals[gn]!),
        },
        {
          label: `${adamGn}: mean per-batch loss change (%) in the last Adam epoch and the first GN epoch, ${ds}`,
          values: { [`epoch ${at} (adam)`]: num4(before), [`epoch ${at + 1} (gn)`]: num4(after) },
          claim: 'right after the switch, each GN step cuts its own batch\'s loss more than the Adam steps before it',
          verdict: twoValued(after < before),
        },
      ];
    });
  },
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

/**
 * Appendix · mini-batch comparison with test accuracy: the runs of Figure 2 (mini-batch MNIST and
 * CIFAR-10, GN vs Adam vs SGD), drawn as test accuracy and the generalization gap (test loss minus
 * the epoch-mean training loss). Claim: GN ends with the lowest test accuracy, and its accuracy
 * stops improving early.
 */
import { figureFromRows, type ResultRow } from '../../plots/rows.js';
import { commonSettings, derivedSettings, epochMeans, gnLabel, type FigureRuns, type RunsFigureSpec, type Finding } from '../figure.js';
import { lastX, perRun, testSetSize, valueAt } from '../measures.js';
import { distinct, where, type ResultsTable } from '../table.js';
import { accuracyNoise, compareAccuracies, compareSeeds, meanStdText, seedStats } from '../verdict.js';
import { fig2 } from './fig2-minibatch.js';
import { appendixDeviations } from './appendix-shared.js';

/** Per run and epoch >= 1: test loss minus the epoch-mean training loss (the generalization gap). */
export function gapRows(runs: FigureRuns): ResultRow[] {
  const train = new Map(epochMeans(runs, ['train_loss']).map((r) => [`${r.run}|${r.epoch}`, r.train_loss as number]));
  return runs.rows.filter((r) => r.type === 'eval' && train.has(`${r.run}|${r.epoch}`)).map((r) => ({
    epoch: r.epoch, optimizer_label: r.optimizer_label, dataset: r.dataset, seed: r.seed, run: r.run,
    generalization_gap: (r.test_loss as number) - train.get(`${r.run}|${r.epoch}`)!,
  }));
}

/**
 * The test-accuracy findings per dataset, per seed from the table and three-valued (compareSeeds):
 * each other optimizer ends with a higher test accuracy than GN (one finding each, so Adam's does
 * not hang on SGD's; tolerance 2 binomial SE of the difference on the test set, or 2 pooled std);
 * and GN gains less test accuracy over the second half of training (epochs floor(E/2)..E) than Adam.
 *
 * @example
 * testAccuracyFindings(table, 'gn').map((f) => f.verdict);
 */
export function testAccuracyFindings(table: ResultsTable, gn = 'gn'): Finding[] {
  const datasets = distinct(table, 'dataset');
  return (datasets.length ? datasets : ['empty table']).flatMap((ds): Finding[] => {
    const mine = where(table, { dataset: ds, metric: 'test_acc' });
    const labels = distinct(mine, 'curve');
    const others = labels.filter((l) => l !== gn);
    const final = Object.fromEntries(labels.map((l) => [l, perRun(mine, { curve: l }, 'epoch', (p) => p[p.length - 1]?.value ?? NaN)]));
    const gain = Object.fromEntries(labels.map((l) => [l, perRun(mine, { curve: l }, 'epoch', (p) => {
      const E = lastX(p);
      return valueAt(p, E) - valueAt(p, Math.floor(E / 2));
    })]));
    const none = { verdict: 'inconclusive' as const, why: `no data: GN (${gn}) and a rival are needed (curves: ${labels.join(', ') || 'none'})` };
    const nTest = testSetSize(mine);
    const n = Number.isFinite(nTest) ? String(nTest) : '(unknown number of)';
    const mean = (v: readonly number[] | undefined) => seedStats(v ?? []).mean;
    // A gain is a difference of two accuracies per curve: its noise adds four binomial variances.
    const gainAt = (l: string) => perRun(mine, { curve: l }, 'epoch', (p) => valueAt(p, Math.floor(lastX(p) / 2)));
    const gainNoise = (l: string) => Math.hypot(accuracyNoise(mean(final[gn]), mean(final[l]), nTest), accuracyNoise(mean(gainAt(gn)), mean(gainAt(l)), nTest));
    const out: Finding[] = (others.length ? others : ['adam']).map((l) => ({
      label: `final test accuracy, ${l} vs GN, ${ds}`,
      values: Object.fromEntries(labels.map((x) => [x, meanStdText(final[x]!, 4)])),
      claim: `${l} ends with a higher test accuracy than GN`,
      test: `${l}'s final test accuracy is above GN's by more than 2 binomial standard errors of the difference on the ${n} test images (or 2 pooled std, if larger)`,
      ...(!final[gn] || !final[l] ? none : compareAccuracies(final[l]!, final[gn]!, nTest, { names: [l, 'GN'] })),
    }));
    out.push({
      label: `test accuracy gained over the second half of training, ${ds}`,
      values: Object.fromEntries(labels.map((l) => [l, meanStdText(gain[l]!, 3)])),
      claim: 'GN\'s test accuracy saturates early: it gains less over the second half than Adam',
      test: `GN's test accuracy gain from epoch floor(E/2) to E is below Adam's by more than 2 pooled std, and by more than 2 binomial standard errors (${n} test images)`,
      ...(!gain[gn] || !gain.adam ? none : compareSeeds(gain[gn]!, gain.adam!, { names: ['GN', 'adam'], noise: gainNoise('adam'), noiseName: 'binomial SE' })),
    });
    return out;
  });
}

export const appendixTestAccuracy: RunsFigureSpec = {
  from: 'runs',
  id: 'appendix-test-accuracy',
  title: 'Appendix · Mini-batch comparison with test accuracy',
  claim: 'With mini-batches, GN ends with a lower test accuracy than Adam and SGD, and its test accuracy stops improving early.',
  runs: (o) => fig2.runs(o),
  draw(runs) {
    const o = runs.options;
    const order = [gnLabel(o.rule), 'adam', 'sgd'];
    const acc = runs.rows.filter((r) => r.type === 'eval') as unknown as ResultRow[];
    return [
      {
        name: 'appendix-test-accuracy',
        figure: figureFromRows([...acc, ...gapRows(runs)], {
          x: 'epoch', y: ['test_acc', 'generalization_gap'], groupBy: 'optimizer_label', seedKey: 'seed', panelBy: 'dataset', groupOrder: order,
          yTitles: { test_acc: 'test accuracy', generalization_gap: 'test − training loss' }, title: 'Mini-batch test accuracy and generalization gap', name: 'appendix-test-accuracy',
        }),
        caption: `Test accuracy, and test loss minus the epoch-mean training loss, vs epoch; mean ± std over seeds. Same runs as Figure 2. ${o.profile} profile, seeds ${o.seeds.join(', ')}, GN rule ${o.rule}.`,
      },
    ];
  },
  findings: (runs) => testAccuracyFindings(runs.table, gnLabel(runs.options.rule)),
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'runs', paper: 'the mini-batch runs of Figure 2', this_run: 'the same runs as Figure 2 here (shared cache)' },
      { setting: 'data', paper: 'batches of 1024 from the whole training set; CIFAR RandomResizedCrop; full test set', this_run: d.data },
      { setting: 'model', paper: 'RevMLP h = 8000; MNIST 2 blocks, CIFAR-10 6 blocks', this_run: d.model },
      { setting: 'epochs', paper: '100', this_run: d.epochs },
      { setting: 'learning rates', paper: 'MNIST GN 0.1, Adam 1e-4, SGD 0.1; CIFAR-10 GN 0.1, Adam 1e-4, SGD 0.01', this_run: d.lr },
    ];
  },
  deviations: (o, runs) => appendixDeviations(o, runs, [], false),
};

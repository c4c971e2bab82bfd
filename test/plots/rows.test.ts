import { test } from 'node:test';
import assert from 'node:assert/strict';
import { figureFromRows, seedBand, type PlotlyTrace, type ResultRow } from '../../src/plots/index.js';
import { Rng } from '../../src/util/rng.js';

/** A synthetic results table: datasets x optimizers x seeds x steps, with some holes. */
function table(): { rows: ResultRow[]; truth: Map<string, number[][]> } {
  const rng = new Rng(3);
  const rows: ResultRow[] = [];
  const truth = new Map<string, number[][]>();
  for (const dataset of ['mnist', 'cifar10']) {
    for (const optimizer of ['gn', 'adam']) {
      const ys: number[][] = [];
      for (const seed of [42, 43, 44]) {
        const y: number[] = [];
        for (let step = 0; step < 6; step++) {
          const v = step === 3 && seed === 43 ? NaN : Math.exp(-step * (optimizer === 'gn' ? 0.5 : 0.1)) + 0.01 * rng.uniform();
          y.push(v);
          // rows in a shuffled-ish order, numbers sometimes as strings (as a CSV reader gives them)
          rows.push({ dataset, optimizer, seed, step: seed === 44 ? String(step) : step, train_loss: Number.isNaN(v) ? '' : v, test_acc: 0.5 });
        }
        ys.push(y);
      }
      truth.set(`${dataset}/${optimizer}`, ys);
    }
  }
  rows.reverse();
  return { rows, truth };
}

test('figureFromRows groups by optimizer, bands over seeds, panels by y x dataset', () => {
  const { rows, truth } = table();
  const fig = figureFromRows(rows, { x: 'step', y: ['train_loss', 'test_acc'], groupBy: 'optimizer', seedKey: 'seed', panelBy: 'dataset', logY: ['train_loss'], groupOrder: ['gn'], panelOrder: ['mnist'] });
  // 2 y x 2 datasets = 4 panels, each with 2 optimizers x (band + line)
  assert.equal(fig.data.length, 16);
  assert.equal(fig.layout.yaxis?.type, 'log');
  assert.equal(fig.layout.yaxis3?.type, undefined);
  assert.deepEqual(fig.layout.annotations?.map((a) => a.text), ['<b>mnist</b>', '<b>cifar10</b>']);
  assert.equal(fig.layout.yaxis?.title?.text, 'train_loss');
  assert.equal(fig.layout.yaxis3?.title?.text, 'test_acc');
  assert.equal(fig.layout.xaxis3?.title?.text, 'step');
  // seeds come in order of first appearance (rows are reversed: 44, 43, 42), so the sums match exactly
  // panel 2 (cifar10, train_loss) -> axes x2/y2; gn first thanks to groupOrder
  const panel2 = fig.data.filter((t) => t.xaxis === 'x2');
  const expected: PlotlyTrace[] = [
    ...seedBand({ x: [0, 1, 2, 3, 4, 5], ys: [...truth.get('cifar10/gn')!].reverse() }, { name: 'gn', logY: true, xaxis: 'x2', yaxis: 'y2', showlegend: false }),
    ...seedBand({ x: [0, 1, 2, 3, 4, 5], ys: [...truth.get('cifar10/adam')!].reverse() }, { name: 'adam', logY: true, xaxis: 'x2', yaxis: 'y2', showlegend: false }),
  ];
  assert.deepEqual(panel2, expected);
  assert.deepEqual(fig.data.filter((t) => t.showlegend).map((t) => t.name), ['gn', 'adam']);
});

test('figureFromRows without grouping draws one curve named after y', () => {
  const fig = figureFromRows([{ step: 1, loss: 2 }, { step: 0, loss: 3 }], { x: 'step', y: 'loss' });
  assert.equal(fig.data.length, 1);
  assert.deepEqual(fig.data[0]?.x, [0, 1]);
  assert.deepEqual(fig.data[0]?.y, [3, 2]);
  assert.equal(fig.data[0]?.name, 'loss');
});

test('figureFromRows names a missing column and refuses duplicate points', () => {
  assert.throws(() => figureFromRows([{ step: 0, loss: 1 }], { x: 'step', y: 'train_loss' }), /column "train_loss" is in no row; columns are \["step", "loss"\]/);
  assert.throws(
    () => figureFromRows([{ step: 0, loss: 1, optimizer: 'gn' }, { step: 0, loss: 2, optimizer: 'gn' }], { x: 'step', y: 'loss', groupBy: 'optimizer' }),
    /two rows with step=0 for loss \(optimizer=gn\)/,
  );
  // a row without a value for y is not a duplicate
  const fig = figureFromRows([{ step: 0, loss: 1 }, { step: 0, acc: 0.5 }], { x: 'step', y: 'loss' });
  assert.deepEqual(fig.data[0]?.y, [1]);
  assert.throws(() => figureFromRows([], { x: 'step', y: 'loss' }), /no rows/);
});

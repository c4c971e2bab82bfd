import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linePanel, panelGrid, lineFigure, colorFor, type Figure, type PlotlyAxis } from '../../src/plots/index.js';

const series = (name: string, scale = 1) => ({ name, x: [0, 1, 2], ys: [[3 * scale, 2 * scale, 1 * scale], [4 * scale, 2 * scale, 1 * scale]] });

function axis(fig: Figure, kind: 'x' | 'y', k: number): PlotlyAxis {
  const key = k === 0 ? `${kind}axis` : `${kind}axis${k + 1}`;
  const a = (fig.layout as unknown as Record<string, PlotlyAxis | undefined>)[key];
  assert.ok(a !== undefined, `layout.${key} missing`);
  return a;
}

test('panelGrid lays panels out row-major with disjoint domains inside [0, 1]', () => {
  const panels = Array.from({ length: 5 }, (_, k) => linePanel([series('gn'), series('adam')], { title: `p${k}` }));
  const fig = panelGrid(panels, { rows: 2, cols: 3, xTitle: 'step', yTitle: 'loss' });
  const boxes = panels.map((_, k) => ({ x: axis(fig, 'x', k).domain as [number, number], y: axis(fig, 'y', k).domain as [number, number] }));
  for (const b of boxes) for (const d of [b.x, b.y]) assert.ok(d[0] >= 0 && d[1] <= 1 + 1e-12 && d[0] < d[1], `domain ${d}`);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!, b = boxes[j]!;
      const overlapX = a.x[0] < b.x[1] && b.x[0] < a.x[1];
      const overlapY = a.y[0] < b.y[1] && b.y[0] < a.y[1];
      assert.ok(!(overlapX && overlapY), `panels ${i} and ${j} overlap`);
    }
  }
  // row-major: panel 1 right of panel 0, panel 3 below panel 0
  assert.ok(boxes[1]!.x[0] > boxes[0]!.x[1]);
  assert.ok(boxes[3]!.y[1] < boxes[0]!.y[0]);
  // traces point at their panel's axes, anchors pair up
  for (const t of fig.data) assert.match(`${t.xaxis}${t.yaxis}`, /^x(\d*)y\1$/);
  assert.equal(axis(fig, 'x', 4).anchor, 'y5');
  // x title on the bottom panel of each column (panels 3, 4 and 2), y title on the first column
  assert.deepEqual([0, 1, 2, 3, 4].map((k) => axis(fig, 'x', k).title?.text), [undefined, undefined, 'step', 'step', 'step']);
  assert.deepEqual([0, 1, 2, 3, 4].map((k) => axis(fig, 'y', k).title?.text), ['loss', undefined, undefined, 'loss', undefined]);
  assert.deepEqual(fig.layout.annotations?.map((a) => a.text), ['<b>p0</b>', '<b>p1</b>', '<b>p2</b>', '<b>p3</b>', '<b>p4</b>']);
});

test('one legend entry per optimizer across panels, colors consistent, log axes per panel', () => {
  const fig = panelGrid(
    [linePanel([series('gn'), series('adam')]), linePanel([series('adam'), series('sgd'), series('gn')])],
    { logY: [true, false], titles: ['MNIST', 'CIFAR-10'] },
  );
  const legend = fig.data.filter((t) => t.showlegend).map((t) => t.name);
  assert.deepEqual(legend, ['gn', 'adam', 'sgd']);
  for (const t of fig.data) {
    const name = (t.legendgroup ?? '') as string;
    assert.equal(t.line?.color === 'rgba(0,0,0,0)' ? colorFor(name) : t.line?.color, colorFor(name));
  }
  assert.equal(axis(fig, 'y', 0).type, 'log');
  assert.equal(axis(fig, 'y', 1).type, undefined);
  assert.equal(fig.data.length, 10); // 5 curves x (band + line)
});

test('grid shape errors say what to change', () => {
  const p = linePanel([series('gn')]);
  assert.throws(() => panelGrid([p, p, p], { rows: 1, cols: 2 }), /1x2 grid cannot hold 3 panels/);
  assert.throws(() => panelGrid([]), /no panels/);
  assert.throws(() => panelGrid([p, p], { logY: [true] }), /1 entries for 2 panels/);
  assert.throws(() => panelGrid([p], { cols: 0 }), /positive integer/);
});

test('lineFigure: one panel; titles are escaped', () => {
  const fig = lineFigure([series('gn')], { title: 'a<b', yTitle: 'loss', logY: true, name: 'f1' });
  assert.equal(fig.layout.title?.text, 'a&lt;b');
  assert.equal(axis(fig, 'y', 0).type, 'log');
  assert.equal(fig.name, 'f1');
});

test('names that are not optimizers get distinct colors within a figure; optimizers keep theirs', () => {
  const names = ['relu', 'tanh', 'sigmoid', 'gn'];
  const fig = panelGrid([linePanel(names.map((n) => series(n)))]);
  const lineColor = (n: string) => fig.data.find((t) => t.name === n)?.line?.color;
  const others = ['relu', 'tanh', 'sigmoid'].map(lineColor);
  assert.equal(new Set(others).size, 3);
  assert.ok(!others.includes(colorFor('gn')));
  assert.equal(lineColor('gn'), colorFor('gn'));
  const explicit = panelGrid([linePanel([{ ...series('relu'), color: '#000000' }])]);
  assert.equal(explicit.data.at(-1)?.line?.color, '#000000');
});

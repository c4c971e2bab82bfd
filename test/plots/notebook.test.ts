import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PLOT_CLASS, PLOTLY_SCRIPT_ATTR, inNotebook, lineFigure, show, showTable } from '../../src/plots/index.js';

const fig = lineFigure([{ name: 'adam', x: [0, 1], ys: [[1, 0.5]] }]);
const hasPlotly = (html: string): boolean => html.includes(`${PLOTLY_SCRIPT_ATTR}=`);

type Hook = { require: (id: string) => unknown };
const g = globalThis as { __tslab__?: Hook };

test('outside a kernel, show() returns self-contained HTML each time', () => {
  assert.equal(inNotebook(), false);
  const a = show(fig, { name: 'one' });
  const b = show(fig);
  assert.ok(a !== undefined && b !== undefined);
  assert.ok(hasPlotly(a) && hasPlotly(b));
  assert.match(a, new RegExp(`class="${PLOT_CLASS}" id="exact-gn-plot-[0-9a-f]{8}-\\d+" data-figure="one"`));
  assert.match(b, /data-figure="figure-\d+"/);
  assert.match(showTable([{ a: 1 }]) ?? '', /<table/);
});

test('in a tslab kernel, Plotly is embedded by the first show() only (unless asked), ids are unique', () => {
  const outputs: string[] = [];
  g.__tslab__ = { require: (id) => (id === 'tslab' ? { display: { html: (s: string) => outputs.push(s) } } : undefined) };
  try {
    assert.equal(inNotebook(), true);
    assert.equal(show(fig), undefined);
    assert.equal(show(fig), undefined);
    assert.equal(show(fig, { embedPlotly: true }), undefined);
    assert.equal(showTable([{ a: 1 }]), undefined);
    assert.equal(outputs.length, 4);
    assert.deepEqual(outputs.slice(0, 3).map(hasPlotly), [true, false, true]);
    const ids = outputs.slice(0, 3).map((o) => /class="exact-gn-plot" id="([^"]+)"/.exec(o)?.[1]);
    assert.equal(new Set(ids).size, 3);
    assert.match(outputs[3] ?? '', /^<table class="exact-gn-table">/);
  } finally {
    delete g.__tslab__;
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PLOT_CLASS, PLOTLY_SCRIPT_ATTR, inNotebook, lineFigure, show, showTable } from '../../src/plots/index.js';

const fig = lineFigure([{ name: 'adam', x: [0, 1], ys: [[1, 0.5]] }]);
const hasPlotly = (html: string): boolean => html.includes(`${PLOTLY_SCRIPT_ATTR}=`);

type Hook = { require: ((id: string) => unknown) & { cache?: object } };
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

test('in tslab 1.0, a figure is one bundle: HTML with a static PNG, the Plotly JSON, plain text; HTML only without the writer', async () => {
  const { prepareRaster, STATIC_CLASS } = await import('../../src/plots/index.js');
  assert.equal(await prepareRaster(), true);
  const bundles: { data: Record<string, unknown>; update: boolean }[] = [];
  const html: string[] = [];
  const cache: Record<string, { exports: unknown }> = {
    '/somewhere/node_modules/other/dist/jupyter.js': { exports: { lastWriteDisplayData: () => assert.fail('not tslab') } },
    '/somewhere/node_modules/tslab/dist/jupyter.js': { exports: { lastWriteDisplayData: (c: { data: Record<string, unknown> }, update: boolean) => bundles.push({ data: c.data, update }) } },
  };
  const req = Object.assign((id: string) => (id === 'tslab' ? { display: { html: (s: string) => html.push(s) } } : undefined), { cache });
  g.__tslab__ = { require: req };
  try {
    assert.equal(show(fig, { name: 'bundle' }), undefined);
    assert.equal(html.length, 0);
    assert.equal(bundles.length, 1);
    const b = bundles[0]!;
    assert.equal(b.update, false);
    assert.deepEqual(Object.keys(b.data).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
    const plotly = b.data['application/vnd.plotly.v1+json'] as { data: unknown[]; layout: object };
    assert.deepEqual(plotly.data, JSON.parse(JSON.stringify(fig.data)));
    assert.equal(b.data['text/plain'], 'Figure "bundle"');
    const h = b.data['text/html'] as string;
    assert.match(h, new RegExp(`<img class="${STATIC_CLASS}" src="data:image/png;base64,iVBORw0KGgo[A-Za-z0-9+/=]+"`));
    assert.match(h, /Static image of figure "bundle"/);
    show(fig, { staticImage: false });
    assert.doesNotMatch(bundles[1]!.data['text/html'] as string, new RegExp(`<img class="${STATIC_CLASS}"`));
    delete (cache as Record<string, unknown>)['/somewhere/node_modules/tslab/dist/jupyter.js'];
    show(fig);
    assert.equal(bundles.length, 2);
    assert.equal(html.length, 1, 'no bundle writer: plain HTML through tslab display');
    assert.match(html[0]!, new RegExp(`<img class="${STATIC_CLASS}"`));
  } finally {
    delete g.__tslab__;
  }
});

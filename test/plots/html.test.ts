import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  PLOT_CLASS, PLOTLY_SCRIPT_ATTR, figureHtml, lineFigure, plotlySource, plotlyVersion, scriptJson, tableHtml,
  toStandaloneHtml, type Figure,
} from '../../src/plots/index.js';

const fig = (name: string, title = name): Figure =>
  lineFigure([{ name: 'gn', x: [0, 1], ys: [[1, NaN], [2, 0.5]] }], { title, name });

/** Count of non-overlapping occurrences. */
const count = (text: string, needle: string): number => text.split(needle).length - 1;

/** The JSON given to `var fig = ...;` in each figure script. */
function figureSpecs(html: string): unknown[] {
  return [...html.matchAll(/var fig = (.*);\n/g)].map((m) => JSON.parse(m[1] as string));
}

const PLOTLY_BANNER = `plotly.js v${plotlyVersion()}`;

test('the inlined Plotly source is the installed bundle, with no closing script tag', () => {
  const file = createRequire(import.meta.url).resolve('plotly.js-dist-min');
  const raw = readFileSync(file, 'utf8');
  const src = plotlySource();
  assert.equal(src.length, raw.length + count(raw.toLowerCase(), '</script'));
  assert.ok(!/<\/script/i.test(src));
  assert.equal(count(raw, PLOTLY_BANNER), 1);
});

test('standalone HTML inlines Plotly exactly once and has one div + newPlot per figure', () => {
  const figs = [fig('loss'), fig('acc', 'a </script><b>'), fig('ntk')];
  const html = toStandaloneHtml(figs, { title: 'T & co' });
  assert.equal(count(html, PLOTLY_BANNER), 1);
  assert.equal(count(html, `${PLOTLY_SCRIPT_ATTR}=`), 1);
  assert.equal(count(html, `class="${PLOT_CLASS}"`), 3);
  assert.deepEqual([...html.matchAll(/data-figure="([^"]*)"/g)].map((m) => m[1]), ['loss', 'acc', 'ntk']);
  assert.equal(count(html, 'P.newPlot(el, fig.data, fig.layout, fig.config)'), 3);
  assert.ok(html.indexOf(PLOTLY_BANNER) < html.indexOf(`class="${PLOT_CLASS}"`), 'Plotly comes before the figures');
  assert.match(html, /<title>T &amp; co<\/title>/);
  assert.equal(count(html, '</script>'), 4); // the Plotly script + one per figure; the title did not end a script
  // the figure data survive the round trip through the escaped JSON (NaN -> null)
  const specs = figureSpecs(html) as { data: unknown; layout: unknown }[];
  assert.equal(specs.length, 3);
  specs.forEach((s, k) => {
    assert.deepEqual(s.data, JSON.parse(JSON.stringify(figs[k]!.data)));
    assert.deepEqual(s.layout, JSON.parse(JSON.stringify(figs[k]!.layout)));
  });
});

test('a report page has sections with escaped text, figures and tables', () => {
  const html = toStandaloneHtml({
    title: 'Run',
    intro: 'first <p>\n\nsecond',
    sections: [{ title: 'Loss', figures: [fig('a'), fig('b')] }, { title: 'Table', tables: [[{ k: 1 }]], html: '<i>raw</i>' }],
  });
  assert.equal(count(html, PLOTLY_BANNER), 1);
  assert.equal(count(html, `class="${PLOT_CLASS}"`), 2);
  assert.match(html, /<p>first &lt;p&gt;<\/p>\n<p>second<\/p>/);
  assert.match(html, /<h2>Loss<\/h2>/);
  assert.match(html, /<i>raw<\/i>/);
  assert.match(html, /<table class="exact-gn-table">/);
  assert.deepEqual([...html.matchAll(/ id="(fig-\d+)"/g)].map((m) => m[1]), ['fig-1', 'fig-2']);
});

test('figureHtml escapes the name and embeds no Plotly', () => {
  const html = figureHtml(fig('x'), { id: 'f"1', name: '<n>' });
  assert.match(html, /id="f&quot;1" data-figure="&lt;n&gt;"/);
  assert.match(html, /var id = "f\\"1";/);
  assert.equal(count(html, PLOTLY_BANNER), 0);
});

test('scriptJson leaves no characters that could close a script', () => {
  const value = { s: '</script><!-- \u2028 & >' };
  const text = scriptJson(value);
  assert.ok(!/[<>&\u2028]/.test(text));
  assert.deepEqual(JSON.parse(text), value);
});

test('tableHtml formats numbers, escapes text, handles DataFrame-like input and truncation', () => {
  const rows = [{ name: '<gn>', loss: 0.123456, steps: 100, x: NaN }, { name: 'adam', loss: 1e-9, extra: true }];
  const html = tableHtml(rows, { digits: 3 });
  assert.match(html, /<th>name<\/th><th>loss<\/th><th>steps<\/th><th>x<\/th><th>extra<\/th>/);
  assert.match(html, /<td>&lt;gn&gt;<\/td><td>0.123<\/td><td>100<\/td><td>NaN<\/td><td><\/td>/);
  assert.match(html, /<td>adam<\/td><td>1e-9<\/td><td><\/td><td><\/td><td>true<\/td>/);
  const df = { columns: ['a', 'b'], values: [[1, 'x'], [2, 'y'], [3, 'z']] };
  const t = tableHtml(df, { maxRows: 2 });
  assert.equal(count(t, '<tr>'), 1 + 2 + 1);
  assert.match(t, /… 1 more rows/);
  assert.throws(() => tableHtml({ columns: ['a'], values: [1, 2] }), /DataFrame/);
});

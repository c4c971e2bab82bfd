import { test } from 'node:test';
import assert from 'node:assert/strict';
import { figurePng, figureSvg, lineFigure, linePanel, panelGrid, prepareRaster, rasterStatus, type Figure } from '../../src/plots/index.js';
import { plainText } from '../../src/plots/svg.js';

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

test('figureSvg: one path per line, a filled band per multi-seed curve, gaps split the path, legend once per group', () => {
  const fig = lineFigure([
    { name: 'gn', x: [0, 1, 2, 3], ys: [[1, 0.5, 0.25, 0.1], [1.2, 0.6, 0.3, 0.12]] },
    { name: 'adam', x: [0, 1, 2, 3], ys: [[1, null as unknown as number, 0.8, 0.7]] },
  ], { title: 'Loss & more', xTitle: 'step', yTitle: 'loss', logY: true });
  const svg = figureSvg(fig);
  assert.match(svg, new RegExp(`^<svg xmlns="http://www.w3.org/2000/svg" width="900" height="${fig.layout.height ?? 450}"`));
  assert.equal(count(svg, /fill-opacity="0\.2"/g) >= 1, true, 'the gn band');
  const adamPath = /<path d="([^"]+)" fill="none"[^>]*stroke="[^"]+"[^>]*\/>/g;
  const paths = [...svg.matchAll(adamPath)].map((m) => m[1] as string);
  assert.equal(paths.length, 2, 'two mean lines');
  assert.ok(paths.some((d) => count(d, /M/g) === 2), 'the missing adam point splits its line in two');
  assert.match(svg, />Loss &amp; more<\/text>/, 'title as plain text, escaped once for SVG');
  assert.equal(count(svg, />gn<\/text>/g), 1);
  assert.equal(count(svg, />adam<\/text>/g), 1);
  assert.match(svg, />step<\/text>/);
  assert.match(svg, /rotate\(-90 [^)]+\)">loss<\/text>/);
});

test('figureSvg: log axes tick at decades (10^-k in superscript past 1e-3), linear axes at nice steps', () => {
  const svg = figureSvg(lineFigure([{ name: 'gn', x: [0, 10, 20], ys: [[1, 1e-2, 1e-5]] }], { logY: true }));
  for (const label of ['1', '0.1', '0.01', '10\u207b\u00b3', '10\u207b\u2074']) assert.ok(svg.includes(`>${label}</text>`), label);
  for (const label of ['0', '5', '10', '15', '20']) assert.ok(svg.includes(`>${label}</text>`), `x tick ${label}`);
});

test('figureSvg: subplots from axis domains, subplot titles, shapes, category x values', () => {
  const grid = panelGrid([linePanel([{ name: 'gn', x: [0, 1], ys: [[1, 2]] }], { title: 'MNIST' }), linePanel([{ name: 'gn', x: [0, 1], ys: [[3, 4]] }], { title: 'CIFAR-10' })]);
  grid.layout.shapes = [{ type: 'line', xref: 'x2', yref: 'y2 domain', x0: 0.5, x1: 0.5, y0: 0, y1: 1, line: { dash: 'dot' } }];
  const svg = figureSvg(grid);
  assert.equal(count(svg, /<clipPath id="c\d+">/g), 2);
  assert.match(svg, /font-weight="bold"[^>]*>MNIST<\/text>/);
  assert.match(svg, />CIFAR-10<\/text>/);
  assert.match(svg, /<line [^>]*stroke-dasharray/);
  const cat: Figure = { data: [{ type: 'scatter', x: ['a', 'b', 'c'], y: [1, 2, 3], mode: 'markers' }], layout: {} };
  const c = figureSvg(cat);
  assert.equal(count(c, /<circle /g), 3);
  for (const l of ['a', 'b', 'c']) assert.ok(c.includes(`>${l}</text>`));
});

test('figureSvg: an empty figure and non-finite values still give a valid frame', () => {
  const svg = figureSvg({ data: [{ type: 'scatter', x: [0, 1], y: [null, null] }], layout: { width: 300, height: 200 } });
  assert.match(svg, /width="300" height="200"/);
  assert.doesNotMatch(svg, /NaN|Infinity/);
});

test('plainText drops tags and decodes entities', () => {
  assert.equal(plainText('<b>a &lt; b</b><br>c &amp; d'), 'a < b c & d');
});

test('figurePng: a PNG of the layout size (after prepareRaster), with the system font when there is one', async () => {
  assert.equal(await prepareRaster(), true, rasterStatus().state);
  const png = figurePng(lineFigure([{ name: 'gn', x: [0, 1, 2], ys: [[1, 0.5, 0.25]] }], { title: 't' }), { width: 320, height: 200 });
  assert.ok(png !== null);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(png.buffer, png.byteOffset);
  assert.equal(view.getUint32(16), 320);
  assert.equal(view.getUint32(20), 200);
  const png2 = figurePng(lineFigure([{ name: 'gn', x: [0, 1, 2], ys: [[1, 0.5, 0.25]] }]), { width: 160, height: 100, scale: 2 });
  assert.equal(new DataView(png2!.buffer, png2!.byteOffset).getUint32(16), 320);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanProblems, executedProblems, figureOutputCount, isFigureCell, readNotebook, untrustedHtmlProblems, type NbCell, type Notebook } from '../../scripts/notebook-lib.js';
import { PLOT_CLASS, PLOTLY_SCRIPT_ATTR, STATIC_CLASS } from '../../src/plots/index.js';

const dir = join(import.meta.dirname, '..', '..', 'notebooks');

test('committed notebooks have no outputs or execution counts and use the tslab kernel', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ipynb'));
  assert.ok(files.includes('_smoke.ipynb'));
  for (const f of files) assert.deepEqual(cleanProblems(readNotebook(join(dir, f))), [], f);
});

const code = (source: string, extra: Partial<NbCell> = {}): NbCell => ({ cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null, ...extra });
const html = (s: string) => ({ output_type: 'display_data' as const, data: { 'text/html': s } });
const nb = (cells: NbCell[]): Notebook => ({ cells, metadata: { kernelspec: { name: 'tslab' } }, nbformat: 4, nbformat_minor: 5 });

test('figure cells: a show( call or the "figure" tag, not comments, showTable or "no-figure"', () => {
  assert.equal(isFigureCell(code('show(fig)')), true);
  assert.equal(isFigureCell(code('const a = 1;\n  plots.show(lineFigure(s));')), true);
  assert.equal(isFigureCell(code('showTable(rows)')), false);
  assert.equal(isFigureCell(code('// show(fig)\nconst x = 1;')), false);
  assert.equal(isFigureCell(code('reshow(x)')), false);
  assert.equal(isFigureCell(code('draw()', { metadata: { tags: ['figure'] } })), true);
  assert.equal(isFigureCell(code('show(fig)', { metadata: { tags: ['no-figure'] } })), false);
  assert.equal(isFigureCell({ cell_type: 'markdown', source: 'show(x)', metadata: {} }), false);
});

test('the marker constants are the ones the plots module writes', () => {
  assert.equal(PLOT_CLASS, 'exact-gn-plot');
  assert.equal(PLOTLY_SCRIPT_ATTR, 'data-exact-gn-plotly');
});

test('executed notebook checks: errors, figure cells without a plot, first figure without Plotly', () => {
  const plot = `<div class="${PLOT_CLASS}" id="a"><img class="${STATIC_CLASS}" src="data:image/png;base64,AAAA"></div>`;
  const loader = `<script ${PLOTLY_SCRIPT_ATTR}="4"></script>`;
  const good = nb([code('show(a)', { outputs: [html(loader + plot)] }), code('show(b)', { outputs: [html(plot)] })]);
  assert.deepEqual(executedProblems(good), []);
  const bad = nb([
    { cell_type: 'markdown', source: '# t', metadata: {} },
    code('const x: number = "s";', { outputs: [{ output_type: 'error', ename: 'CellError', evalue: 'Type string is not assignable', traceback: [] }] }),
    code('show(a)', { outputs: [html(plot)] }),
    code('show(b)', { outputs: [{ output_type: 'stream', name: 'stdout', text: 'hi' }] }),
  ]);
  const problems = executedProblems(bad);
  assert.equal(problems.length, 3);
  assert.match(problems[0] as string, /^cell 2 \(const x: number = "s";\): CellError: Type string is not assignable/);
  assert.match(problems[1] as string, /^cell 3 .*first figure output does not embed Plotly/);
  assert.match(problems[2] as string, /^cell 4 .*produced no exact-gn-plot output/);
  const noStatic = nb([code('show(a)', { outputs: [html(loader + plot)] }), code('show(b)', { outputs: [html(`<div class="${PLOT_CLASS}" id="b"></div>`)] })]);
  assert.deepEqual(executedProblems(noStatic).map((p) => p.replace(/\(.*?\): /, '')), ['cell 2 1 of its 1 figure output(s) have no static image, so they are blank in an untrusted notebook (see the cell\'s stderr)']);
  assert.equal(figureOutputCount(noStatic), 2);
});

test('untrusted (sanitized) export check: one PNG image per figure, no draw scripts left', () => {
  const png = `<img class="${STATIC_CLASS}" src="data:image/png;base64,${'A'.repeat(300)}" alt="f">`;
  assert.deepEqual(untrustedHtmlProblems(`<div>${png}</div><div>${png}</div>`, 2), []);
  assert.deepEqual(untrustedHtmlProblems(`<div>${png}</div>`, 2), ['1 static figure image(s) survived sanitizing, expected 2 (one per figure output)']);
  assert.deepEqual(untrustedHtmlProblems(`<div><img class="${STATIC_CLASS}" src="" alt="f"></div>`, 1), ['1 static figure image(s) lost their PNG data when sanitized']);
  assert.match(untrustedHtmlProblems(`${png}<script>var fig = {"data":[]};</script>`, 1).join(), /was not sanitized/);
});

test('clean check reports outputs, execution counts and a wrong kernel', () => {
  const dirty = nb([code('1', { execution_count: 3 }), code('2', { outputs: [html('x')] })]);
  dirty.metadata.kernelspec = { name: 'python3' };
  const p = cleanProblems(dirty);
  assert.equal(p.length, 3);
  assert.match(p.join('\n'), /kernelspec.name is "python3"/);
  assert.match(p.join('\n'), /cell 1 \(1\) has execution_count 3/);
  assert.match(p.join('\n'), /cell 2 \(2\) has 1 output/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { NotebookSourceError, firstDifference, fromIpynb, idStem, parseSource, toIpynb, toSource, type SourceCell } from '../../scripts/notebook-source.js';

const NB = join(import.meta.dirname, '..', '..', 'notebooks');
const SRC = join(NB, 'src');

const md = (source: string, tags: string[] = []): SourceCell => ({ kind: 'markdown', source, tags, line: 0 });
const code = (source: string, tags: string[] = []): SourceCell => ({ kind: 'code', source, tags, line: 0 });
const strip = (cells: SourceCell[]) => cells.map(({ kind, source, tags }) => ({ kind, source, tags }));

test('parses markdown and code cells, tags, blank lines between cells, and line numbers', () => {
  const text = [
    '',
    '// %% [markdown]',
    '// # Title',
    '//',
    '// A *paragraph* with `code`.',
    '//   indented',
    '',
    '// %%',
    'const x = 1;',
    '',
    '// a comment inside code stays code',
    'console.log(x);',
    '',
    '',
    '// %% tags=["figure", "slow"]',
    'show(fig);',
    '',
  ].join('\n');
  const cells = parseSource(text);
  assert.deepEqual(cells, [
    { kind: 'markdown', source: '# Title\n\nA *paragraph* with `code`.\n  indented', tags: [], line: 2 },
    { kind: 'code', source: 'const x = 1;\n\n// a comment inside code stays code\nconsole.log(x);', tags: [], line: 8 },
    { kind: 'code', source: 'show(fig);', tags: ['figure', 'slow'], line: 15 },
  ]);
});

test('an empty cell, [md] as [markdown], CRLF line ends', () => {
  assert.deepEqual(strip(parseSource('// %%\r\n\r\n// %% [md]\r\n// hi\r\n')), [
    { kind: 'code', source: '', tags: [] },
    { kind: 'markdown', source: 'hi', tags: [] },
  ]);
});

test('format errors name the line and what to do', () => {
  const err = (text: string, line: number, re: RegExp) =>
    assert.throws(() => parseSource(text), (e: unknown) => e instanceof NotebookSourceError && e.line === line && re.test(e.message));
  err('const x = 1;\n// %%\n', 1, /before the first cell marker/);
  err('', 1, /no cells/);
  err('// %% [markdown]\n// ok\nnot a comment\n', 3, /must be a "\/\/ " comment.*not a comment/);
  err('// %% [raw]\nx\n', 1, /unknown cell type \[raw\]/);
  err('// %%\nx\n// %% tags=figure\ny\n', 3, /tags=\["a", "b"\]/);
  err('// %% tags=[1]\nx\n', 1, /JSON array of strings/);
});

test('source -> notebook -> source round trip keeps every cell, tag and character', () => {
  const cells = [
    md('# Ünïcode · ± — and "quotes" and \\ backslashes\n\n$A^+ t$'),
    code('const s = `a ${1}`;\n\n  // indented comment\n\tconst tab = "\\t";'),
    code('show(f);', ['figure']),
    md('trailing space kept   \nlast'),
    code(''),
  ];
  const text = toSource(cells);
  assert.deepEqual(strip(parseSource(text)), strip(cells));
  const nb = toIpynb(parseSource(text), 'x.ipynb');
  assert.deepEqual(strip(fromIpynb(nb)), strip(cells));
  assert.equal(toSource(fromIpynb(nb)), text);
});

test('the notebook: nbformat 4.5, tslab kernel, ids from the file name, no outputs, Jupyter line lists', () => {
  const nb = JSON.parse(toIpynb(parseSource('// %% [markdown]\n// a\n// b\n\n// %% tags=["figure"]\nshow(f);\n'), '_My Notebook.ipynb'));
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.nbformat_minor, 5);
  assert.equal(nb.metadata.kernelspec.name, 'tslab');
  assert.deepEqual(nb.cells, [
    { cell_type: 'markdown', metadata: {}, source: ['a\n', 'b'], id: 'my-notebook-0' },
    { cell_type: 'code', execution_count: null, metadata: { tags: ['figure'] }, outputs: [], source: ['show(f);'], id: 'my-notebook-1' },
  ]);
  assert.equal(idStem('notebooks/01-Figure1 full.ipynb'), '01-figure1-full');
});

test('cells the format cannot hold are refused, not silently changed', () => {
  assert.throws(() => toSource([code('x\n// %% not a marker\ny')]), /cell 1, line 2: .*read as a cell marker/);
  assert.throws(() => toSource([md('\nleading blank')]), /cell 1: starts or ends with a blank line/);
  assert.throws(() => fromIpynb('{"cells":[{"cell_type":"raw","source":"x"}]}'), /cell 1 is a raw cell/);
  assert.throws(() => fromIpynb('{}'), /no "cells" array/);
});

test('firstDifference ignores key order and formatting, and names the first differing line', () => {
  const a = toIpynb([code('a\nb')], 'x.ipynb');
  const parsed = JSON.parse(a);
  parsed.cells = parsed.cells.map((c: object) => Object.fromEntries(Object.entries(c).reverse()));
  assert.equal(firstDifference(a, JSON.stringify(parsed)), null, 'keys reordered, no indentation');
  assert.equal(firstDifference(a, JSON.stringify(JSON.parse(a), null, 2)), null, 'indentation');
  assert.match(firstDifference(a, toIpynb([code('a\nc')], 'x.ipynb')) ?? '', /cell 1, line 2: source has "b", notebook has "c"/);
  assert.match(firstDifference(a, toIpynb([code('a\nb'), md('m')], 'x.ipynb')) ?? '', /extra cell 2/);
  assert.match(firstDifference(a, toIpynb([code('a\nb', ['figure'])], 'x.ipynb')) ?? '', /cell 1 differs in its type, id, metadata/);
  assert.match(firstDifference(a, '{') ?? '', /not valid JSON/);
});

test('every committed notebook is built from its source in notebooks/src (run: npx tsx scripts/notebooks.ts build)', () => {
  const notebooks = readdirSync(NB).filter((f) => f.endsWith('.ipynb')).sort();
  const sources = readdirSync(SRC).filter((f) => f.endsWith('.ts')).sort();
  assert.ok(notebooks.length >= 11, `expected the 11 notebooks, found ${notebooks.length}`);
  assert.deepEqual(sources.map((f) => basename(f, '.ts')), notebooks.map((f) => basename(f, '.ipynb')), 'one source per notebook');
  for (const f of sources) {
    const nb = join(NB, `${basename(f, '.ts')}.ipynb`);
    assert.ok(existsSync(nb));
    const built = toIpynb(parseSource(readFileSync(join(SRC, f), 'utf8')), basename(nb));
    assert.equal(firstDifference(built, readFileSync(nb, 'utf8')), null, `${f} and its notebook differ`);
  }
});

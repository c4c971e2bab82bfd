// The report page (issue 15): it opens with a contents list and the claims summary (every judged
// finding with its verdict and numbers), cites the paper and the shipped docs/paper.md, and names
// no file the reader of an installed package lacks (PAPER.md is not shipped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { claimsSummary, findingTable, figureOptions, renderReport, type FigureFindings } from '../../src/report/index.js';

const findings: FigureFindings[] = [{
  figure: 'fig1', source: 'live, quick profile',
  findings: [
    { label: 'steps until 10x, MNIST', values: { gn: '6 (1 seed)', adam: '21 (1 seed)' }, claim: 'GN converges much faster', test: '2 x GN < rival', verdict: 'shown', why: 'GN 12 vs adam 21' },
    { label: 'final accuracy, MNIST', values: { gn: '1', adam: '1' } },
    { label: 'epoch of the lowest test loss', values: {}, claim: 'GN saturates early', verdict: 'inconclusive', why: 'too short: still falling' },
  ],
}];

test('claimsSummary: one row per judged finding, with figure, claim, source, verdict and numbers', () => {
  const rows = claimsSummary(findings);
  assert.equal(rows.length, 2);
  assert.deepEqual(Object.keys(rows[0]!), ['figure', 'paper\'s claim', 'measured', 'source', 'verdict', 'numbers behind it']);
  assert.deepEqual(rows.map((r) => r.verdict), ['shown', 'inconclusive']);
  assert.equal(findingTable(findings[0]!.findings)[1]!.verdict, '', 'a plain measurement has no verdict');
});

test('renderReport: contents, then the claims summary, then the parts; the paper cited; no PAPER.md', () => {
  const html = renderReport({
    options: figureOptions({ progress: false, log: () => {} }), backend: 'cpu', seconds: 3, findings,
    parts: [
      { id: 'verification', level: 1, title: 'Verification', text: 'exactness' },
      { id: 'fig1', level: 1, title: 'Figure 1', text: 'The paper\'s claim: ...' },
      { id: 'fig1-findings', level: 2, title: 'Figure 1: what we see', tables: [findingTable(findings[0]!.findings)] },
    ],
  });
  const at = (s: string) => html.indexOf(s);
  assert.ok(at('id="contents"') > 0 && at('id="contents"') < at('id="claims"') && at('id="claims"') < at('id="verification"') && at('id="verification"') < at('id="fig1"'));
  for (const id of ['claims', 'verification', 'fig1', 'fig1-findings']) assert.ok(html.includes(`href="#${id}"`), `contents link to ${id}`);
  assert.match(html, /2 judged findings: 1 shown, 0 not shown, 1 inconclusive/);
  assert.match(html, /arXiv 2411\.07979/);
  assert.match(html, /docs\/paper\.md/);
  assert.doesNotMatch(html, /PAPER\.md/);
});

test('docs/paper.md ships with the package and is the paper digest', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { files: string[] };
  assert.ok(pkg.files.includes('docs'));
  const doc = new URL('../../docs/paper.md', import.meta.url);
  assert.ok(existsSync(doc));
  assert.match(readFileSync(doc, 'utf8'), /^# The paper this project reproduces/);
});

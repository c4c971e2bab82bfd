// The claims table (issue 17): cells per profile from hand-made findings (shown, not shown,
// inconclusive, mixed, partly run, not run yet), markers, and the drift test: README.md's claims
// and lazy-regime sections are what scripts/claims.ts generates from the committed results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimCell, claimsHtml, claimsMarkdown, claimsTable, replaceBetweenMarkers, type ClaimSource } from '../../src/report/claims.js';
import { allClaims, committedClaimSources, lazyMarkdown, readmeClaims, readmeLazy } from '../../src/report/claims-readme.js';
import type { Finding } from '../../src/report/figure.js';
import { tableToCsv, type TidyRow } from '../../src/report/table.js';

const f = (verdict: Finding['verdict'], label = 'x'): Finding => ({ label, values: {}, verdict, why: `numbers for ${label}` });

test('claimCell: all shown / all not shown / all inconclusive / mixed / nothing judged', () => {
  assert.equal(claimCell([f('shown'), f('shown')], 's').verdict, 'shown');
  assert.equal(claimCell([f('not shown')], 's').verdict, 'not shown');
  assert.equal(claimCell([f('inconclusive'), f('inconclusive')], 's').verdict, 'inconclusive');
  const m = claimCell([f('shown'), f('not shown'), f('inconclusive')], 's');
  assert.equal(m.verdict, 'mixed');
  assert.equal(m.summary, 'mixed: 1 shown, 1 not shown, 1 inconclusive of 3 (s)');
  assert.equal(claimCell([{ label: 'plain', values: {} }], 's').verdict, 'not run yet');
  assert.deepEqual(claimCell([f('shown', 'a')], 's').details, ['[shown] a: numbers for a']);
});

test('claimsTable: a cell per profile; a claim of several figures is "partly run" until all are judged', () => {
  const claims = [{ id: 'paper', claim: 'p', figures: ['fig1', 'fig2'] }, { id: 'fig1', claim: 'c1', figures: ['fig1'] }];
  const sources: ClaimSource[] = [
    { figure: 'fig1', profile: 'paper', source: 'results/fig1-mnist-paper.csv', findings: [f('shown')] },
    { figure: 'fig1', profile: 'medium', source: 'results/fig1-fashion-medium.csv', findings: [f('shown')] },
    { figure: 'fig2', profile: 'medium', source: 'results/fig2-mnist-medium.csv', findings: [f('not shown')] },
  ];
  const rows = claimsTable(claims, sources);
  assert.equal(rows[0]!.cells.paper.verdict, 'partly run');
  assert.match(rows[0]!.cells.paper.summary, /fig1: shown; fig2: not run yet/);
  assert.equal(rows[0]!.cells.medium.verdict, 'mixed');
  assert.equal(rows[0]!.cells.quick.verdict, 'not run yet');
  assert.equal(rows[1]!.cells.paper.verdict, 'shown');
  const md = claimsMarkdown(rows, {}, { quick: 'live in the report' });
  assert.match(md, /\| paper: p \| live in the report \| \*\*mixed\*\* mixed: 1 shown, 1 not shown of 2/);
  assert.match(claimsHtml(rows), /<td><b>partly run<\/b>/);
});

test('claimsTable: a committed table with runs missing or unfinished is "partly run", naming them, never a plain verdict', () => {
  const claims = [{ id: 'fig5', claim: 'c5', figures: ['fig5'] }];
  const partial = ['partial: CIFAR-10/gn/mini-batch/42 (not started; produce it with: node bin/exact-gn.js run ...)', 'partial: CIFAR-10/gn (half-coupling)/mini-batch/42 (120 rows; resume with: node bin/exact-gn.js run ...)'];
  const rows = claimsTable(claims, [{ figure: 'fig5', profile: 'medium', source: 'results/fig5-fashion-medium.csv', findings: [f('shown'), f('shown')], partial }]);
  const cell = rows[0]!.cells.medium;
  assert.equal(cell.verdict, 'partly run');
  assert.equal(cell.summary, 'shown: 2 of 2 findings shown (results/fig5-fashion-medium.csv); not finished: CIFAR-10/gn/mini-batch/42, CIFAR-10/gn (half-coupling)/mini-batch/42');
  const mixed = claimsTable(claims, [{ figure: 'fig5', profile: 'medium', source: 's', findings: [f('shown'), f('inconclusive')], partial }])[0]!.cells.medium;
  assert.match(mixed.summary, /^mixed: 1 shown, 1 inconclusive of 2 \(s\); not finished: /);
  // Complete tables and tables with nothing judged are unchanged.
  assert.equal(claimsTable(claims, [{ figure: 'fig5', profile: 'medium', source: 's', findings: [f('shown')], partial: [] }])[0]!.cells.medium.verdict, 'shown');
  assert.equal(claimsTable(claims, [{ figure: 'fig5', profile: 'medium', source: 's', findings: [{ label: 'plain', values: {} }], partial }])[0]!.cells.medium.verdict, 'not run yet');
});

test('replaceBetweenMarkers keeps the markers and fails without them', () => {
  assert.equal(replaceBetweenMarkers('a\n<!-- claims:start -->\nold\n<!-- claims:end -->\nb', 'new'), 'a\n<!-- claims:start -->\nnew\n<!-- claims:end -->\nb');
  assert.throws(() => replaceBetweenMarkers('no markers', 'x'), /markers/);
});

test('committed tables are judged by their figure: a medium table lands in the medium column, the rest stays "not run yet"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-claims-'));
  try {
    const rows: TidyRow[] = [];
    for (const [curve, opt, rule] of [['gn', 'gn', 'block'], ['gn (half-coupling)', 'gn', 'half-coupling'], ['adam', 'adam', '']] as const) {
      for (const seed of [42]) {
        const motion = opt === 'adam' ? 0.3 : 0.01;
        for (const epoch of [0, 30]) {
          const base = { run: `MNIST/${curve}/mini-batch/${seed}`, curve, optimizer: opt, rule, dataset: 'MNIST', variant: 'mini-batch', seed, epoch, step: epoch * 59 };
          rows.push({ ...base, metric: 'ntk_probe_cos_init', value: epoch === 0 ? 1 : 1 - motion });
          rows.push({ ...base, metric: 'cka_init.b1.g', value: epoch === 0 ? 1 : 1 - motion });
        }
      }
    }
    writeFileSync(join(dir, 'lazy-regime-mnist-medium.csv'), tableToCsv(rows, 'hand-made'));
    const sources = committedClaimSources(dir);
    assert.deepEqual(sources.map((s) => [s.figure, s.profile]), [['lazy-regime', 'medium']]);
    const lazy = lazyMarkdown(sources);
    assert.match(lazy, /\| mini-batch \| block \| not run yet \| \*\*lazy \(GN moves less than Adam\)\*\*: gn 1 − NTK cos 0\.01 \(1 seed\)/);
    assert.match(lazy, /\| full batch \| block \| not run yet \| not run yet \| not run yet \|/);
    const claims = readmeClaims(dir);
    assert.match(claims, /\| lazy-regime: .*\| live in the report \| \*\*mixed\*\*/, 'full batch has no data: its findings are inconclusive, the mini-batch ones shown');
    assert.equal(allClaims()[0]!.id, 'paper');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('README.md is current: its claims and lazy-regime sections are what `npx tsx scripts/claims.ts --write README.md` writes', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const expected = replaceBetweenMarkers(replaceBetweenMarkers(readme, readmeClaims()), readmeLazy(), 'lazy');
  assert.ok(readme === expected, 'README.md is out of date: run `npx tsx scripts/claims.ts --write README.md` and commit it');
});

test('the report opens with the per-claim table: live findings in their profile column, committed ones in theirs', async () => {
  const { renderReport, figureOptions } = await import('../../src/report/index.js');
  const html = renderReport({
    options: figureOptions({ profile: 'quick', progress: false, log: () => {} }), backend: 'cpu', seconds: 1, parts: [],
    findings: [
      { figure: 'fig1', source: 'live, quick profile', profile: 'quick', findings: [f('inconclusive')] },
      { figure: 'fig1', source: 'committed results/fig1-mnist-paper.csv (paper profile)', findings: [f('shown')] },
    ],
  });
  const row = /<tr><td><b>fig1<\/b>.*?<\/tr>/.exec(html)?.[0] ?? '';
  assert.match(row, /<td><b>inconclusive<\/b>.*<td><b>not run yet<\/b><\/td><td><b>shown<\/b>/);
  assert.ok(html.indexOf('class="claims"') < html.indexOf('Every judged finding'));
});

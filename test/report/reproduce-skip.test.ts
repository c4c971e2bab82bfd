// `exact-gn reproduce` with one input missing: the figure that needs it gets a section saying what
// is missing and the command that provides it, every other figure is still produced, the report
// is written, and the command exits 1 naming the skipped figure.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../src/util/errors.js';
import { reproduce, skippedFigure, type FigureSpec } from '../../src/report/index.js';
import { setupBackend } from '../helpers/backend.js';

before(async () => {
  await setupBackend();
});

const dir = mkdtempSync(join(tmpdir(), 'exact-gn-skip-'));

/** A figure with no runs (nothing to train) that draws nothing and finds one value. */
function fakeSpec(id: string, runs: FigureSpec['runs']): FigureSpec {
  return {
    id,
    title: `Figure ${id}`,
    claim: `claim of ${id}`,
    runs,
    draw: () => [],
    findings: () => [{ label: `measured in ${id}`, values: { gn: 1 } }],
    settings: () => [{ setting: 's', paper: 'p', this_run: 't' }],
    deviations: () => [],
  };
}

test('a DataError costs only its figure: it gets a section with the reason and the fix, the rest is produced', async () => {
  const out = join(dir, 'lib');
  const missing = fakeSpec('needs-data', () => {
    throw new DataError('missing train-images-idx3-ubyte in this folder; install it with `apt-get install dataset-fashion-mnist` (Debian)', '/nowhere');
  });
  const res = await reproduce({ specs: [fakeSpec('first', () => []), missing, fakeSpec('last', () => [])], out, skipVerify: true, progress: false, log: () => {} });
  assert.deepEqual(res.findings.map((f) => f.figure), ['first', 'last']);
  assert.equal(res.skipped.length, 1);
  assert.equal(res.skipped[0]!.figure, 'needs-data');
  assert.equal(res.skipped[0]!.fix, 'apt-get install dataset-fashion-mnist');
  assert.match(res.skipped[0]!.reason, /^\/nowhere: missing train-images-idx3-ubyte/);
  const html = readFileSync(res.index, 'utf8');
  for (const title of ['Figure first', 'Figure last', 'Figure needs-data (not produced)']) assert.ok(html.includes(title), title);
  assert.ok(html.includes('<code>apt-get install dataset-fashion-mnist</code>'));
  const json = JSON.parse(readFileSync(join(out, 'findings.json'), 'utf8')) as { skipped: { figure: string }[]; findings: { figure: string }[] };
  assert.deepEqual(json.skipped.map((s) => s.figure), ['needs-data']);
  assert.deepEqual(json.findings.map((f) => f.figure), ['first', 'last']);
});

test('other errors are not swallowed: a bug still stops the report', async () => {
  const broken = fakeSpec('bug', () => {
    throw new TypeError('a bug');
  });
  await assert.rejects(reproduce({ specs: [broken], out: join(dir, 'bug'), skipVerify: true, progress: false, log: () => {} }), TypeError);
});

test('skippedFigure: the fix is the first command the message names, or null', () => {
  const spec = { id: 'x', title: 'X' };
  assert.equal(skippedFigure(spec, new DataError('no files; run `exact-gn data download cifar10` somewhere')).fix, 'exact-gn data download cifar10');
  assert.equal(skippedFigure(spec, new DataError('no files at all')).fix, null);
});

test('CLI: reproduce without Fashion-MNIST writes the report, names the skipped figure and the command, exits 1', () => {
  assert.ok(existsSync(join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js')), 'dist/ is missing: run `npm run build` first');
  const out = join(dir, 'cli');
  const env: NodeJS.ProcessEnv = { ...process.env, EXACT_GN_BACKEND: process.env.EXACT_GN_BACKEND ?? 'wasm', EXACT_GN_FASHION_MNIST_DIR: join(dir, 'empty') };
  delete env.EXACT_GN_CIFAR10_DIR; // Figure 5 then falls back to Fashion-MNIST, which is missing too
  const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'exact-gn.js'), 'reproduce', '--figures', 'fig5', '--no-verify', '--out', out, '--runs', join(dir, 'runs')], { encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(r.status, 1, r.stderr);
  const last = r.stderr.trim().split('\n').at(-1)!;
  assert.match(last, /^exact-gn reproduce: report written to .*index\.html, but 1 of 1 figures could not run: fig5 \(needs: apt-get install dataset-fashion-mnist\)$/);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.match(html, /Figure 5[^<]*\(not produced\)/);
});

test('scripts/check-report.ts (CI) fails on that report, naming the skipped figure and the missing sections', () => {
  const out = join(dir, 'cli');
  assert.ok(existsSync(join(out, 'findings.json')), 'the CLI test above writes this report');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'scripts', 'check-report.ts'), out], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^check-report: fig5 was skipped: .*\(provide it with: apt-get install dataset-fashion-mnist\)$/m);
  assert.match(r.stdout, /^check-report: fig1: no section "Figure 1/m);
  assert.match(r.stdout, /the exactness verification is missing/);
});

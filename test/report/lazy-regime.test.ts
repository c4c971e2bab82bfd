// The lazy-vs-feature-learning answer (issue 17) on hand-made tables: it must come out shown (GN
// moves the NTK and the features less than Adam), not shown (as much or more) and inconclusive
// (within the seed spread, or no data), per GN rule and per setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lazyFindings, lazyRegime, LAZY_FULL, LAZY_MINI } from '../../src/report/figures/lazy-regime.js';
import { figureOptions } from '../../src/report/figure.js';
import type { TidyRow } from '../../src/report/table.js';

/** Rows of one run: NTK cos and two CKA metrics at init (1) and at epoch 10. */
function run(curve: string, optimizer: string, rule: string, seed: number, variant: string, ntkEnd: number, ckaEnd: number): TidyRow[] {
  const base = { run: `${variant}/${curve}/${seed}`, curve, optimizer, rule, dataset: 'MNIST', variant, seed, step: 0 };
  return [0, 10].flatMap((epoch) => [
    { ...base, epoch, metric: 'ntk_probe_cos_init', value: epoch === 0 ? 1 : ntkEnd },
    { ...base, epoch, metric: 'cka_init.b0.f', value: epoch === 0 ? 1 : ckaEnd },
    { ...base, epoch, metric: 'cka_init.b1.g', value: epoch === 0 ? 1 : ckaEnd - 0.01 },
  ]);
}
const seeds = [42, 43, 44];
function table(variant: string, gn: number[], hc: number[], adam: number[]): TidyRow[] {
  return seeds.flatMap((s, i) => [
    ...run('gn', 'gn', 'block', s, variant, 1 - gn[i]!, 1 - gn[i]!),
    ...run('gn (half-coupling)', 'gn', 'half-coupling', s, variant, 1 - hc[i]!, 1 - hc[i]!),
    ...run('adam', 'adam', '', s, variant, 1 - adam[i]!, 1 - adam[i]!),
  ]);
}
const verdicts = (t: TidyRow[], v: string) => lazyFindings(t, v).filter((f) => f.verdict !== undefined).map((f) => f.verdict);

test('shown: both GN rules move the NTK and the features far less than Adam', () => {
  const t = table(LAZY_MINI, [0.010, 0.011, 0.012], [0.013, 0.012, 0.014], [0.20, 0.21, 0.22]);
  assert.deepEqual(verdicts(t, LAZY_MINI), ['shown', 'shown']);
  const f = lazyFindings(t, LAZY_MINI)[0]!;
  assert.match(f.why!, /lazier than Adam/);
  assert.equal(f.values['adam 1 − NTK cos'], '0.21 ± 0.01 (3 seeds)');
});

test('not shown: GN moves as much or more than Adam (feature learning); mixed rules are judged separately', () => {
  const t = table(LAZY_FULL, [0.40, 0.41, 0.42], [0.011, 0.012, 0.010], [0.20, 0.21, 0.22]);
  assert.deepEqual(verdicts(t, LAZY_FULL), ['not shown', 'shown']);
  assert.match(lazyFindings(t, LAZY_FULL)[0]!.why!, /revised abstract/);
});

test('inconclusive: within the seed spread; no data for a missing rule or setting', () => {
  const t = table(LAZY_MINI, [0.10, 0.30, 0.20], [0.10, 0.30, 0.20], [0.15, 0.25, 0.21]);
  assert.deepEqual(verdicts(t, LAZY_MINI), ['inconclusive', 'inconclusive']);
  assert.deepEqual(verdicts(t, LAZY_FULL), ['inconclusive', 'inconclusive']);
  assert.match(lazyFindings(t, LAZY_FULL)[0]!.why!, /^no data/);
  const noHc = t.filter((r) => r.curve !== 'gn (half-coupling)');
  assert.match(lazyFindings(noHc, LAZY_MINI)[1]!.why!, /no GN half-coupling-rule run/);
});

test('the spec analyses Figure 1\'s and Figure 2\'s MNIST runs, both rules, tagged by setting; no new configs for the block rule', () => {
  const refs = lazyRegime.runs(figureOptions({ profile: 'medium' }));
  assert.equal(refs.length, 8);
  assert.deepEqual([...new Set(refs.map((r) => r.tags?.variant))], [LAZY_FULL, LAZY_MINI]);
  const mini = refs.filter((r) => r.tags?.variant === LAZY_MINI);
  assert.ok(mini.every((r) => r.config.model.hidden === 8000 && r.config.epochs === 30), 'the frozen medium runs');
});

// Beyond the paper, exact vs approximate GN (issue 20): the figure's findings on hand-made tables
// where "the approximation explains the gap" and "the GN direction explains it" each come out
// shown, not shown and inconclusive; matched training loss vs matched epochs; its runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendixApproxGn, approxGnFindings, approximationExplains, directionExplains, drawApproxGn, fig2, figureOptions, matchedTrainLoss, preset,
  APPROX_GN_MEDIUM_HIDDEN, validateConfig, runKey, type Finding, type TidyRow,
} from '../../src/index.js';

const SEEDS = [42, 43, 44];
const E = 10;

interface Curve {
  curve: string;
  optimizer: string;
  /** Epoch at which the training loss reaches 0.7, and its fall per epoch. */
  at: number;
  slope: number;
  /** Test loss minus training loss, and its change per seed (seed - 43). */
  gap: number;
  noise?: number;
  change?: number;
  sim?: number;
  cka?: number;
}

function rows(c: Curve, seeds: readonly number[] = SEEDS): TidyRow[] {
  const out: TidyRow[] = [];
  for (const seed of seeds) {
    const base = { run: `MNIST/${c.curve}/${seed}`, curve: c.curve, optimizer: c.optimizer, rule: c.optimizer === 'gn' ? 'block' : '', dataset: 'MNIST', variant: '', seed };
    const train = (e: number) => 0.7 + (c.at - e) * c.slope;
    let step = 0;
    for (let epoch = 0; epoch <= E; epoch++) {
      if (epoch > 0) {
        for (let b = 0; b < 2; b++) {
          step++;
          out.push({ ...base, epoch, step, metric: 'batch_loss', value: train(epoch) });
          out.push({ ...base, epoch, step, metric: 'batch_loss_change_pct', value: (c.change ?? -5) * (1 + 0.01 * (seed - 43)) });
        }
      }
      const test = train(Math.max(epoch, 1)) + c.gap + (c.noise ?? 0.005) * (seed - 43);
      out.push({ ...base, epoch, step, metric: 'test_loss', value: test });
      out.push({ ...base, epoch, step, metric: 'test_acc', value: 1 - test / 3 });
      if (epoch % 5 === 0) {
        const t = epoch / E;
        out.push({ ...base, epoch, step, metric: 'ntk_probe_cos_init', value: 1 - (1 - (c.sim ?? 0.9)) * t * (1 + 0.001 * (seed - 43)) });
        out.push({ ...base, epoch, step, metric: 'cka_init.b0.f', value: 1 });
        out.push({ ...base, epoch, step, metric: 'cka_init.b1.g', value: 1 - (1 - (c.cka ?? 0.9)) * t * (1 + 0.001 * (seed - 43)) });
      }
    }
  }
  return out;
}

const slow = { at: 10, slope: 0.05 };
const curves = (gaps: { gn: number; kfac: number; damped: number; adam: number }, extra: Partial<Record<'gn' | 'kfac' | 'damped' | 'adam', Partial<Curve>>> = {}): TidyRow[] => [
  ...rows({ curve: 'gn', optimizer: 'gn', ...slow, gap: gaps.gn, ...extra.gn }),
  ...rows({ curve: 'K-FAC', optimizer: 'kfac', ...slow, gap: gaps.kfac, ...extra.kfac }),
  ...rows({ curve: 'damped GN', optimizer: 'damped-gn', ...slow, gap: gaps.damped, ...extra.damped }),
  ...rows({ curve: 'adam', optimizer: 'adam', ...slow, gap: gaps.adam, ...extra.adam }),
];

function find(findings: readonly Finding[], start: string): Finding {
  const f = findings.find((x) => x.label.startsWith(start) && x.verdict !== undefined);
  assert.ok(f, `no judged finding starting with ${JSON.stringify(start)} in ${findings.map((x) => x.label).join(' | ')}`);
  return f;
}
const answers = (f: readonly Finding[], when: string) => ({
  gap: find(f, `test loss ${when}`).verdict,
  kfac: find(f, `K-FAC vs exact GN and Adam, test loss ${when}`).verdict,
  damped: find(f, `damped GN vs exact GN and Adam, test loss ${when}`).verdict,
  direction: find(f, `every GN variant vs Adam, test loss ${when}`).verdict,
});

test('matched training loss: the common level is the highest of the lowest training losses; each curve is read where it first reaches it', () => {
  const t = [
    ...rows({ curve: 'gn', optimizer: 'gn', ...slow, gap: 0.4 }),
    ...rows({ curve: 'K-FAC', optimizer: 'kfac', at: 5, slope: 0.13, gap: 0.1 }),
    ...rows({ curve: 'adam', optimizer: 'adam', at: 8, slope: 0.05, gap: 0.1 }),
  ];
  const m = matchedTrainLoss(t, ['gn', 'K-FAC', 'adam']);
  assert.deepEqual(m.seeds, SEEDS);
  for (const l of m.level) assert.ok(Math.abs(l - 0.7) < 1e-12, String(l));
  assert.deepEqual(m.epoch, { gn: [10, 10, 10], 'K-FAC': [5, 5, 5], adam: [8, 8, 8] });
  for (const [c, gap] of [['gn', 0.4], ['K-FAC', 0.1], ['adam', 0.1]] as const) {
    m.testLoss[c]!.forEach((v, i) => assert.ok(Math.abs(v - (0.7 + gap + 0.005 * (SEEDS[i]! - 43))) < 1e-9, `${c}: ${v}`));
  }
  // A seed that lacks a curve is left out, not guessed.
  const partial = matchedTrainLoss(t.filter((r) => !(r.curve === 'adam' && r.seed === 44)), ['gn', 'K-FAC', 'adam']);
  assert.deepEqual(partial.seeds, [42, 43]);
});

test('the approximation explains the gap: shown when K-FAC and damped GN generalize like Adam, not shown when they share exact GN\'s gap', () => {
  const closes = approxGnFindings(curves({ gn: 0.4, kfac: 0.1, damped: 0.1, adam: 0.1 }));
  assert.deepEqual(answers(closes, 'at matched training loss'), { gap: 'shown', kfac: 'shown', damped: 'shown', direction: 'not shown' });
  assert.deepEqual(answers(closes, 'at epoch 10'), { gap: 'shown', kfac: 'shown', damped: 'shown', direction: 'not shown' });
  const shares = approxGnFindings(curves({ gn: 0.4, kfac: 0.4, damped: 0.42, adam: 0.1 }));
  assert.deepEqual(answers(shares, 'at matched training loss'), { gap: 'shown', kfac: 'not shown', damped: 'not shown', direction: 'shown' });
  // Mixed: K-FAC closes the gap, damped GN shares it.
  const mixed = approxGnFindings(curves({ gn: 0.4, kfac: 0.1, damped: 0.4, adam: 0.1 }));
  assert.deepEqual(answers(mixed, 'at matched training loss'), { gap: 'shown', kfac: 'shown', damped: 'not shown', direction: 'not shown' });
});

test('inconclusive: within the seed spread, a partly closed gap, and no gap to explain', () => {
  const noisy = approxGnFindings(curves({ gn: 0.4, kfac: 0.25, damped: 0.25, adam: 0.1 }, { kfac: { noise: 0.3 }, damped: { noise: 0.3 } }));
  const a = answers(noisy, 'at matched training loss');
  assert.deepEqual(a, { gap: 'shown', kfac: 'inconclusive', damped: 'inconclusive', direction: 'inconclusive' });
  assert.match(find(noisy, 'K-FAC vs').why!, /within the seed spread of both/);
  const partly = approxGnFindings(curves({ gn: 0.4, kfac: 0.25, damped: 0.25, adam: 0.1 }));
  assert.deepEqual(answers(partly, 'at matched training loss'), { gap: 'shown', kfac: 'inconclusive', damped: 'inconclusive', direction: 'inconclusive' });
  assert.match(find(partly, 'K-FAC vs').why!, /^partly/);
  const none = approxGnFindings(curves({ gn: 0.1, kfac: 0.1, damped: 0.1, adam: 0.1 }));
  assert.deepEqual(answers(none, 'at matched training loss'), { gap: 'inconclusive', kfac: 'inconclusive', damped: 'inconclusive', direction: 'inconclusive' });
  assert.match(find(none, 'K-FAC vs').why!, /^no gap to explain/);
});

test('matched training loss and matched epochs can disagree: a faster fitter looks better at the last epoch only', () => {
  // K-FAC trains far further (0.05 at epoch 10) but, at the same training loss, has exact GN's gap.
  const t = curves({ gn: 0.4, kfac: 0.4, damped: 0.4, adam: 0.1 }, { kfac: { at: 5, slope: 0.13 } });
  const f = approxGnFindings(t);
  assert.equal(answers(f, 'at matched training loss').kfac, 'not shown');
  assert.equal(answers(f, 'at matched training loss').direction, 'shown');
  assert.equal(answers(f, 'at epoch 10').kfac, 'shown', 'judged at the last epoch it looks like the approximation closed the gap');
});

test('per-batch change, NTK and CKA against exact GN: shown, not shown, inconclusive', () => {
  const lazyGn = { gn: { change: -40, sim: 0.99, cka: 0.99 }, kfac: { change: -10, sim: 0.8, cka: 0.7 }, damped: { change: -10, sim: 0.8, cka: 0.7 } };
  const gaps = { gn: 0.4, kfac: 0.1, damped: 0.1, adam: 0.1 };
  const v = (f: Finding[]) => [find(f, 'mean per-batch').verdict, find(f, '1 − NTK').verdict, find(f, '1 − linear CKA').verdict];
  assert.deepEqual(v(approxGnFindings(curves(gaps, lazyGn))), ['shown', 'shown', 'shown']);
  const reversed = { gn: { change: -10, sim: 0.8, cka: 0.7 }, kfac: { change: -40, sim: 0.99, cka: 0.99 }, damped: { change: -40, sim: 0.99, cka: 0.99 } };
  assert.deepEqual(v(approxGnFindings(curves(gaps, reversed))), ['not shown', 'not shown', 'not shown']);
  assert.deepEqual(v(approxGnFindings(curves(gaps))), ['inconclusive', 'inconclusive', 'inconclusive']);
  const f = approxGnFindings(curves(gaps, lazyGn));
  assert.match(find(f, '1 − linear CKA').label, /last half-coupling/);
});

test('single seed: the 5% margin decides; empty and partial tables are inconclusive (no data), never a throw', () => {
  const one = (c: Curve) => rows(c, [42]);
  const t = [one({ curve: 'gn', optimizer: 'gn', ...slow, gap: 0.4 }), one({ curve: 'K-FAC', optimizer: 'kfac', ...slow, gap: 0.1 }), one({ curve: 'adam', optimizer: 'adam', ...slow, gap: 0.1 })].flat();
  const f = approxGnFindings(t);
  assert.equal(find(f, 'K-FAC vs').verdict, 'shown');
  assert.match(find(f, 'K-FAC vs').why!, /single seed/);
  assert.equal(f.some((x) => x.label.startsWith('damped GN')), false, 'no damped GN run: no damped GN finding');
  for (const table of [[], rows({ curve: 'gn', optimizer: 'gn', ...slow, gap: 0.4 }), t.filter((r) => r.optimizer !== 'kfac')]) {
    const g = approxGnFindings(table);
    assert.equal(g.length, 1);
    assert.equal(g[0]!.verdict, 'inconclusive');
    assert.match(g[0]!.why!, /^no data/);
  }
  const nan = t.map((r) => (r.metric === 'test_loss' ? { ...r, value: NaN } : r));
  assert.ok(approxGnFindings(nan).filter((x) => x.verdict !== undefined).every((x) => x.verdict === 'inconclusive'));
});

test('approximationExplains and directionExplains are mirror images on the same numbers', () => {
  const gn = [0.9, 0.91, 0.92];
  const adam = [0.6, 0.61, 0.62];
  for (const [a, approx, dir] of [[[0.6, 0.61, 0.62], 'shown', 'not shown'], [[0.9, 0.91, 0.92], 'not shown', 'shown'], [[0.75, 0.76, 0.77], 'inconclusive', 'inconclusive']] as const) {
    assert.equal(approximationExplains({ gn, a, adam }, 'K-FAC').verdict, approx);
    assert.equal(directionExplains({ gn, a, adam }, 'K-FAC').verdict, dir);
  }
});

test('the figure draws four panels sets from a full table; its runs: Figure 2\'s quick GN and Adam runs, one medium width for all four', () => {
  const drawn = drawApproxGn(curves({ gn: 0.4, kfac: 0.1, damped: 0.1, adam: 0.1 }), 'test', ['gn', 'K-FAC', 'damped GN', 'adam']);
  assert.deepEqual(drawn.map((d) => d.name), ['approx-gn-curves', 'approx-gn-matched', 'approx-gn-batch', 'approx-gn-ntk-cka']);
  const quick = figureOptions({ profile: 'quick', seeds: [42], log: () => {} });
  const keys = (refs: ReturnType<typeof fig2.runs>) => refs.map((r) => runKey(validateConfig(r.config)));
  const fig2Mnist = new Set(keys(fig2.runs(quick).filter((r) => r.dataset === 'MNIST' && (r.optimizer === 'gn' || r.optimizer === 'adam'))));
  const own = appendixApproxGn.runs(quick);
  assert.deepEqual(own.map((r) => r.optimizer), ['gn', 'K-FAC', 'damped GN', 'adam']);
  assert.equal(keys(own.filter((r) => r.optimizer === 'gn' || r.optimizer === 'adam')).filter((k) => fig2Mnist.has(k)).length, 2);
  const medium = appendixApproxGn.runs(figureOptions({ profile: 'medium', seeds: [42, 43], log: () => {} }));
  assert.equal(medium.length, 8);
  for (const r of medium) assert.equal(validateConfig(r.config).model.hidden, APPROX_GN_MEDIUM_HIDDEN, r.id);
  // The frozen medium GN/Adam presets keep h = 8000 and their own keys; this figure's runs are new ones.
  const frozen = new Set(['gn', 'adam'].map((o) => runKey(validateConfig(preset(`minibatch-mnist-${o}`, { profile: 'medium', seed: 42 })))));
  assert.equal(validateConfig(preset('minibatch-mnist-gn', { profile: 'medium' })).model.hidden, 8000);
  assert.ok(keys(medium).every((k) => !frozen.has(k)));
  assert.ok(appendixApproxGn.deviations(figureOptions({ profile: 'medium', log: () => {} })).some((d) => d.includes(`h = ${APPROX_GN_MEDIUM_HIDDEN}`)));
});

// Issue 17: every claim written precisely enough to fail. Hand-made results tables where each of
// the sharpened findings must come out shown, not shown AND inconclusive (NaN and empty included):
// the saturation threshold X, the binomial standard error of test accuracies, matched training
// loss with "never left init", the lr sweep, weight motion by relative change (not the cosine),
// CKA per block, the update-rule checks, and Figure 4 against each rival.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyNoise, agreeWithin, atMatchedTrainLoss, ckaBlockFindings, compareAccuracies, compareSeeds, compareToLevel, fig2Findings, fig3Findings, fig4Findings,
  largestLrFindings, leftInit, longerFindings, matchedLossFindings, rulesFindings, saturationVerdict, SATURATION_PCT, testSetSize, weightFindings,
  type Finding, type TidyRow, type Verdict,
} from '../../src/report/index.js';
import type { ResultRow } from '../../src/plots/rows.js';
import { ADAM, findJudged, GN, jitter, miniBatchRows, ntkRows, rowLabels, SEEDS, SGD, verdicts, type Labels, type MiniCurve } from '../helpers/tables.js';

type L = Labels;

/** Mini-batch rows as a real run logs them: the first step's pre-update loss is init's, accuracy (default 0.5) in whole counts of nTest. */
const runs = (l: L, seeds: readonly number[], epochs: number, c: MiniCurve, nTest = 10_000): TidyRow[] =>
  miniBatchRows(l, seeds, epochs, { ...c, acc: c.acc ?? (() => 0.5) }, { initLossFirstStep: true, nTest });

// ---- verdict.ts: a level, agreement, accuracies ------------------------------------------------

test('compareToLevel: below the level beyond 2 std (shown), above it (not shown), within the spread or a single seed\'s margin, NaN, empty (inconclusive)', () => {
  assert.equal(compareToLevel([2, 3, 2.5], 10).verdict, 'shown');
  assert.equal(compareToLevel([12, 14, 13], 10).verdict, 'not shown');
  assert.equal(compareToLevel([5, 15, 10], 10).verdict, 'inconclusive');
  assert.match(compareToLevel([5, 15, 10], 10).why, /within the seed spread/);
  assert.equal(compareToLevel([30, 40], 10, { direction: 'above' }).verdict, 'shown');
  assert.equal(compareToLevel([9.8], 10).verdict, 'inconclusive', 'one seed: 5% of 10 is 0.5');
  assert.match(compareToLevel([9], 10).why, /single seed/);
  assert.equal(compareToLevel([9], 10).verdict, 'shown');
  assert.equal(compareToLevel([NaN, NaN], 10).verdict, 'inconclusive');
  assert.match(compareToLevel([], 10).why, /no data/);
  assert.equal(compareToLevel([1], NaN).verdict, 'inconclusive');
});

test('agreeWithin: inside the margin with its spread (shown), outside it (not shown), straddling it (inconclusive)', () => {
  assert.equal(agreeWithin([1.0, 1.01, 1.02], [1.01, 1.02, 1.0], 0.05).verdict, 'shown');
  assert.equal(agreeWithin([1.0, 1.01, 1.02], [1.5, 1.51, 1.49], 0.05).verdict, 'not shown');
  assert.equal(agreeWithin([1.0, 1.1, 0.9], [1.04, 1.14, 0.94], 0.05).verdict, 'inconclusive');
  assert.equal(agreeWithin([1.0], [1.5], 0.05).verdict, 'not shown');
  assert.equal(agreeWithin([1.0], [1.01], 0.05).verdict, 'shown');
  assert.equal(agreeWithin([], [1], 0.05).verdict, 'inconclusive');
  assert.equal(agreeWithin([NaN], [1], 0.05).verdict, 'inconclusive');
});

test('accuracies: the binomial standard error replaces the 5% margin for one seed and floors the seed spread', () => {
  // 500 test images at ~80%: SE 0.018 per accuracy, 0.025 for the difference (the "about 1.8 points").
  assert.ok(Math.abs(accuracyNoise(0.8, 0.8, 500) - Math.sqrt(2 * 0.16 / 500)) < 1e-12, 'line 93');
  assert.ok(Math.abs(Math.sqrt(0.16 / 500) - 0.0179) < 1e-4, 'line 94');
  assert.ok(Number.isNaN(accuracyNoise(0.8, 0.8, NaN)), 'line 95');
  // A one-point gap: noise on 500 images, resolved on 10k (2 SE of the difference: 0.0113 at 80%).
  assert.equal(compareAccuracies([0.81], [0.80], 500).verdict, 'inconclusive');
  assert.match(compareAccuracies([0.81], [0.80], 500).why, /binomial SE on 500 test images/);
  assert.equal(compareAccuracies([0.82], [0.80], 10_000).verdict, 'shown');
  assert.equal(compareAccuracies([0.80], [0.82], 10_000).verdict, 'not shown');
  // Without a test-set size: compareSeeds' single-seed 5% margin (0.041 here), so 2 points are inconclusive.
  assert.equal(compareAccuracies([0.82], [0.80], NaN).verdict, 'inconclusive');
  assert.match(compareAccuracies([0.82], [0.80], NaN).why, /5% margin/);
  // Three seeds that agree to 0.1 point: the seed spread alone would call 0.5 points; the binomial floor on 500 does not.
  assert.equal(compareSeeds([0.805, 0.806, 0.804], [0.8, 0.801, 0.799], { direction: 'above' }).verdict, 'shown');
  assert.equal(compareAccuracies([0.805, 0.806, 0.804], [0.8, 0.801, 0.799], 500).verdict, 'inconclusive');
  assert.equal(compareAccuracies([], [0.8], 500).verdict, 'inconclusive');
});

test('testSetSize: the test_n rows, else the smallest n that makes every accuracy a whole count; NaN without accuracies', () => {
  const t500 = runs(GN, [42], 4, { train: () => 1, test: () => 1, acc: (e) => 0.1 + 0.173 * e }, 500);
  assert.equal(testSetSize(t500), 500);
  const t10k = runs(GN, [42], 6, { train: () => 1, test: () => 1, acc: (e) => 0.1 + 0.1371 * e }, 10_000);
  assert.equal(testSetSize(t10k), 10_000);
  assert.equal(testSetSize([...t500, { ...t500[0]!, metric: 'test_n', value: 500 }]), 500);
  assert.ok(Number.isNaN(testSetSize([])), 'line 116');
  assert.ok(Number.isNaN(testSetSize(runs(GN, [42], 2, { train: () => 1, test: () => 1, acc: () => NaN }))), 'line 117');
});

// ---- Figure 2: saturation with X, and accuracy against the binomial SE ---------------------------

test(`saturationVerdict: GN below X = ${SATURATION_PCT}% and Adam above (shown), Adam below X (not shown), GN still above X (inconclusive, too short), near X (inconclusive)`, () => {
  assert.equal(saturationVerdict([2, 3, 2.5], [30, 35, 32]).verdict, 'shown');
  assert.equal(saturationVerdict([2, 3, 2.5], [3, 4, 3.5]).verdict, 'not shown', 'both saturated: Adam does not keep improving');
  assert.equal(saturationVerdict([30, 35, 32], [2, 3, 2.5]).verdict, 'not shown', 'the reverse');
  const short = saturationVerdict([30, 35, 32], [40, 45, 42]);
  assert.equal(short.verdict, 'inconclusive');
  assert.match(short.why, /too short: GN still improves/);
  const near = saturationVerdict([5, 15, 10], [30, 35, 32]);
  assert.equal(near.verdict, 'inconclusive');
  assert.match(near.why, /within the seed spread of 10%/);
  assert.equal(saturationVerdict([], [30]).verdict, 'inconclusive');
  assert.equal(saturationVerdict([NaN], [NaN]).verdict, 'inconclusive');
});

/** Loss curves: GN flat after epoch 3 (test loss back up a little); Adam still falling by ~37% over the last third. */
const gnFlat: MiniCurve = {
  train: (e, s) => (0.6 + 1.5 * Math.exp(-2 * e)) * jitter(s, 0.002),
  test: (e, s) => (0.8 + 1.5 * Math.exp(-2 * e) + 0.01 * Math.max(0, e - 3)) * jitter(s, 0.002),
};
const adamFalling: MiniCurve = {
  train: (e, s) => (0.2 + 2 * Math.exp(-0.2 * e)) * jitter(s, 0.002),
  test: (e, s) => (0.3 + 2 * Math.exp(-0.2 * e)) * jitter(s, 0.002),
};

test('Figure 2 "GN saturates early": both parts must hold (shown); GN\'s test minimum later than Adam\'s fails it (not shown); GN\'s test loss still falling (inconclusive)', () => {
  const shown = findJudged(fig2Findings([...runs(GN, SEEDS, 12, gnFlat), ...runs(ADAM, SEEDS, 12, adamFalling)]), 'mini-batch GN saturates early');
  assert.equal(shown.verdict, 'shown', shown.why);
  assert.match(shown.test!, /less than X = 10%/);
  // GN's training loss saturates, but its test loss bottoms out at the end while Adam's does at epoch 6: the test part fails.
  const adamTurns: MiniCurve = { ...adamFalling, test: (e, s) => (0.5 + 0.02 * (e - 6) ** 2) * jitter(s, 0.002) };
  const gnLate: MiniCurve = { ...gnFlat, test: (e, s) => (1 - 0.01 * e) * jitter(s, 0.002) };
  const gnTestLate = fig2Findings([...runs(GN, SEEDS, 12, { ...gnLate, test: (e, s) => (e < 12 ? 1 - 0.01 * e : 0.95) * jitter(s, 0.002) }), ...runs(ADAM, SEEDS, 12, adamTurns)]);
  const f = findJudged(gnTestLate, 'mini-batch GN saturates early');
  assert.equal(f.verdict, 'not shown', f.why);
  assert.match(f.why!, /\[shown\] \[below X\]/, 'the training part on its own holds');
  // GN's test loss still falls at the last epoch in every seed: too short.
  const still = findJudged(fig2Findings([...runs(GN, SEEDS, 12, gnLate), ...runs(ADAM, SEEDS, 12, adamFalling)]), 'mini-batch GN saturates early');
  assert.equal(still.verdict, 'inconclusive');
  assert.match(still.why!, /too short: GN's test loss is still falling/);
});

test('Figure 2 test accuracy: a 1-point gap on 500 test images is noise (inconclusive), on 10k it shows; the reverse is not shown; Adam need not beat SGD', () => {
  // Accuracies rise by 5.37 points an epoch to the final value p at epoch 12 (whole counts of n images, so testSetSize finds n).
  const rising = (p: number) => (e: number) => (e === 12 ? p : 0.1 + 0.0537 * e);
  const acc = (p: number): MiniCurve => ({ ...adamFalling, acc: rising(p) });
  const table = (gnAcc: number, adamAcc: number, n: number, sgdAcc?: number) => fig2Findings([
    ...runs(GN, [42], 12, { ...gnFlat, acc: rising(gnAcc) }, n), ...runs(ADAM, [42], 12, acc(adamAcc), n),
    ...(sgdAcc !== undefined ? runs(SGD, [42], 12, acc(sgdAcc), n) : []),
  ]);
  const small = findJudged(table(0.80, 0.81, 500), 'test accuracy at epoch 12');
  assert.equal(small.verdict, 'inconclusive', small.why);
  assert.match(small.why!, /binomial SE on 500 test images/);
  assert.match(small.test!, /500 test images/);
  assert.equal(findJudged(table(0.80, 0.82, 10_000), 'test accuracy at epoch 12').verdict, 'shown');
  assert.equal(findJudged(table(0.82, 0.80, 10_000), 'test accuracy at epoch 12').verdict, 'not shown');
  // SGD far above Adam changes nothing about "Adam ends above GN".
  assert.equal(findJudged(table(0.80, 0.82, 10_000, 0.95), 'test accuracy at epoch 12').verdict, 'shown');
  assert.equal(findJudged(table(NaN, 0.82, 10_000), 'test accuracy at epoch 12').verdict, 'inconclusive');
});

test('Appendix longer training "GN stalls": GN below X and every rival above (shown), a rival stalls too (not shown), GN still improving (inconclusive, too short)', () => {
  const judge = (gn: MiniCurve, adam: MiniCurve, sgd: MiniCurve) => longerFindings([...runs(GN, SEEDS, 24, gn), ...runs(ADAM, SEEDS, 24, adam), ...runs(SGD, SEEDS, 24, sgd)]);
  const keeps: MiniCurve = { train: (e, s) => (0.1 + 2 * Math.exp(-0.1 * e)) * jitter(s, 0.002), test: (e, s) => (0.2 + 2 * Math.exp(-0.1 * e)) * jitter(s, 0.002) };
  assert.deepEqual(verdicts(judge(gnFlat, keeps, keeps)).slice(0, 2), ['shown', 'shown']);
  assert.deepEqual(verdicts(judge(gnFlat, keeps, gnFlat)).slice(0, 2), ['not shown', 'not shown'], 'SGD stalls as well');
  const still = judge(keeps, keeps, keeps);
  assert.deepEqual(verdicts(still).slice(0, 2), ['inconclusive', 'inconclusive']);
  assert.match(still[0]!.why!, /too short: GN still improves/);
});

// ---- Figure 3: the premise "after saturation" -------------------------------------------------

test('Figure 3 "even after the overall losses saturate": premise met and GN cuts its batch more than training moves (shown), cuts less (not shown), premise unmet (inconclusive)', () => {
  const rival: MiniCurve = { ...adamFalling, change: () => -3 };
  const judge = (gn: MiniCurve) => fig3Findings([...runs(GN, SEEDS, 12, gn), ...runs(ADAM, SEEDS, 12, rival), ...runs(SGD, SEEDS, 12, rival)]);
  const shown = judge({ ...gnFlat, change: (_e, s) => -20 * jitter(s) });
  assert.deepEqual(verdicts(shown), ['shown', 'shown'], JSON.stringify(shown.map((f) => f.why)));
  // Saturated (a 2% fall over epochs 8-12) but each step cuts its own batch by 0.1% only.
  const weak = judge({ ...gnFlat, train: (e, s) => (1 - 0.005 * e) * jitter(s, 0.001), change: (_e, s) => -0.1 * jitter(s) });
  assert.equal(weak[1]!.verdict, 'not shown', weak[1]!.why);
  assert.equal(weak[0]!.verdict, 'not shown', 'and Adam and SGD cut theirs more');
  // GN still falls by ~37% over the last third: the premise is unmet.
  const unmet = judge({ ...adamFalling, change: () => -20 });
  assert.equal(unmet[1]!.verdict, 'inconclusive');
  assert.match(unmet[1]!.why!, /premise unmet/);
  assert.equal(unmet[0]!.verdict, 'shown', 'the per-batch comparison itself does not need the premise');
  const nan = judge({ ...gnFlat, change: () => NaN });
  assert.equal(nan[0]!.verdict, 'inconclusive');
});

// ---- Figure 4: each rival on its own --------------------------------------------------------------

const ntk = (l: L, seeds: readonly number[], end: { sim: number; cka: number; rate: number }, spread = 0.001): TidyRow[] =>
  ntkRows(l, seeds, end, { checkpoints: [[0, 0], [1, 0.3], [2, 0.6], [5, 0.8], [10, 1]], spread });

test('Figure 4: GN vs Adam and GN vs SGD judged apart; the rate is per epoch over the last interval (epochs 5-10)', () => {
  const f = fig4Findings([...ntk(GN, SEEDS, { sim: 0.99, cka: 0.98, rate: 0.001 }), ...ntk(ADAM, SEEDS, { sim: 0.5, cka: 0.6, rate: 0.05 }), ...ntk(SGD, SEEDS, { sim: 0.995, cka: 0.99, rate: 0.0005 })]);
  const vs = (what: string, r: string) => f.find((x) => x.label.startsWith(what) && x.label.endsWith(`GN vs ${r}`))!;
  assert.equal(vs('NTK similarity', 'adam').verdict, 'shown');
  assert.equal(vs('NTK similarity', 'sgd').verdict, 'not shown', 'SGD moved its kernel less than GN');
  assert.equal(vs('linear CKA', 'adam').verdict, 'shown');
  assert.equal(vs('linear CKA', 'sgd').verdict, 'not shown');
  assert.equal(vs('NTK rate', 'adam').verdict, 'shown');
  assert.match(vs('NTK rate', 'adam').why!, /GN 0\.001 vs Adam 0\.05/, '0.005 over the 5 epochs from 5 to 10');
  // All three within ±80% seed scatter of each other: inconclusive against both rivals.
  const spread = fig4Findings([...ntk(GN, SEEDS, { sim: 0.9, cka: 0.9, rate: 0.01 }, 0.8), ...ntk(ADAM, SEEDS, { sim: 0.88, cka: 0.88, rate: 0.011 }, 0.8), ...ntk(SGD, SEEDS, { sim: 0.89, cka: 0.89, rate: 0.0105 }, 0.8)]);
  assert.deepEqual(verdicts(spread), ['inconclusive', 'inconclusive', 'inconclusive', 'inconclusive', 'inconclusive', 'inconclusive']);
  // Every optimizer above 0.9 (a fixed threshold would call all of them lazy): the comparison still separates them.
  const high = fig4Findings([...ntk(GN, SEEDS, { sim: 0.995, cka: 0.99, rate: 0.001 }), ...ntk(ADAM, SEEDS, { sim: 0.95, cka: 0.93, rate: 0.01 })]);
  assert.deepEqual(verdicts(high), ['shown', 'shown', 'shown']);
});

// ---- Appendix sweeps: matched training loss, never left init, the largest lr -----------------

const slow = (k: number, floor = 0.6): MiniCurve => ({
  train: (e, s) => (floor + (2.3 - floor) * Math.exp(-k * e)) * jitter(s, 0.001),
  test: (e, s) => (floor + 0.2 + (2.3 - floor) * Math.exp(-k * e)) * jitter(s, 0.001),
});

test('leftInit and atMatchedTrainLoss: the level both runs reach, each read at the first epoch it gets there', () => {
  const t = [...runs({ curve: 'lr 1e-1 (gn)', optimizer: 'gn' }, SEEDS, 10, slow(1)), ...runs({ curve: 'lr 1e-4 (gn)', optimizer: 'gn' }, SEEDS, 10, slow(0.001)), ...runs(ADAM, SEEDS, 10, slow(0.3, 0.2))];
  assert.deepEqual(leftInit(t, 'lr 1e-1 (gn)'), [true, true, true]);
  assert.deepEqual(leftInit(t, 'lr 1e-4 (gn)'), [false, false, false], 'a 1% fall in 10 epochs is within 5% of init');
  assert.deepEqual(leftInit([], 'x'), []);
  const m = atMatchedTrainLoss(t, 'lr 1e-1 (gn)', 'adam');
  assert.deepEqual(m.seeds, SEEDS);
  // GN's lowest training loss (0.6 at epoch 10) is above Adam's: the level is GN's; Adam (0.2 + 2.1 e^{-0.3 e}) gets there at epoch 6.
  assert.deepEqual(m.curveEpoch, [10, 10, 10]);
  assert.deepEqual(m.refEpoch, [6, 6, 6]);
  assert.ok(m.curve.every((v, i) => v > m.ref[i]!), 'line 250');
});

test('matchedLossFindings: GN worse at matched training loss (shown), better (not shown), Adam never left init (inconclusive), no seed in common (inconclusive)', () => {
  const V: L = { curve: 'wd 1e-2 (gn)', optimizer: 'gn' };
  const judge = (gn: MiniCurve, adam: MiniCurve, adamSeeds = SEEDS) => matchedLossFindings([...runs(V, SEEDS, 10, gn), ...runs(ADAM, adamSeeds, 10, adam)], [V.curve], 'wd')[0]!;
  assert.equal(judge(slow(1), slow(0.3, 0.2)).verdict, 'shown');
  const tightGn: MiniCurve = { ...slow(1), test: slow(1).train };
  const looseAdam: MiniCurve = { ...slow(0.3, 0.2), test: (e, s) => slow(0.3, 0.2).train(e, s) + 0.5 };
  assert.equal(judge(tightGn, looseAdam).verdict, 'not shown');
  const stuckAdam = judge(slow(1), slow(0.0005));
  assert.equal(stuckAdam.verdict, 'inconclusive');
  assert.match(stuckAdam.why!, /never left init: adam stays/);
  assert.match(judge(slow(1), slow(0.3), [7]).why!, /no data: no seed has both/);
});

test('largestLrFindings: the largest lr ends lowest (shown), a smaller one ends lower (not shown), a smaller one never left init (inconclusive), one lr only (inconclusive)', () => {
  const lr = (v: number): L => ({ curve: `lr ${v} (gn)`, optimizer: 'gn' });
  const lrs = [{ label: 'lr 0.1 (gn)', lr: 0.1 }, { label: 'lr 0.001 (gn)', lr: 1e-3 }];
  assert.equal(largestLrFindings([...runs(lr(0.1), SEEDS, 10, slow(1)), ...runs(lr(0.001), SEEDS, 10, slow(0.2))], lrs)[0]!.verdict, 'shown');
  // The smaller lr trains slower but generalizes better: it ends below.
  const better: MiniCurve = { ...slow(0.5), test: (e, s) => slow(0.5).test(e, s) - 0.3 };
  assert.equal(largestLrFindings([...runs(lr(0.1), SEEDS, 10, slow(1)), ...runs(lr(0.001), SEEDS, 10, better)], lrs)[0]!.verdict, 'not shown');
  const stuck = largestLrFindings([...runs(lr(0.1), SEEDS, 10, slow(1)), ...runs(lr(0.001), SEEDS, 10, slow(0.001))], lrs)[0]!;
  assert.equal(stuck.verdict, 'inconclusive');
  assert.match(stuck.why!, /never left init.*holds by construction/);
  assert.equal(largestLrFindings(runs(lr(0.1), SEEDS, 10, slow(1)), lrs)[0]!.verdict, 'inconclusive');
  assert.equal(largestLrFindings([], lrs)[0]!.verdict, 'inconclusive');
});

// ---- Appendix weights and CKA: between optimizers, by relative change -------------------------

/** Per-half rows of one checkpoint (epoch 8) per optimizer: values per half-coupling, block 0 f .. block 1 g. */
function halves(metrics: Record<string, Record<string, readonly number[]>>, seeds: readonly number[] = [42]): TidyRow[] {
  const out: TidyRow[] = [];
  for (const [curve, byMetric] of Object.entries(metrics)) {
    for (const seed of seeds) {
      for (const [metric, values] of Object.entries(byMetric)) {
        values.forEach((v, i) => out.push({ ...rowLabels({ curve, optimizer: curve }, seed), epoch: 8, step: 16, metric: `${metric}.b${Math.floor(i / 2)}.${i % 2 ? 'g' : 'f'}`, value: v * jitter(seed, 0.001) }));
      }
    }
  }
  return out;
}

test('weightFindings: GN moves less than each rival by relative change and norm ratio (shown), more (not shown), within the margin, NaN, empty (inconclusive); the cosine is never judged', () => {
  const w = (rel: readonly number[], ratio: readonly number[], cos: readonly number[]) => ({ weight_rel_change: rel, weight_norm_ratio: ratio, weight_cos_init: cos });
  const t = halves({ gn: w([10, 20, 30, 40], [10, 20, 30, 40], [0.1, 0.05, 0.03, 0.02]), adam: w([50, 60, 70, 80], [50, 60, 70, 80], [0.02, 0.02, 0.01, 0.01]), sgd: w([5, 6, 7, 8], [5, 6, 7, 8], [0.2, 0.2, 0.1, 0.1]) });
  const f = weightFindings(t, 'gn');
  // relative change vs adam, vs sgd, per half vs adam; norm ratio vs adam, vs sgd
  assert.deepEqual(verdicts(f), ['shown', 'not shown', 'shown', 'shown', 'not shown'], JSON.stringify(f.map((x) => [x.label, x.why])));
  assert.ok(f.some((x) => /cos\(W₀, W_end\)/.test(x.label) && x.verdict === undefined), 'the cosine is a measurement');
  // One half-coupling of GN moves as far as Adam's: the per-half finding fails, the largest-motion one does not.
  const oneHalf = weightFindings(halves({ gn: w([10, 20, 30, 79], [1, 1, 1, 1], [1, 1, 1, 1]), adam: w([90, 60, 70, 80], [2, 2, 2, 2], [1, 1, 1, 1]) }), 'gn');
  assert.deepEqual(verdicts(oneHalf), ['shown', 'inconclusive', 'shown']);
  // Three seeds scattered by ±30% (3 seeds each): within the spread.
  const noisy = halves({ gn: w([40, 40, 40, 40], [40, 40, 40, 40], [1, 1, 1, 1]), adam: w([41, 41, 41, 41], [41, 41, 41, 41], [1, 1, 1, 1]) }, SEEDS).map((r) => ({ ...r, value: r.value * jitter(r.seed, 0.3) }));
  assert.ok(verdicts(weightFindings(noisy, 'gn')).every((v) => v === 'inconclusive'), 'line 307');
  assert.ok(verdicts(weightFindings([], 'gn')).every((v) => v === 'inconclusive'), 'line 308');
  const nan = halves({ gn: w([NaN, NaN, NaN, NaN], [NaN, NaN, NaN, NaN], [1, 1, 1, 1]), adam: w([50, 60, 70, 80], [5, 5, 5, 5], [1, 1, 1, 1]) });
  assert.ok(verdicts(weightFindings(nan, 'gn')).every((v) => v === 'inconclusive'), 'line 310');
});

test('ckaBlockFindings: 1 − CKA per rival and per block, never CKA > 0.9', () => {
  const shown = ckaBlockFindings(halves({ gn: { cka_init: [0.99, 0.98, 0.97, 0.96] }, adam: { cka_init: [0.95, 0.9, 0.85, 0.8] }, sgd: { cka_init: [0.97, 0.95, 0.9, 0.9] } }), 'gn');
  assert.deepEqual(verdicts(shown), ['shown', 'shown', 'shown']);
  // Every optimizer above 0.9 and GN the least similar: not shown, whatever a 0.9 threshold would say.
  const notShown = ckaBlockFindings(halves({ gn: { cka_init: [0.95, 0.94, 0.93, 0.92] }, adam: { cka_init: [0.99, 0.99, 0.98, 0.98] } }), 'gn');
  assert.deepEqual(verdicts(notShown), ['not shown', 'not shown']);
  const close = ckaBlockFindings(halves({ gn: { cka_init: [0.9, 0.9, 0.9, 0.8] }, adam: { cka_init: [0.9, 0.9, 0.9, 0.801] } }), 'gn');
  assert.deepEqual(verdicts(close), ['inconclusive', 'inconclusive']);
  assert.deepEqual(verdicts(ckaBlockFindings(halves({ gn: { cka_init: [0.9, 0.9] } }), 'gn')), ['inconclusive'], 'no rival');
  assert.deepEqual(verdicts(ckaBlockFindings([], 'gn')), ['inconclusive']);
});

// ---- Appendix update rules ---------------------------------------------------------------------

test('rulesFindings: agree near init, drift apart, corrected realizes T better, same final loss: each shown, not shown and inconclusive', () => {
  const analysis = (init: number, end: number, corrected: number, paperEra: number): ResultRow[] => {
    const a: ResultRow[] = [];
    for (const epoch of [0, 8]) {
      a.push({ kind: 'update', optimizer_label: 'gn', seed: 42, epoch, update_rel_diff: epoch === 0 ? init : end, weight_rms: 0.1 });
      for (const [rule, res] of [['corrected', corrected], ['paper-era', paperEra]] as const) {
        for (const block of [1, 2, 3]) a.push({ kind: 'residual', trained: 'gn', step_rule: rule, seed: 42, epoch, block, residual: res });
      }
    }
    return a;
  };
  const loss = (gn: number, hc: number, seeds = SEEDS) => [
    ...runs(GN, seeds, 4, { train: () => 1, test: (e, s) => (e === 4 ? gn : 2) * jitter(s, 0.002) }),
    ...runs({ curve: 'gn (half-coupling)', optimizer: 'gn', rule: 'half-coupling' }, seeds, 4, { train: () => 1, test: (e, s) => (e === 4 ? hc : 2) * jitter(s, 0.002) }),
  ];
  assert.deepEqual(verdicts(rulesFindings(loss(1, 1.01), analysis(0.01, 0.2, 1e-3, 0.2))), ['shown', 'shown', 'shown', 'shown']);
  assert.deepEqual(verdicts(rulesFindings(loss(1, 1.5), analysis(0.3, 0.1, 0.2, 1e-3))), ['not shown', 'not shown', 'not shown', 'not shown']);
  // At the margins: 4.9% at init, 2% drift, residuals 1% apart, final losses 5% apart with seed scatter.
  const noisyLoss = [
    ...runs(GN, SEEDS, 4, { train: () => 1, test: (e, s) => (e === 4 ? 1 : 2) * jitter(s, 0.03) }),
    ...runs({ curve: 'gn (half-coupling)', optimizer: 'gn', rule: 'half-coupling' }, SEEDS, 4, { train: () => 1, test: (e, s) => (e === 4 ? 1.05 : 2) * jitter(s, 0.03) }),
  ];
  assert.deepEqual(verdicts(rulesFindings(noisyLoss, analysis(0.049, 0.05, 0.1, 0.101))), ['inconclusive', 'inconclusive', 'inconclusive', 'inconclusive']);
  assert.deepEqual(verdicts(rulesFindings([], [])), ['inconclusive']);
  const nanLoss = [...runs(GN, SEEDS, 4, { train: () => 1, test: () => NaN }), ...runs({ curve: 'gn (half-coupling)', optimizer: 'gn', rule: 'half-coupling' }, SEEDS, 4, { train: () => 1, test: () => NaN })];
  const nan = verdicts(rulesFindings(nanLoss, analysis(NaN, NaN, NaN, NaN)));
  assert.ok(nan.every((v) => v === 'inconclusive'), JSON.stringify(nan));
});

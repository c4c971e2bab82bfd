// Findings are pure functions over the results table with three-valued verdicts (issue 15/17):
// hand-made tables with known answers, where each main-figure finding must come out shown, not
// shown and inconclusive; NaN, empty and single-seed tables included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allOf, compareSeeds, longerFindings, switchFindings, matchedLossFindings, testAccuracyFindings, testLossAtMatchedTrainLoss, fig1Findings, fig2Findings, fig3Findings, fig4Findings, fig5Findings, type Finding, type TidyRow, type Verdict,
} from '../../src/report/index.js';
import { ADAM, findJudged, fullBatchRows, GN, jitter, miniBatchRows, ntkRows, rowLabels, SEEDS, SGD, verdicts, type Labels, type MiniCurve } from '../helpers/tables.js';


// ---- the comparison itself -----------------------------------------------------------------

test('compareSeeds: beyond two pooled std either way, within it, single seed, no data', () => {
  assert.equal(compareSeeds([0.1, 0.11, 0.12], [0.3, 0.31, 0.29]).verdict, 'shown');
  assert.equal(compareSeeds([0.3, 0.31, 0.29], [0.1, 0.11, 0.12]).verdict, 'not shown');
  const close = compareSeeds([0.1, 0.3, 0.2], [0.25, 0.12, 0.3]);
  assert.equal(close.verdict, 'inconclusive');
  assert.match(close.why, /within the seed spread/);
  const single = compareSeeds([0.1], [0.3]);
  assert.equal(single.verdict, 'shown');
  assert.match(single.why, /single seed/);
  assert.equal(compareSeeds([0.30], [0.31]).verdict, 'inconclusive', 'single seed, under the 5% margin');
  assert.equal(compareSeeds([NaN, NaN], [1, 2]).verdict, 'inconclusive');
  assert.match(compareSeeds([], [1]).why, /no data/);
  assert.equal(compareSeeds([0.9, 0.91, 0.92], [0.5, 0.52, 0.51], { direction: 'above' }).verdict, 'shown');
  assert.equal(allOf([{ verdict: 'shown', why: '' }, { verdict: 'inconclusive', why: '' }]).verdict, 'inconclusive');
  assert.equal(allOf([{ verdict: 'not shown', why: '' }, { verdict: 'inconclusive', why: '' }]).verdict, 'not shown');
  assert.equal(allOf([]).verdict, 'inconclusive');
});

// ---- Figure 1 --------------------------------------------------------------------------------

const decay = (rate: number) => (step: number, seed: number) => 2.3 * Math.exp(-rate * jitter(seed) * step);

test('Figure 1: GN reaches 10x below init in under half the steps (shown), slower (not shown), within spread or too short (inconclusive)', () => {
  const shown = fig1Findings([...fullBatchRows(GN, SEEDS, 20, decay(0.6)), ...fullBatchRows(ADAM, SEEDS, 20, decay(0.2)), ...fullBatchRows(SGD, SEEDS, 20, decay(0.05))]);
  assert.equal(findJudged(shown, 'steps until').verdict, 'shown', findJudged(shown, 'steps until').why);
  assert.equal(findJudged(shown, 'training loss at step 2').verdict, 'shown');
  assert.match(String(shown[0]!.values.sgd), /not reached by step 20/, 'SGD never gets there: counted as a lower bound');

  const notShown = fig1Findings([...fullBatchRows(GN, SEEDS, 20, decay(0.15)), ...fullBatchRows(ADAM, SEEDS, 20, decay(0.6)), ...fullBatchRows(SGD, SEEDS, 20, decay(0.6))]);
  assert.deepEqual(verdicts(notShown), ['not shown', 'not shown']);

  // GN's seeds spread widely (rates 1.0, 0.25, 0.5: 10x at steps 3, 10, 5); Adam at steps 11-12.
  const spread = fig1Findings([...fullBatchRows(GN, SEEDS, 30, (s, seed) => 2.3 * Math.exp(-{ 42: 1.0, 43: 0.25, 44: 0.5 }[seed]! * s)), ...fullBatchRows(ADAM, SEEDS, 30, decay(0.2))]);
  const f = findJudged(spread, 'steps until');
  assert.equal(f.verdict, 'inconclusive');
  assert.match(f.why!, /within the seed spread/);

  const short = fig1Findings([...fullBatchRows(GN, SEEDS, 2, decay(0.1)), ...fullBatchRows(ADAM, SEEDS, 2, decay(0.05))]);
  assert.equal(findJudged(short, 'steps until').verdict, 'inconclusive');
  assert.match(findJudged(short, 'steps until').why!, /too short/);
});

test('Figure 1: empty, NaN and single-seed tables', () => {
  const empty = fig1Findings([]);
  assert.deepEqual(verdicts(empty), ['inconclusive']);
  assert.match(empty[0]!.why!, /no data/);
  // GN diverges to NaN after step 1 in every seed: it never gets there, Adam does.
  const nan = fig1Findings([...fullBatchRows(GN, SEEDS, 20, (s) => (s < 2 ? 2.3 : NaN)), ...fullBatchRows(ADAM, SEEDS, 20, decay(0.3))]);
  assert.equal(findJudged(nan, 'steps until').verdict, 'not shown');
  // The last step every run reached with a finite loss is 1: GN's 2.3 there is above Adam's.
  assert.equal(findJudged(nan, 'training loss at step 1 (one tenth of 1 steps)').verdict, 'not shown');
  const single = fig1Findings([...fullBatchRows(GN, [42], 20, decay(0.6)), ...fullBatchRows(ADAM, [42], 20, decay(0.2))]);
  assert.equal(findJudged(single, 'steps until').verdict, 'shown');
  assert.match(findJudged(single, 'steps until').why!, /single seed/);
});

// ---- Figure 2 --------------------------------------------------------------------------------

/** GN saturates at 0.8 within two epochs and its test loss turns up after epoch 3; Adam keeps falling towards 0.3. */
const gnSaturates: MiniCurve = {
  test: (e, s) => (0.8 + 1.5 * Math.exp(-2 * e) + 0.01 * Math.max(0, e - 3)) * jitter(s, 0.002),
  train: (e, s) => (0.6 + 1.5 * Math.exp(-2 * e)) * jitter(s, 0.002),
};
const adamKeepsGoing: MiniCurve = {
  test: (e, s) => (0.3 + 2 * Math.exp(-0.2 * e)) * jitter(s, 0.002),
  train: (e, s) => (0.2 + 2 * Math.exp(-0.2 * e)) * jitter(s, 0.002),
};

test('Figure 2: GN saturates and Adam ends lower (shown), the reverse (not shown), too short or within spread (inconclusive)', () => {
  const shown = fig2Findings([...miniBatchRows(GN, SEEDS, 12, gnSaturates), ...miniBatchRows(ADAM, SEEDS, 12, adamKeepsGoing), ...miniBatchRows(SGD, SEEDS, 12, adamKeepsGoing)]);
  assert.deepEqual(verdicts(shown), ['shown', 'shown', 'shown', 'shown'], JSON.stringify(shown.map((f) => f.why)));
  assert.match(findJudged(shown, 'mini-batch GN saturates early').label, /epochs 8-12/);

  const reverse = fig2Findings([...miniBatchRows(GN, SEEDS, 12, adamKeepsGoing), ...miniBatchRows(ADAM, SEEDS, 12, gnSaturates)]);
  assert.deepEqual(verdicts(reverse), ['not shown', 'not shown', 'not shown', 'not shown'], JSON.stringify(reverse.map((f) => f.why)));
  // The test-loss part alone: GN still falling at the last epoch is too short to call saturation.
  assert.match(findJudged(reverse, 'mini-batch GN saturates early').why!, /\[inconclusive\] too short: GN's test loss is still falling/);

  const short = fig2Findings([...miniBatchRows(GN, SEEDS, 2, gnSaturates), ...miniBatchRows(ADAM, SEEDS, 2, adamKeepsGoing)]);
  assert.equal(findJudged(short, 'mini-batch GN saturates early').verdict, 'inconclusive');
  assert.match(findJudged(short, 'mini-batch GN saturates early').why!, /too short: 2 epoch/);

  // Neither has saturated yet (both improve ~37% over the last third): too short, not a failure.
  const neither = fig2Findings([...miniBatchRows(GN, SEEDS, 12, adamKeepsGoing), ...miniBatchRows(ADAM, SEEDS, 12, adamKeepsGoing)]);
  assert.equal(findJudged(neither, 'mini-batch GN saturates early').verdict, 'inconclusive');
  assert.match(findJudged(neither, 'mini-batch GN saturates early').why!, /too short: GN still improves by more than 10%/);

  // Same mean curves, seeds scattered by ±30%: every comparison is within the spread.
  const noisy = (c: MiniCurve): MiniCurve => ({ test: (e, s) => c.test(e, s) * jitter(s, 0.3), train: (e, s) => c.train(e, s) * jitter(s, 0.3) });
  const flat: MiniCurve = { test: () => 1, train: () => 1 };
  const spread = fig2Findings([...miniBatchRows(GN, SEEDS, 12, noisy(flat)), ...miniBatchRows(ADAM, SEEDS, 12, noisy({ test: () => 0.98, train: () => 0.98 }))]);
  assert.equal(findJudged(spread, 'test loss at epoch 12').verdict, 'inconclusive');
  assert.match(findJudged(spread, 'test loss at epoch 12').why!, /within the seed spread/);
});

test('Figure 2: empty, NaN and single-seed tables', () => {
  assert.deepEqual(verdicts(fig2Findings([])), ['inconclusive']);
  const nan = fig2Findings([...miniBatchRows(GN, SEEDS, 12, { test: () => NaN, train: () => NaN }), ...miniBatchRows(ADAM, SEEDS, 12, adamKeepsGoing)]);
  assert.ok(verdicts(nan).every((v) => v === 'inconclusive'), JSON.stringify(nan.map((f) => [f.verdict, f.why])));
  const single = fig2Findings([...miniBatchRows(GN, [42], 12, gnSaturates), ...miniBatchRows(ADAM, [42], 12, adamKeepsGoing)]);
  assert.deepEqual(verdicts(single), ['shown', 'shown', 'shown', 'shown']);
  assert.ok(single.filter((f) => f.verdict).every((f) => /single seed/.test(f.why!)));
});

// ---- Figure 3 --------------------------------------------------------------------------------

test('Figure 3: GN cuts its own batch most and more than training moves (shown), the reverse (not shown), too short (inconclusive)', () => {
  const gn = { ...gnSaturates, change: (_e: number, s: number) => -20 * jitter(s) };
  const rival = { ...adamKeepsGoing, change: (_e: number, s: number) => -3 * jitter(s) };
  const shown = fig3Findings([...miniBatchRows(GN, SEEDS, 12, gn), ...miniBatchRows(ADAM, SEEDS, 12, rival), ...miniBatchRows(SGD, SEEDS, 12, rival)]);
  assert.deepEqual(verdicts(shown), ['shown', 'shown'], JSON.stringify(shown.map((f) => f.why)));

  const reverse = fig3Findings([
    ...miniBatchRows(GN, SEEDS, 12, { ...adamKeepsGoing, change: () => -1 }), ...miniBatchRows(ADAM, SEEDS, 12, { ...gnSaturates, change: () => -20 }),
  ]);
  assert.deepEqual(verdicts(reverse), ['not shown', 'inconclusive'], JSON.stringify(reverse.map((f) => f.why)));
  assert.match(reverse[1]!.why!, /premise unmet, too short: GN's training loss has not saturated/);
  // GN has saturated (2% over the last third) but each step cuts its own batch by only 0.5%: not shown.
  const mild = { test: gnSaturates.test, train: (e: number, s: number) => (1 - 0.005 * e) * jitter(s, 0.001), change: (_e: number, s: number) => -0.5 * jitter(s) };
  const notAfter = fig3Findings([...miniBatchRows(GN, SEEDS, 12, mild), ...miniBatchRows(ADAM, SEEDS, 12, rival)]);
  assert.equal(notAfter[1]!.verdict, 'not shown', notAfter[1]!.why);

  const short = fig3Findings([...miniBatchRows(GN, SEEDS, 2, gn), ...miniBatchRows(ADAM, SEEDS, 2, rival)]);
  assert.deepEqual(verdicts(short), ['inconclusive', 'inconclusive']);
  assert.deepEqual(verdicts(fig3Findings([])), ['inconclusive']);
  const nan = fig3Findings([...miniBatchRows(GN, SEEDS, 12, { ...gn, change: () => NaN }), ...miniBatchRows(ADAM, SEEDS, 12, rival)]);
  assert.equal(nan[0]!.verdict, 'inconclusive');
  const single = fig3Findings([...miniBatchRows(GN, [42], 12, gn), ...miniBatchRows(ADAM, [42], 12, rival)]);
  assert.deepEqual(verdicts(single), ['shown', 'shown']);
});

// ---- Figure 4 --------------------------------------------------------------------------------

/** NTK similarity, NTK rate and CKA of the last half-coupling at checkpoints 0, 1, 2, 5 (block 1's CKA stays 1). */
const analysis = (l: Labels, seeds: readonly number[], end: { sim: number; cka: number; rate: number }, spread = 0.001): TidyRow[] =>
  ntkRows(l, seeds, end, { checkpoints: [[0, 0], [1, 0.3], [2, 0.6], [5, 1]], spread, firstBlockCka: 1 });
const HC: Labels = { curve: 'gn (half-coupling)', optimizer: 'gn', rule: 'half-coupling' };

test('Figure 4: GN lazier than Adam (shown), less lazy (not shown), within spread (inconclusive); rule gap vs optimizer gap', () => {
  const lazy = { sim: 0.99, cka: 0.98, rate: 0.001 };
  const moving = { sim: 0.5, cka: 0.6, rate: 0.05 };
  const shown = fig4Findings([...analysis(GN, SEEDS, lazy), ...analysis(HC, SEEDS, { ...lazy, sim: 0.985 }), ...analysis(ADAM, SEEDS, moving)]);
  assert.deepEqual(verdicts(shown), ['shown', 'shown', 'shown', 'shown'], JSON.stringify(shown.map((f) => f.why)));
  assert.match(shown[1]!.label, /last half-coupling/);
  assert.match(shown[2]!.why!, /GN 0\.001 vs Adam 0\.05/, 'rate per epoch: 0.003 over the 3 epochs from 2 to 5');

  const notShown = fig4Findings([...analysis(GN, SEEDS, moving), ...analysis(HC, SEEDS, lazy), ...analysis(ADAM, SEEDS, { sim: 0.45, cka: 0.5, rate: 0.06 })]);
  assert.equal(notShown[3]!.verdict, 'not shown', 'the rules differ more than GN and Adam');

  const reversed = fig4Findings([...analysis(GN, SEEDS, moving), ...analysis(ADAM, SEEDS, lazy)]);
  assert.deepEqual(verdicts(reversed), ['not shown', 'not shown', 'not shown']);

  const spread = fig4Findings([...analysis(GN, SEEDS, { sim: 0.9, cka: 0.9, rate: 0.01 }, 0.8), ...analysis(ADAM, SEEDS, { sim: 0.88, cka: 0.88, rate: 0.011 }, 0.8)]);
  assert.deepEqual(verdicts(spread), ['inconclusive', 'inconclusive', 'inconclusive'], JSON.stringify(spread.map((f) => f.why)));
});

test('Figure 4: empty, NaN and single-seed tables', () => {
  assert.deepEqual(verdicts(fig4Findings([])), ['inconclusive']);
  const nan = fig4Findings([...analysis(GN, SEEDS, { sim: NaN, cka: NaN, rate: NaN }), ...analysis(ADAM, SEEDS, { sim: 0.5, cka: 0.5, rate: 0.1 })]);
  assert.ok(verdicts(nan).every((v) => v === 'inconclusive'));
  const single = fig4Findings([...analysis(GN, [42], { sim: 0.99, cka: 0.98, rate: 0.001 }), ...analysis(ADAM, [42], { sim: 0.5, cka: 0.6, rate: 0.05 })]);
  assert.deepEqual(verdicts(single), ['shown', 'shown', 'shown']);
  assert.match(single[0]!.why!, /single seed/);
});

// ---- Figure 5 --------------------------------------------------------------------------------

test('Figure 5: the Figure 1 and 2 tests on each regime\'s rows', () => {
  const ds = 'CIFAR-10';
  const full = (l: Labels) => ({ ...l, dataset: ds, variant: 'full batch' });
  const mini = (l: Labels) => ({ ...l, dataset: ds, variant: 'mini-batch' });
  const table = [
    ...fullBatchRows(full(GN), SEEDS, 20, decay(0.6)), ...fullBatchRows(full(ADAM), SEEDS, 20, decay(0.2)),
    ...miniBatchRows(mini(GN), SEEDS, 12, gnSaturates), ...miniBatchRows(mini(ADAM), SEEDS, 12, adamKeepsGoing),
  ];
  const f = fig5Findings(table);
  assert.ok(f.some((x) => /full batch/.test(x.label)) && f.some((x) => /mini-batch/.test(x.label)));
  assert.deepEqual(verdicts(f), ['shown', 'shown', 'shown', 'shown', 'shown', 'shown']);
  assert.ok(verdicts(fig5Findings([])).every((v) => v === 'inconclusive'));
});

// ---- Appendix: longer training ---------------------------------------------------------------

test('Appendix longer training: GN stalls (shown), keeps improving while Adam stalls (not shown), too short or empty (inconclusive)', () => {
  const shown = longerFindings([...miniBatchRows(GN, SEEDS, 12, gnSaturates), ...miniBatchRows(ADAM, SEEDS, 12, adamKeepsGoing), ...miniBatchRows(SGD, SEEDS, 12, adamKeepsGoing)]);
  assert.deepEqual(verdicts(shown), ['shown', 'shown', 'shown', 'shown'], JSON.stringify(shown.map((f) => f.why)));
  assert.match(shown[2]!.label, /adam vs GN/);
  assert.match(shown[3]!.label, /sgd vs GN/);
  const reverse = longerFindings([...miniBatchRows(GN, SEEDS, 12, adamKeepsGoing), ...miniBatchRows(ADAM, SEEDS, 12, gnSaturates)]);
  assert.deepEqual(verdicts(reverse), ['not shown', 'not shown', 'not shown']);
  const short = longerFindings([...miniBatchRows(GN, SEEDS, 4, gnSaturates), ...miniBatchRows(ADAM, SEEDS, 4, adamKeepsGoing)]);
  assert.deepEqual(verdicts(short).slice(0, 2), ['inconclusive', 'inconclusive']);
  assert.match(short[0]!.why!, /too short/);
  assert.deepEqual(verdicts(longerFindings([])), ['inconclusive']);
  const single = longerFindings([...miniBatchRows(GN, [42], 12, gnSaturates), ...miniBatchRows(ADAM, [42], 12, adamKeepsGoing)]);
  assert.deepEqual(verdicts(single), ['shown', 'shown', 'shown']);
});

// ---- Appendix: optimizer switching -----------------------------------------------------------

const ADAM_GN: Labels = { curve: 'adam->gn', optimizer: 'adam->gn' };
const GN_ADAM: Labels = { curve: 'gn->adam', optimizer: 'gn->adam' };
/** Before the switch (epoch 6 of 12) `first`, after it `then`, continuous at the switch. */
function switched(first: MiniCurve, then: MiniCurve, at = 6): MiniCurve {
  const join = (a: (e: number, s: number) => number, b: (e: number, s: number) => number) => (e: number, s: number) => (e <= at ? a(e, s) : b(e, s) - b(at, s) + a(at, s));
  return { test: join(first.test, then.test), train: join(first.train, then.train), change: (e, s) => (e <= at ? first.change?.(e, s) ?? -2 : then.change?.(e, s) ?? -2) };
}

test('Appendix switching: GN stalls from Adam weights, Adam rescues GN (shown), the reverse (not shown), within spread, short, empty, NaN, single seed (inconclusive)', () => {
  const gnC: MiniCurve = { ...gnSaturates, change: (_e, s) => -20 * jitter(s) };
  const adamC: MiniCurve = { ...adamKeepsGoing, change: (_e, s) => -2 * jitter(s) };
  const table = (gnLike: MiniCurve, adamLike: MiniCurve, seeds = SEEDS) => [
    ...miniBatchRows(ADAM_GN, seeds, 12, switched(adamLike, gnLike)), ...miniBatchRows(GN_ADAM, seeds, 12, switched(gnLike, adamLike)),
    ...miniBatchRows(GN, seeds, 12, gnLike), ...miniBatchRows(ADAM, seeds, 12, adamLike),
  ];
  const shown = switchFindings(table(gnC, adamC), 6);
  assert.deepEqual(verdicts(shown), ['shown', 'shown', 'shown'], JSON.stringify(shown.map((f) => f.why)));
  assert.match(shown[0]!.label, /epoch 6/);
  // The optimizers' roles swapped: GN keeps improving, Adam stalls and cuts its batches more.
  const reverse = switchFindings(table({ ...adamC, change: (_e, s) => -2 * jitter(s) }, { ...gnC, change: (_e, s) => -30 * jitter(s) }), 6);
  assert.deepEqual(verdicts(reverse), ['not shown', 'not shown', 'not shown'], JSON.stringify(reverse.map((f) => f.why)));
  // The switch epoch defaults to half the switching runs' length.
  assert.deepEqual(verdicts(switchFindings(table(gnC, adamC))), ['shown', 'shown', 'shown']);
  // Every curve the same up to a ±30% seed scatter: within the spread.
  const flat: MiniCurve = { test: (e, s) => (1 + 0.01 * e) * jitter(s, 0.3), train: (e, s) => jitter(s, 0.3), change: (_e, s) => -5 * jitter(s, 0.3) };
  assert.deepEqual(verdicts(switchFindings(table(flat, flat), 6)), ['inconclusive', 'inconclusive', 'inconclusive']);
  // No epoch after the switch, an empty table, NaN values.
  const short = switchFindings(table(gnC, adamC).filter((r) => r.epoch <= 6), 6);
  assert.ok(short.every((f) => f.verdict === 'inconclusive' && /too short/.test(f.why!)), JSON.stringify(short.map((f) => f.why)));
  assert.deepEqual(verdicts(switchFindings([])), ['inconclusive', 'inconclusive', 'inconclusive']);
  const nan: MiniCurve = { test: () => NaN, train: () => NaN, change: () => NaN };
  assert.ok(verdicts(switchFindings(table(nan, nan), 6)).every((v) => v === 'inconclusive'));
  // Only the switching runs: the comparisons with plain GN and Adam have no data.
  const onlySwitch = switchFindings(table(gnC, adamC).filter((r) => r.curve.includes('->')), 6);
  assert.deepEqual(verdicts(onlySwitch), ['inconclusive', 'inconclusive', 'shown']);
  assert.match(onlySwitch[0]!.why!, /no data/);
  const single = switchFindings(table(gnC, adamC, [42]), 6);
  assert.deepEqual(verdicts(single), ['shown', 'shown', 'shown']);
  assert.ok(single.every((f) => /single seed/.test(f.why!)));
});

// ---- Appendix sweeps: generalization at matched training loss --------------------------------

test('Appendix sweeps at matched training loss: GN worse at the same training loss (shown), better (not shown), Adam never that low, within spread, empty, NaN, single seed (inconclusive)', () => {
  const V: Labels = { curve: 'GN lr 1e-3', optimizer: 'gn' };
  // Adam's epoch training loss falls below GN's final 0.6 at epoch 9, where its test loss is 0.63 < GN's 0.8.
  const m = testLossAtMatchedTrainLoss([...miniBatchRows(V, SEEDS, 12, gnSaturates), ...miniBatchRows(ADAM, SEEDS, 12, adamKeepsGoing)], 'GN lr 1e-3');
  assert.equal(m.ref.length, 3);
  assert.ok(Math.abs(m.ref[1]! - (0.3 + 2 * Math.exp(-1.8))) < 1e-9, `Adam's test loss at epoch 9: ${m.ref[1]}`);
  assert.ok(Math.abs(m.trainLoss[1]! - (0.6 + 1.5 * Math.exp(-24))) < 1e-9);
  const judge = (gn: MiniCurve, adam: MiniCurve, seeds = SEEDS) => matchedLossFindings([...miniBatchRows(V, seeds, 12, gn), ...miniBatchRows(ADAM, seeds, 12, adam)], ['GN lr 1e-3'], 'lr')[0]!;
  assert.equal(judge(gnSaturates, adamKeepsGoing).verdict, 'shown');
  // GN's test loss equals its training loss; Adam's is 0.5 above its own: GN generalizes better.
  const gnTight: MiniCurve = { train: gnSaturates.train, test: gnSaturates.train };
  const adamLoose: MiniCurve = { train: adamKeepsGoing.train, test: (e, s) => adamKeepsGoing.train(e, s) + 0.5 };
  assert.equal(judge(gnTight, adamLoose).verdict, 'not shown');
  // Adam stops at a higher training loss: the level is Adam's, both read where they first reach it.
  const adamHigh: MiniCurve = { train: (e, s) => 1 + Math.exp(-e) * jitter(s), test: () => 0.2 };
  assert.equal(judge(gnSaturates, adamHigh).verdict, 'shown');
  // The GN variant never leaves init (its training loss stays at its initial value): too short.
  const stuck = judge({ train: (_e, s) => 2.3 * jitter(s, 0.001), test: () => 2.3 }, adamKeepsGoing);
  assert.equal(stuck.verdict, 'inconclusive');
  assert.match(stuck.why!, /never left init/);
  // Same curves up to a ±30% seed scatter.
  const noisy = (c: MiniCurve): MiniCurve => ({ train: c.train, test: (e, s) => 0.7 * jitter(s, 0.3) + 0 * c.test(e, s) });
  assert.equal(judge(noisy(gnSaturates), noisy(adamKeepsGoing)).verdict, 'inconclusive');
  assert.equal(matchedLossFindings([], [], 'lr')[0]!.verdict, 'inconclusive');
  assert.equal(matchedLossFindings([], ['GN lr 1e-3'], 'lr')[0]!.verdict, 'inconclusive');
  assert.equal(judge({ train: () => NaN, test: () => NaN }, adamKeepsGoing).verdict, 'inconclusive');
  const single = judge(gnSaturates, adamKeepsGoing, [42]);
  assert.equal(single.verdict, 'shown');
  assert.match(single.why!, /single seed/);
});

test('Appendix test accuracy: rivals end higher and GN gains less late (shown), the reverse (not shown), within spread, empty, NaN, single seed (inconclusive)', () => {
  const acc = (final: number, rate: number): MiniCurve => ({ test: () => 1, train: () => 1, acc: (e, s) => (final - 0.5 * Math.exp(-rate * e)) * jitter(s, 0.002) });
  const gnAcc = acc(0.8, 2), adamAcc = acc(0.9, 0.3);
  const shown = testAccuracyFindings([...miniBatchRows(GN, SEEDS, 12, gnAcc), ...miniBatchRows(ADAM, SEEDS, 12, adamAcc), ...miniBatchRows(SGD, SEEDS, 12, adamAcc)], 'gn');
  assert.deepEqual(verdicts(shown), ['shown', 'shown', 'shown'], JSON.stringify(shown.map((f) => f.why)));
  // Adam's finding does not hang on SGD's: SGD below GN makes only SGD's finding fail.
  const sgdLow = testAccuracyFindings([...miniBatchRows(GN, SEEDS, 12, gnAcc), ...miniBatchRows(ADAM, SEEDS, 12, adamAcc), ...miniBatchRows(SGD, SEEDS, 12, acc(0.6, 0.3))], 'gn');
  assert.deepEqual(verdicts(sgdLow), ['shown', 'not shown', 'shown']);
  const reverse = testAccuracyFindings([...miniBatchRows(GN, SEEDS, 12, adamAcc), ...miniBatchRows(ADAM, SEEDS, 12, gnAcc)], 'gn');
  assert.deepEqual(verdicts(reverse), ['not shown', 'not shown']);
  const noisy = (f: number): MiniCurve => ({ test: () => 1, train: () => 1, acc: (_e, s) => f * jitter(s, 0.3) });
  assert.deepEqual(verdicts(testAccuracyFindings([...miniBatchRows(GN, SEEDS, 12, noisy(0.8)), ...miniBatchRows(ADAM, SEEDS, 12, noisy(0.81))], 'gn')), ['inconclusive', 'inconclusive']);
  assert.deepEqual(verdicts(testAccuracyFindings([], 'gn')), ['inconclusive', 'inconclusive']);
  assert.deepEqual(verdicts(testAccuracyFindings(miniBatchRows(GN, SEEDS, 12, gnAcc), 'gn')), ['inconclusive', 'inconclusive']);
  const nan: MiniCurve = { test: () => NaN, train: () => NaN, acc: () => NaN };
  assert.deepEqual(verdicts(testAccuracyFindings([...miniBatchRows(GN, SEEDS, 12, nan), ...miniBatchRows(ADAM, SEEDS, 12, adamAcc)], 'gn')), ['inconclusive', 'inconclusive']);
  const single = testAccuracyFindings([...miniBatchRows(GN, [42], 12, gnAcc), ...miniBatchRows(ADAM, [42], 12, adamAcc)], 'gn');
  assert.deepEqual(verdicts(single), ['shown', 'shown']);
  assert.ok(single.every((f) => /single seed/.test(f.why!)));
});

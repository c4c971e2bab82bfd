// The appendix figure specs: their runs are valid configs with the intended knobs in both profiles,
// runs that should be shared have one run key, and draw/findings work on hand-made results (no
// training here) and compute their verdicts from the numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setupBackend } from '../helpers/backend.js';
import { tf } from '../../src/backend/index.js';
import { validateConfig, type ResolvedConfig } from '../../src/experiments/config.js';
import { runKey } from '../../src/experiments/key.js';
import type { EventRow } from '../../src/experiments/events.js';
import type { RunResult } from '../../src/experiments/runner.js';
import { RevMLP, type Params } from '../../src/model/revmlp.js';
import { figureFromRows, type ResultRow } from '../../src/plots/rows.js';
import {
  ALL_FIGURES, APPENDIX_FIGURES, APPENDIX_QUICK_CAP, GN_LRS, LONGER_FACTOR, appendixEpochs, longerEpochs, GN_WEIGHT_DECAYS, INIT_STDS, MAIN_FIGURES, PAPER_LONGER_EPOCHS, PINV_LEVELS, fig2, fig4, figureById, figureOptions,
  appendixCkaBlocks, appendixGnLr, appendixInitStd, appendixLongerTraining, appendixPinv, appendixSwitching, appendixTestAccuracy, appendixUpdateRules,
  appendixWeightDecay, appendixWeights, withVerticalMarker, wrappedFigure,
  type AnyFigureSpec, type FigureOptions, type FigureRuns, type Finding, type RunsFigureSpec, type LabeledRow, type RunRef, type TidyRow, tidyRows, runLabels,
} from '../../src/report/index.js';
import { capOverrides, sci, sweepLabel } from '../../src/report/figures/appendix-shared.js';
import { deepMerge, preset } from '../../src/experiments/presets.js';
import { halfIndex, halfName, halfTable, lastPerHalf } from '../../src/report/figures/appendix-checkpoints.js';
import { relativeDifference, weightRms } from '../../src/report/figures/appendix-rules.js';
import { gapRows } from '../../src/report/figures/appendix-test-accuracy.js';

const quiet = { progress: false, log: () => {} };
const QUICK = figureOptions({ profile: 'quick', ...quiet });
const PAPER = figureOptions({ profile: 'paper', ...quiet });
const PROFILES: [string, FigureOptions][] = [['quick', QUICK], ['paper', PAPER]];

const resolved = (refs: RunRef[]): ResolvedConfig[] => refs.map((r) => validateConfig(r.config));
const gnOnly = (refs: RunRef[]): ResolvedConfig[] => resolved(refs).filter((c) => c.optimizer.name === 'gn');
const sorted = (v: number[]): number[] => [...new Set(v)].sort((a, b) => a - b);

test('the catalog holds the main figures, the eleven appendix figures, then the lazy-regime answer, ids unique and findable', () => {
  assert.equal(APPENDIX_FIGURES.length, 11);
  assert.deepEqual(ALL_FIGURES.map((f) => f.id), [...MAIN_FIGURES, ...APPENDIX_FIGURES].map((f) => f.id).concat('lazy-regime'));
  const ids = APPENDIX_FIGURES.map((f) => f.id);
  assert.equal(new Set(ALL_FIGURES.map((f) => f.id)).size, ALL_FIGURES.length);
  for (const id of ids) {
    assert.match(id, /^appendix-/);
    assert.equal(figureById(id)?.id, id);
  }
});

for (const [name, o] of PROFILES) {
  test(`${name} profile: every appendix run is a valid config, run ids are unique, settings and deviations are filled`, () => {
    for (const spec of APPENDIX_FIGURES) {
      const refs = spec.runs(o);
      assert.ok(refs.length > 0, spec.id);
      assert.equal(new Set(refs.map((r) => r.id)).size, refs.length, `${spec.id}: duplicate run ids`);
      for (const c of resolved(refs)) {
        assert.equal(c.profile, name, spec.id);
        if (name === 'paper') {
          assert.equal(c.batch.mode === 'mini' && c.batch.size, 1024, spec.id);
          assert.equal(c.model.hidden, 8000, spec.id);
          assert.equal(c.dataset.limitTrain, undefined, spec.id);
        }
      }
      const settings = spec.settings(o);
      assert.ok(settings.length >= 4 && settings.every((s) => s.setting && s.paper && s.this_run), spec.id);
      assert.ok(spec.deviations(o).length > 0, spec.id);
    }
  });
}

test('quick appendix runs stay under the appendix cap; the checkpoint analyses reuse Figure 2\'s runs exactly', () => {
  const own = [appendixLongerTraining, appendixSwitching, appendixInitStd, appendixGnLr, appendixWeightDecay, appendixPinv, appendixUpdateRules];
  const cap = APPENDIX_QUICK_CAP;
  for (const spec of own) {
    for (const c of resolved(spec.runs(QUICK))) {
      assert.ok(c.model.hidden !== null && c.model.hidden <= cap.hidden, spec.id);
      assert.ok(c.batch.mode === 'mini' && c.batch.size <= cap.batch && c.batch.size <= c.model.hidden! + 1, `${spec.id}: the ReLU blocks keep n <= h + 1`);
      assert.ok(c.dataset.limitTrain !== undefined && c.dataset.limitTrain <= cap.limitTrain, spec.id);
      assert.ok(c.dataset.limitTest !== undefined && c.dataset.limitTest <= cap.limitTest, spec.id);
      assert.ok(c.epochs <= (spec === appendixLongerTraining ? LONGER_FACTOR : 1) * cap.epochs, spec.id);
    }
  }
  // While Figure 2's quick MNIST runs fit under the cap, the plain appendix runs are Figure 2's own.
  const fig2Mnist = fig2.runs(QUICK).filter((r) => r.dataset === 'MNIST');
  const fits = resolved(fig2Mnist).every((c) => c.model.hidden! <= cap.hidden && c.dataset.limitTrain! <= cap.limitTrain && c.dataset.limitTest! <= cap.limitTest && c.epochs <= cap.epochs);
  const fig2Keys = new Set(resolved(fig2Mnist).map((c) => runKey(c)));
  const plain = resolved(appendixInitStd.runs(QUICK)).filter((c) => c.model.initStd === 1e-3 || c.optimizer.name === 'adam');
  assert.equal(plain.length, 2);
  for (const c of plain) assert.equal(fig2Keys.has(runKey(c)), fits);
  for (const o of [QUICK, PAPER]) {
    const keys = (spec: AnyFigureSpec) => resolved(spec.runs(o)).map((c) => runKey(c));
    for (const spec of [appendixWeights, appendixCkaBlocks, appendixTestAccuracy]) assert.deepEqual(keys(spec), keys(fig2), spec.id);
  }
  // The two update-rule runs are Figure 4's GN runs (both rules) whenever no cap applies (always in the paper profile).
  const fig4Keys = new Set(resolved(fig4.runs(PAPER)).map((c) => runKey(c)));
  const ruleRuns = resolved(appendixUpdateRules.runs(PAPER)).filter((c) => c.seed === PAPER.seeds[0]);
  assert.equal(ruleRuns.length, 2);
  for (const c of ruleRuns) assert.ok(fig4Keys.has(runKey(c)));
});

test('the cap cuts an oversized config to the cap and leaves one that fits alone', () => {
  const big = preset('minibatch-mnist-gn', { profile: 'paper' });
  const { overrides, capped } = capOverrides(big);
  assert.equal(capped, true);
  const cut = validateConfig(deepMerge(big, overrides));
  assert.equal(cut.model.hidden, APPENDIX_QUICK_CAP.hidden);
  assert.deepEqual(cut.batch, { mode: 'mini', size: APPENDIX_QUICK_CAP.batch });
  assert.equal(cut.dataset.limitTrain, APPENDIX_QUICK_CAP.limitTrain);
  assert.equal(cut.dataset.limitTest, APPENDIX_QUICK_CAP.limitTest);
  const small = preset('minibatch-mnist-gn', { profile: 'quick', overrides: { model: { hidden: 64 }, batch: { mode: 'mini', size: 32 }, dataset: { limitTrain: 256, limitTest: 100 } } });
  assert.deepEqual(capOverrides(small), { overrides: {}, capped: false });
  assert.equal(appendixEpochs(PAPER), 100);
  assert.equal(longerEpochs(PAPER), PAPER_LONGER_EPOCHS);
  assert.equal(longerEpochs(QUICK), LONGER_FACTOR * appendixEpochs(QUICK));
});

test('runs that must be shared have one run key; variants do not', () => {
  for (const o of [QUICK, PAPER]) {
    const key = (spec: AnyFigureSpec, pick: (c: ResolvedConfig, r: RunRef) => boolean) => {
      const refs = spec.runs(o);
      return [...new Set(refs.filter((r) => pick(validateConfig(r.config), r)).map((r) => runKey(validateConfig(r.config))))];
    };
    const plainGn = (c: ResolvedConfig, r: RunRef) => r.dataset === 'MNIST' && c.optimizer.name === 'gn' && !c.switchAt && c.optimizer.lr === 0.1 && c.optimizer.weightDecay === 0 &&
      c.model.initStd === 1e-3 && c.optimizer.gn!.pinv === 'truncated' && c.optimizer.gn!.rtol === 1e-2 && c.optimizer.gn!.noise === 0 && c.optimizer.gn!.rule === 'block';
    const gnKeys = [appendixSwitching, appendixInitStd, appendixGnLr, appendixWeightDecay, appendixPinv, appendixUpdateRules].map((s) => key(s, plainGn));
    for (const k of gnKeys) assert.equal(k.length, o.seeds.length);
    assert.equal(new Set(gnKeys.flat()).size, o.seeds.length, 'one plain GN run per seed for every sweep');
    const adam = (c: ResolvedConfig, r: RunRef) => c.optimizer.name === 'adam' && !c.switchAt && r.dataset === 'MNIST';
    assert.equal(new Set([appendixSwitching, appendixInitStd, appendixGnLr, appendixWeightDecay, appendixPinv].flatMap((s) => key(s, adam))).size, o.seeds.length);
    const all = resolved(appendixPinv.runs(o)).map((c) => runKey(c));
    assert.equal(new Set(all).size, all.length, 'every pseudo-inverse variant is its own run');
  }
  // In the paper profile the plain runs are Figure 2's runs themselves.
  const fig2Keys = new Set(resolved(fig2.runs(PAPER)).map((c) => runKey(c)));
  const plain = resolved(appendixInitStd.runs(PAPER)).filter((c) => c.model.initStd === 1e-3 || c.optimizer.name === 'adam');
  assert.equal(plain.length, 2 * PAPER.seeds.length);
  for (const c of plain) assert.ok(fig2Keys.has(runKey(c)));
});

test('sweep knobs: init stds, GN learning rates, weight decays and pseudo-inverse levels', () => {
  for (const o of [QUICK, PAPER]) {
    assert.deepEqual(sorted(gnOnly(appendixInitStd.runs(o)).map((c) => c.model.initStd)), sorted([...INIT_STDS]));
    assert.deepEqual(sorted(INIT_STDS as number[]), [1e-6, 1e-3, 1e-2]);
    assert.deepEqual(sorted(gnOnly(appendixGnLr.runs(o)).map((c) => c.optimizer.lr)), [1e-4, 1e-3, 1e-1]);
    assert.deepEqual(sorted([...GN_LRS]), [1e-4, 1e-3, 1e-1]);
    assert.deepEqual(sorted(gnOnly(appendixWeightDecay.runs(o)).map((c) => c.optimizer.weightDecay)), sorted([0, ...GN_WEIGHT_DECAYS[o.profile]]));
    const gn = gnOnly(appendixPinv.runs(o)).map((c) => c.optimizer.gn!);
    const L = PINV_LEVELS[o.profile];
    assert.deepEqual(sorted(gn.filter((g) => g.pinv === 'truncated' && g.noise === 0).map((g) => g.rtol)), sorted([1e-2, ...L.truncation]));
    assert.deepEqual(sorted(gn.filter((g) => g.pinv === 'damped').map((g) => g.damping)), sorted([...L.damping]));
    assert.deepEqual(sorted(gn.filter((g) => g.noise > 0).map((g) => g.noise)), sorted([...L.noise]));
    for (const spec of [appendixInitStd, appendixGnLr, appendixWeightDecay, appendixPinv]) {
      assert.equal(resolved(spec.runs(o)).filter((c) => c.optimizer.name === 'adam').length, o.seeds.length, `${spec.id}: Adam reference per seed`);
    }
  }
  const row = appendixInitStd.settings(QUICK).find((r) => r.setting === 'GN init std of W');
  assert.equal(row?.this_run, '1e-2, 1e-3, 1e-6');
  assert.equal(appendixGnLr.settings(QUICK).find((r) => r.setting === 'GN learning rates')?.this_run, '1e-1, 1e-3, 1e-4');
});

test('longer training, switching and update-rule runs have the intended epochs, switch and rules', () => {
  for (const [o, epochs] of [[QUICK, LONGER_FACTOR * appendixEpochs(QUICK)], [PAPER, PAPER_LONGER_EPOCHS]] as const) {
    const cs = resolved(appendixLongerTraining.runs(o));
    assert.deepEqual(cs.map((c) => c.optimizer.name).sort(), ['adam', 'gn', 'sgd'].flatMap((n) => o.seeds.map(() => n)).sort());
    assert.ok(cs.every((c) => c.epochs === epochs));
    assert.ok(epochs > appendixEpochs(o));
    const sw = resolved(appendixSwitching.runs(o)).filter((c) => c.switchAt);
    const pairs = sw.map((c) => `${c.optimizer.name}->${c.switchAt!.optimizer.name}`);
    assert.ok(pairs.includes('adam->gn') && pairs.includes('gn->adam'));
    for (const c of sw) {
      assert.equal(c.switchAt!.epoch, c.epochs / 2);
      assert.equal((c.optimizer.name === 'gn' ? c.optimizer : c.switchAt!.optimizer).lr, 0.1);
    }
    assert.equal(new Set(sw.map((c) => c.dataset.name)).size, o.profile === 'quick' ? 1 : 2, 'quick: MNIST only; paper: MNIST and CIFAR-10');
    const rules = gnOnly(appendixUpdateRules.runs(o)).map((c) => c.optimizer.gn!.rule);
    assert.deepEqual(rules.sort(), ['block', 'half-coupling'].flatMap((r) => o.seeds.map(() => r)).sort());
  }
  const half = figureOptions({ profile: 'quick', rule: 'half-coupling', ...quiet });
  assert.ok(gnOnly(appendixInitStd.runs(half)).every((c) => c.optimizer.gn!.rule === 'half-coupling'));
  assert.ok(appendixInitStd.runs(half).some((r) => r.optimizer === sweepLabel('init std 1e-6', 'half-coupling')));
  assert.ok(appendixSwitching.runs(half).some((r) => r.optimizer === 'adam->gn (half-coupling)'));
});

// ---- hand-made results --------------------------------------------------------------------------

/** A curve per run: test loss/acc per epoch, and per-step training loss and batch change. */
type Curve = (ref: RunRef, epoch: number) => { test_loss: number; test_acc: number; train_loss: number; change: number };

function synth(spec: AnyFigureSpec, o: FigureOptions, curve: Curve): FigureRuns {
  const refs = spec.runs(o);
  const results: RunResult[] = [];
  const rows: LabeledRow[] = [];
  const table: TidyRow[] = [];
  refs.forEach((ref, i) => {
    const config = validateConfig(ref.config);
    const own: EventRow[] = [];
    let step = 0;
    for (let epoch = 0; epoch <= config.epochs; epoch++) {
      if (epoch > 0) {
        for (let b = 0; b < 2; b++) {
          const c = curve(ref, epoch);
          step++;
          own.push({ type: 'step', epoch, step, batch: b, batch_size: 8, optimizer: config.optimizer.name, train_loss: c.train_loss, loss_after: c.train_loss, batch_loss_change_pct: c.change, step_ms: 1 });
        }
      }
      const c = curve(ref, epoch);
      own.push({ type: 'eval', epoch, step, test_loss: c.test_loss, test_acc: c.test_acc, eval_ms: 1 });
    }
    results.push({ key: `k${i}`, dir: `/nowhere/${i}`, status: 'complete', rows: own, cached: true, config });
    for (const r of own) rows.push({ ...r, ...(ref.tags ?? {}), optimizer_label: ref.optimizer, dataset: ref.dataset, seed: ref.seed, run: ref.id } as LabeledRow);
    table.push(...tidyRows(runLabels(ref, { config }), own));
  });
  return { options: o, refs, results, rows, table };
}

/** GN saturates at `gnFloor`; everything else decays towards `floor` (lower when `adamWins`). */
function saturating(adamWins: boolean): Curve {
  return (ref, epoch) => {
    const isGn = ref.config.optimizer.name === 'gn' && !ref.config.switchAt;
    const floor = isGn ? 0.8 : adamWins ? 0.3 : 1.2;
    // The others keep improving to the end of their run (longer training included).
    const rate = isGn ? 2 : 3 / ref.config.epochs;
    const loss = floor + (2.3 - floor) * Math.exp(-rate * epoch);
    return { test_loss: loss, test_acc: 1 - loss / 2.5, train_loss: loss * 0.8, change: isGn ? -20 : -2 };
  };
}

function checkDrawn(spec: AnyFigureSpec, runs: FigureRuns, analysis: ResultRow[] = []): void {
  const drawn = 'from' in spec ? spec.draw(runs, analysis) : spec.draw(runs.table, runs.options);
  assert.ok(drawn.length > 0, spec.id);
  for (const d of drawn) {
    assert.ok(d.figure.data.length > 0, `${spec.id}/${d.name}: traces`);
    assert.ok(d.caption.length > 20, `${spec.id}/${d.name}: caption`);
    assert.ok(d.figure.data.every((t) => t.y.every((v) => v === null || Number.isFinite(v))), `${spec.id}: no NaN in traces`);
  }
}

function findingsOf(spec: AnyFigureSpec, runs: FigureRuns, analysis: ResultRow[] = []): Finding[] {
  return 'from' in spec ? spec.findings(runs, analysis) : spec.findings(runs.table);
}

function verdicts(spec: AnyFigureSpec, runs: FigureRuns, analysis: ResultRow[] = []): boolean[] {
  return findingsOf(spec, runs, analysis).filter((f) => f.verdict !== undefined).map((f) => f.verdict === 'shown');
}

test('training-curve specs draw and judge hand-made results: claims hold when GN saturates, fail when it wins', () => {
  for (const spec of [appendixLongerTraining, appendixInitStd, appendixGnLr, appendixWeightDecay, appendixPinv, appendixTestAccuracy]) {
    const good = synth(spec, QUICK, saturating(true));
    checkDrawn(spec, good);
    const yes = verdicts(spec, good);
    assert.ok(yes.length > 0, spec.id);
    const bad = verdicts(spec, synth(spec, QUICK, saturating(false)));
    // Every "GN is worse than Adam" claim flips; the lr claim (lr 0.1 ends lowest among GN) does not depend on Adam.
    assert.ok(bad.filter((v) => !v).length >= 1, `${spec.id}: some claim must fail when GN ends best`);
    if (spec !== appendixGnLr) assert.ok(yes.every((v) => v), `${spec.id}: all claims hold on saturating GN ${JSON.stringify(findingsOf(spec, good))}`);
  }
  // The lr sweep: the hand-made GN curves are identical across lrs; make the small lrs slower.
  const lrRuns = (power: number) => synth(appendixGnLr, QUICK, (ref, epoch) => {
    const slow = ref.config.optimizer.name === 'gn' ? (0.1 / ref.config.optimizer.lr) ** power : 1;
    const loss = 0.8 + 1.5 * Math.exp(-epoch / slow);
    return { test_loss: ref.config.optimizer.name === 'adam' ? loss - 0.5 : loss, test_acc: 0.5, train_loss: loss, change: -1 };
  });
  // Slower but every run leaves init: judged at matched training loss, and the largest lr ends lowest.
  assert.deepEqual(verdicts(appendixGnLr, lrRuns(0.3)), [true, true], JSON.stringify(findingsOf(appendixGnLr, lrRuns(0.3)).map((f) => f.why)));
  // 100x and 1000x slower: lr 1e-3 and 1e-4 stay within 5% of the initial loss, so both claims would hold by construction.
  const stuck = findingsOf(appendixGnLr, lrRuns(1)).filter((f) => f.verdict !== undefined);
  assert.deepEqual(stuck.map((f) => f.verdict), ['inconclusive', 'inconclusive']);
  assert.ok(stuck.every((f) => /never left init/.test(f.why!)), JSON.stringify(stuck.map((f) => f.why)));
});

test('switching: the marker sits at the switch in every subplot, and the verdicts follow the numbers', () => {
  const curve = (gnStalls: boolean): Curve => (ref, epoch) => {
    const c = ref.config;
    const at = c.switchAt?.epoch ?? Infinity;
    const opt = epoch > at ? c.switchAt!.optimizer.name : c.optimizer.name;
    const gnPhase = opt === 'gn';
    const loss = gnPhase === gnStalls ? 1 + 1 / (1 + epoch) : 2 / (1 + epoch);
    return { test_loss: loss, test_acc: 1 - loss / 3, train_loss: loss, change: gnPhase ? -20 : -2 };
  };
  const runs = synth(appendixSwitching, QUICK, curve(true));
  const [drawn] = appendixSwitching.draw(runs, []);
  const at = Math.floor(appendixEpochs(QUICK) / 2);
  const axes = Object.keys(drawn!.figure.layout).filter((k) => /^xaxis\d*$/.test(k));
  assert.equal(axes.length, 4, 'four rows of panels, one dataset');
  assert.equal(drawn!.figure.layout.shapes?.length, axes.length);
  assert.ok(drawn!.figure.layout.shapes!.every((s) => s.x0 === at && s.x1 === at && s.y0 === 0 && s.y1 === 1 && /^y\d* domain$/.test(s.yref!)));
  assert.ok(drawn!.figure.layout.annotations!.some((a) => a.text.includes(`switch after epoch ${at}`)));
  assert.deepEqual(verdicts(appendixSwitching, runs), [true, true, true]);
  assert.deepEqual(verdicts(appendixSwitching, synth(appendixSwitching, QUICK, curve(false))), [false, false, true]);
});

test('weights, CKA and update-rule findings read hand-made analysis rows', () => {
  const runs = synth(appendixWeights, QUICK, saturating(true));
  const ds = runs.refs[0]!.dataset;
  const wRows: ResultRow[] = [];
  for (const [label, cos, rel, ratio] of [['gn', 0.95, 0.3, 1.2], ['adam', 0.5, 2, 3], ['sgd', 0.6, 1.5, 3]] as const) {
    for (let b = 0; b < 2; b++) {
      for (const half of ['f', 'g'] as const) {
        for (const epoch of [0, 8]) {
          wRows.push({
            dataset: ds, optimizer_label: label, seed: 42, epoch, half_index: halfIndex(b, half), which: halfName(b, half),
            weight_cos_init: epoch === 0 ? 1 : cos, weight_norm_ratio: epoch === 0 ? 1 : ratio, weight_rel_change: epoch === 0 ? 0 : rel,
          });
        }
      }
    }
  }
  checkDrawn(appendixWeights, runs, wRows);
  assert.equal(appendixWeights.draw(runs, wRows)[0]!.figure.layout.xaxis?.dtick, 1, 'half-coupling positions tick at integers');
  // relative change vs adam, vs sgd, per half-coupling vs adam; norm ratio vs adam, vs sgd
  assert.deepEqual(verdicts(appendixWeights, runs, wRows), [true, true, true, true, true]);
  const moved = wRows.map((r) => (r.optimizer_label === 'gn' && r.epoch === 8 && r.half_index === 3 ? { ...r, weight_rel_change: 5 } : r));
  assert.deepEqual(verdicts(appendixWeights, runs, moved), [false, false, false, true, true]);
  // The cosine alone decides nothing: GN's cosine far below the others' changes no verdict.
  const lowCos = wRows.map((r) => (r.optimizer_label === 'gn' && r.epoch === 8 ? { ...r, weight_cos_init: 0.01 } : r));
  assert.deepEqual(verdicts(appendixWeights, runs, lowCos), [true, true, true, true, true]);

  const cRows: ResultRow[] = wRows.map((r) => ({ dataset: r.dataset, optimizer_label: r.optimizer_label, seed: 42, epoch: r.epoch, which: r.which, half_index: r.half_index, cka_init: r.weight_cos_init }));
  const ct = halfTable(cRows, ['cka_init'], runs);
  assert.deepEqual(lastPerHalf(ct, 'gn', 'cka_init'), [{ seed: 42, halves: ['b0.f', 'b0.g', 'b1.f', 'b1.g'], values: [0.95, 0.95, 0.95, 0.95] }]);
  assert.equal(ct.find((r) => r.curve === 'gn')!.optimizer, 'gn', 'the optimizer comes from the run');
  checkDrawn(appendixCkaBlocks, runs, cRows);
  assert.deepEqual(verdicts(appendixCkaBlocks, runs, cRows), [true, true, true]);

  const rules = synth(appendixUpdateRules, QUICK, (ref, epoch) => ({ test_loss: 1 + 1 / (1 + epoch) + (ref.optimizer === 'gn' ? 0 : 0.01), test_acc: 0.5, train_loss: 1, change: -5 }));
  const a: ResultRow[] = [];
  for (const label of ['gn', 'gn (half-coupling)']) {
    for (const epoch of [0, 8]) {
      a.push({ kind: 'update', optimizer_label: label, seed: 42, epoch, update_rel_diff: epoch === 0 ? 0.01 : 0.2, weight_rms: epoch === 0 ? 1e-3 : 0.3 });
      for (const [step, res] of [['corrected', 1e-3], ['paper-era', 0.2]] as const) {
        for (const block of [1, 2]) a.push({ kind: 'residual', optimizer_label: `${step} step on the ${label} run`, trained: label, step_rule: step, seed: 42, epoch, which: `block ${block}`, block, residual: epoch === 0 ? 1e-4 : res });
      }
      a.push({ kind: 'ntk', optimizer_label: label, seed: 42, epoch, ntk_probe_cos_init: epoch === 0 ? 1 : 0.95 });
      a.push({ kind: 'cka', optimizer_label: label, seed: 42, epoch, cka_init: epoch === 0 ? 1 : label === 'gn' ? 0.95 : 0.5 });
    }
  }
  checkDrawn(appendixUpdateRules, rules, a);
  assert.equal(appendixUpdateRules.draw(rules, a).length, 4);
  // agree at init, drift, corrected realizes T better, same final loss (NTK and CKA: measurements)
  assert.deepEqual(verdicts(appendixUpdateRules, rules, a), [true, true, true, true]);
});

test('helpers: sweep labels and numbers, wrapped grids, vertical markers, generalization gap', () => {
  assert.equal(sci(0.1), '1e-1');
  assert.equal(sci(1e-6), '1e-6');
  assert.equal(sci(5e-4), '5e-4');
  assert.equal(sci(100), '100');
  assert.equal(sweepLabel('lr 1e-3', 'block'), 'lr 1e-3 (gn)');
  assert.equal(halfIndex(2, 'g'), 6);
  const rows: ResultRow[] = [];
  for (let p = 0; p < 5; p++) for (const g of ['gn', 'adam']) for (const x of [0, 1, 2]) rows.push({ panel: `p${p}`, opt: g, x, y: p + x, seed: 1 });
  const fig = wrappedFigure(rows, { x: 'x', y: 'y', groupBy: 'opt', panelBy: 'panel', cols: 3 });
  const xs = Object.keys(fig.layout).filter((k) => /^xaxis\d*$/.test(k));
  assert.equal(xs.length, 5);
  assert.equal(fig.data.filter((t) => t.showlegend !== false && t.mode !== 'none').map((t) => t.name).filter((n, i, a) => a.indexOf(n) === i).length, 2);
  assert.ok(fig.layout.xaxis2!.domain![0] > 0 && fig.layout.yaxis4!.domain![1] < fig.layout.yaxis!.domain![0], 'panel 4 wraps to the second row');
  const marked = withVerticalMarker(fig, 1, 'here');
  assert.equal(marked.layout.shapes?.length, 5);
  assert.deepEqual(marked.layout.shapes!.map((s) => s.xref), ['x', 'x2', 'x3', 'x4', 'x5']);
  assert.equal(fig.layout.shapes, undefined, 'the input figure is not changed');
  const single = withVerticalMarker(figureFromRows([{ e: 0, v: 1 }, { e: 1, v: 2 }], { x: 'e', y: 'v' }), 0.5, 'mid');
  assert.deepEqual(single.layout.shapes!.map((s) => [s.xref, s.yref]), [['x', 'y domain']]);

  const runs = synth(appendixTestAccuracy, QUICK, (_ref, epoch) => ({ test_loss: 1 + epoch, test_acc: 0.5, train_loss: epoch, change: 0 }));
  const gap = gapRows(runs);
  assert.ok(gap.length > 0 && gap.every((r) => r.generalization_gap === 1 && (r.epoch as number) >= 1));
});

test('relativeDifference and weightRms against hand computations', async () => {
  await setupBackend();
  const model = RevMLP.init({ inputDim: 8, hidden: 4, blocks: 2, classes: 3, seed: 3 });
  try {
    const params: Params = model.params;
    assert.equal(relativeDifference(params, params), 0);
    const scaled = params.map((b) => ({ f: { Wt: tf.mul(b.f.Wt, 1.5) as tf.Tensor2D, b: b.f.b ? (tf.mul(b.f.b, 1.5) as tf.Tensor1D) : undefined }, g: { Wt: tf.mul(b.g.Wt, 1.5) as tf.Tensor2D, b: b.g.b ? (tf.mul(b.g.b, 1.5) as tf.Tensor1D) : undefined } }));
    assert.ok(Math.abs(relativeDifference(params, scaled) - 0.5) < 1e-6);
    let ss = 0;
    let n = 0;
    for (const b of params) for (const h of [b.f, b.g]) for (const v of h.Wt.dataSync()) (ss += v * v), n++;
    assert.ok(Math.abs(weightRms(model) - Math.sqrt(ss / n)) < 1e-9);
    for (const b of scaled) for (const h of [b.f, b.g]) {
      h.Wt.dispose();
      h.b?.dispose();
    }
  } finally {
    model.dispose();
  }
});

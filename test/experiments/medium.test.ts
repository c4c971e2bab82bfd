// The medium profile (issue 17): frozen mini-batch MNIST runs, sizes per figure, the appendix cap, and the plan's budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/experiments/config.js';
import { runKey } from '../../src/experiments/key.js';
import { estimateRun } from '../../src/experiments/cost.js';
import { listPresets, MEDIUM, preset, presetOrFallback } from '../../src/experiments/presets.js';
import { figureOptions } from '../../src/report/figure.js';
import { ALL_FIGURES } from '../../src/report/catalog.js';
import { APPENDIX_MEDIUM_CAP, appendixRun, longerEpochs } from '../../src/report/figures/appendix-shared.js';
import { appendixUpdateRules } from '../../src/report/figures/appendix-rules.js';
import { fig2 } from '../../src/report/figures/fig2-minibatch.js';
import { appendixApproxGn } from '../../src/report/figures/beyond-approx-gn.js';

test('every preset validates in the medium profile', () => {
  for (const { name } of listPresets()) {
    const cfg = validateConfig(preset(name, { profile: 'medium' }));
    assert.equal(cfg.profile, 'medium');
    assert.ok(cfg.label?.startsWith(name), name);
  }
});

test('mini-batch MNIST medium is FROZEN: the runs training in /work/runs keep their keys (seed 42, block rule)', () => {
  // The key of `exact-gn run --preset minibatch-mnist-gn --profile medium --seed 42 --rule block`
  // as written by the long job (config.json there). A change to the preset, its defaults or the
  // code version would orphan those runs: change this only together with rerunning them.
  const cfg = validateConfig(preset('minibatch-mnist-gn', { profile: 'medium', seed: 42 }));
  assert.equal(runKey(cfg), '90fbc7b517a094a5');
  for (const opt of ['gn', 'adam', 'sgd']) {
    const c = validateConfig(preset(`minibatch-mnist-${opt}`, { profile: 'medium', seed: 43 }));
    assert.equal(c.model.hidden, 8000);
    assert.equal(c.model.blocks, 2);
    assert.deepEqual(c.batch, { mode: 'mini', size: 1024 });
    assert.equal(c.dataset.limitTrain, undefined);
    assert.equal(c.dataset.limitTest, undefined);
    assert.equal(c.epochs, 30);
    assert.deepEqual(c.checkpointEpochs, Array.from({ length: 31 }, (_, i) => i));
  }
});

test('medium CIFAR halves (and their Fashion-MNIST fallback): 6 blocks, CIFAR lrs, h = MEDIUM.cifar10.hidden, all data, 30 epochs', () => {
  const { config: c } = presetOrFallback('minibatch-cifar10-gn', { profile: 'medium' });
  assert.equal(c.model.blocks, 6);
  assert.equal(c.model.hidden, MEDIUM.cifar10.hidden);
  assert.equal(c.optimizer.lr, 0.1);
  assert.equal(c.epochs, 30);
  assert.equal(c.dataset.augment, true);
  assert.equal(c.dataset.limitTrain, undefined);
  assert.ok((c.batch.mode === 'mini' ? c.batch.size : 0) <= (c.model.hidden ?? 0) + 1, 'the batch stays below h + 1 (exact regime)');
  const sgd = presetOrFallback('minibatch-cifar10-sgd', { profile: 'medium' }).config;
  assert.equal(sgd.optimizer.lr, 0.01);
  const nob = presetOrFallback('minibatch-cifar10-nobottleneck-gn', { profile: 'medium' }).config;
  assert.equal(nob.model.hidden, null);
  assert.equal(nob.model.blocks, 6);
});

test('medium appendix: sweep variants at APPENDIX_MEDIUM_CAP, analyses of Figure 2\'s runs at Figure 2\'s size', () => {
  const o = figureOptions({ profile: 'medium' });
  const v = appendixRun('minibatch-mnist-gn', { optimizer: 'x', dataset: 'MNIST' }, o, 42, { overrides: { model: { initStd: 1e-6 } }, note: 'init std 1e-6' }).config;
  assert.equal(v.model.hidden, APPENDIX_MEDIUM_CAP.hidden);
  assert.equal(v.model.initStd, 1e-6);
  assert.equal(v.epochs, APPENDIX_MEDIUM_CAP.epochs);
  assert.deepEqual(v.checkpointEpochs, Array.from({ length: APPENDIX_MEDIUM_CAP.epochs + 1 }, (_, i) => i), 'a checkpoint every epoch (rates per epoch)');
  assert.equal(v.dataset.limitTrain, undefined, 'all training images');
  assert.match(v.label ?? '', /appendix size, init std 1e-6/);
  const longer = appendixRun('minibatch-mnist-adam', { optimizer: 'adam', dataset: 'MNIST' }, o, 42, { epochs: longerEpochs(o), note: 'longer training' }).config;
  assert.equal(longer.epochs, 3 * APPENDIX_MEDIUM_CAP.epochs);
  assert.equal(longer.model.hidden, APPENDIX_MEDIUM_CAP.hidden);
  // CIFAR-side runs already have the cap's width: Figure 2's own runs (one run in the cache).
  const cifar = appendixRun('minibatch-cifar10-gn', { optimizer: 'gn', dataset: 'CIFAR-10' }, o, 42).config;
  const fig2Keys = new Set(fig2.runs(o).map((r) => runKey(validateConfig(r.config))));
  assert.ok(fig2Keys.has(runKey(validateConfig(cifar))));
  // The update-rules analysis reads Figure 2's (frozen) MNIST runs.
  for (const r of appendixUpdateRules.runs(o)) assert.equal(r.config.model.hidden, 8000);
  assert.ok(fig2Keys.has(runKey(validateConfig(appendixUpdateRules.runs(o)[0]!.config))));
});

/** Estimated CPU hours of the distinct runs (shared runs once) of these figures at the medium profile. */
function mediumHours(specs: readonly (typeof ALL_FIGURES)[number][], keys = new Map<string, number>()): { hours: number; keys: Map<string, number> } {
  const o = figureOptions({ profile: 'medium' });
  for (const spec of specs) {
    for (const r of spec.runs(o)) {
      const cfg = validateConfig(r.config);
      keys.set(runKey(cfg), estimateRun(cfg).cpuSeconds);
    }
  }
  return { hours: [...keys.values()].reduce((a, b) => a + b, 0) / 3600, keys };
}

test('the medium set of the paper\'s figures stays within about 12 CPU hours on the benchmark machine; the beyond-paper runs add about 2 (the estimate of `exact-gn plan --profile medium`)', () => {
  const paper = mediumHours(ALL_FIGURES.filter((s) => s !== appendixApproxGn));
  assert.ok(paper.hours > 6 && paper.hours < 12.5, `medium estimate of the paper's figures ${paper.hours.toFixed(2)} CPU hours`);
  // Issue 20's exact-vs-approximate GN runs (h = 2048, 30 epochs; K-FAC is the costly one), counted beyond the shared runs.
  const all = mediumHours([appendixApproxGn], new Map(paper.keys));
  const extra = all.hours - paper.hours;
  assert.ok(extra > 0.5 && extra < 3, `beyond-paper medium runs ${extra.toFixed(2)} CPU hours`);
});

test('the CLI help and the environment help name the medium profile', async () => {
  const { COMMAND_HELP, ENVIRONMENT_HELP } = await import('../../src/cli/help.js');
  for (const cmd of ['run', 'plan', 'reproduce']) assert.match(COMMAND_HELP[cmd]!.flags.profile!, /medium/, cmd);
  assert.ok(ENVIRONMENT_HELP.some((l) => /EXACT_GN_PROFILE=quick\|medium\|paper/.test(l)));
  assert.equal(figureOptions({}).profile === 'medium', process.env.EXACT_GN_PROFILE === 'medium');
  const prev = process.env.EXACT_GN_PROFILE;
  process.env.EXACT_GN_PROFILE = 'medium';
  try {
    assert.equal(figureOptions({}).profile, 'medium');
    assert.deepEqual(figureOptions({}).seeds, [42]);
  } finally {
    if (prev === undefined) delete process.env.EXACT_GN_PROFILE;
    else process.env.EXACT_GN_PROFILE = prev;
  }
});

test('medium: every figure states its sizes as deviations and fills its settings', () => {
  const o = figureOptions({ profile: 'medium' });
  for (const spec of ALL_FIGURES) {
    const dev = spec.deviations(o);
    assert.ok(dev.some((d) => d.startsWith('medium profile')), `${spec.id}: ${dev.join(' | ')}`);
    assert.ok(dev.some((d) => d.includes('seeds 42 only')), spec.id);
    for (const row of spec.settings(o)) assert.ok(row.this_run.length > 0, `${spec.id}: ${row.setting}`);
  }
  const sweep = ALL_FIGURES.find((s) => s.id === 'appendix-init-std')!.deviations(o);
  assert.ok(sweep.some((d) => d.startsWith('medium appendix size') && d.includes('h = 1024')), sweep.join(' | '));
  const rules = ALL_FIGURES.find((s) => s.id === 'appendix-update-rules')!.deviations(o);
  assert.ok(!rules.some((d) => d.startsWith('medium appendix size')), 'the update-rules analysis reads Figure 2\'s runs');
});

test('EXACT_GN_PROFILE is the default profile of `run --preset` and `reproduce`; a bad value names the variable', async () => {
  const { spawnSync } = await import('node:child_process');
  const { join } = await import('node:path');
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'exact-gn.js');
  for (const args of [['reproduce', '--no-verify', '--figures', 'fig1', '--out', '/nonexistent/never'], ['run', '--preset', 'minibatch-mnist-gn']]) {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, EXACT_GN_BACKEND: 'cpu', EXACT_GN_PROFILE: 'bogus' } });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /EXACT_GN_PROFILE: unknown profile "bogus"; use one of paper, medium, quick/);
  }
});

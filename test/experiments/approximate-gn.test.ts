// K-FAC and damped GN in the experiment layer: config validation, presets, and resume (their
// factors, inverses, lambda and step counters travel in the resume checkpoint and are restored exactly).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend } from '../helpers/backend.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { validateConfig, type ExperimentConfig } from '../../src/experiments/config.js';
import { APPROX_GN_MEDIUM_HIDDEN, listPresets, preset } from '../../src/experiments/presets.js';
import { withoutTimings, type StepRow } from '../../src/experiments/events.js';
import { DEFAULT_KFAC } from '../../src/optim/kfac.js';
import { DEFAULT_DAMPED_GN } from '../../src/optim/damped-gn.js';
import { ConfigError } from '../../src/util/errors.js';
import { estimateRun } from '../../src/experiments/cost.js';
import { tempRoot, tinyMini } from './fixtures/configs.js';

before(async () => {
  await setupBackend();
});

const quiet = { progress: false, warn: () => {}, resumeIntervalMs: 0 } as const;

function checkpointBytes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const d = join(dir, 'checkpoints');
  for (const f of readdirSync(d).sort()) out.set(f, readFileSync(join(d, f)).toString('base64'));
  return out;
}

test('validateConfig resolves K-FAC and damped GN with every default, and only their own options', () => {
  const k = validateConfig(tinyMini({ optimizer: { name: 'kfac', lr: 0.1 } }));
  assert.deepEqual(k.optimizer, { name: 'kfac', lr: 0.1, weightDecay: 0, kfac: DEFAULT_KFAC });
  const d = validateConfig(tinyMini({ optimizer: { name: 'damped-gn', lr: 0.1, gn: { damping: 10 } } }));
  assert.equal(d.optimizer.gn?.pinv, 'damped');
  assert.equal(d.optimizer.gn?.damping, 10);
  assert.deepEqual(d.optimizer.lm, DEFAULT_DAMPED_GN);
  assert.equal(d.optimizer.kfac, undefined);
  // The resolved config is itself valid and resolves to itself (it is what the run key hashes).
  assert.deepEqual(validateConfig(d), d);
  assert.deepEqual(validateConfig(k), k);
  // Paper optimizers resolve as before: no K-FAC or LM fields (their run keys are unchanged).
  const g = validateConfig(tinyMini());
  assert.equal('kfac' in g.optimizer || 'lm' in g.optimizer, false);
});

test('bad K-FAC and damped GN settings are ConfigErrors naming the field, also under switchAt', () => {
  const bad: [ExperimentConfig, RegExp][] = [
    [tinyMini({ optimizer: { name: 'kfac', lr: 0.1, kfac: { damping: -1 } } }), /optimizer\.kfac\.damping: must be a finite number > 0/],
    [tinyMini({ optimizer: { name: 'kfac', lr: 0.1, betas: [0.9, 0.99] } }), /optimizer\.betas: only applies to optimizer "adam"/],
    [tinyMini({ optimizer: { name: 'damped-gn', lr: 0.1, gn: { pinv: 'none' } } }), /optimizer\.gn\.pinv: damped GN always uses pinv "damped"/],
    [tinyMini({ optimizer: { name: 'adam', lr: 1e-3 }, switchAt: { epoch: 1, optimizer: { name: 'damped-gn', lr: 0.1, lm: { upper: 0.1 } } } }), /switchAt\.optimizer\.lm\.lower: must be below/],
    [tinyMini({ optimizer: { name: 'kfac', lr: 0.1, kfac: { invEvery: 2.5 } } }), /optimizer\.kfac\.invEvery: must be a positive integer/],
  ];
  for (const [cfg, re] of bad) assert.throws(() => validateConfig(cfg), (e: unknown) => e instanceof ConfigError && re.test(e.message), re.source);
});

test('presets: minibatch-mnist-kfac and minibatch-mnist-damped-gn match the exact-GN preset except for the optimizer', () => {
  const names = listPresets().map((p) => p.name);
  for (const name of ['minibatch-mnist-kfac', 'minibatch-mnist-damped-gn']) {
    assert.ok(names.includes(name), name);
    for (const profile of ['quick', 'paper'] as const) {
      const cfg = validateConfig(preset(name, { profile }));
      const gn = validateConfig(preset('minibatch-mnist-gn', { profile }));
      assert.deepEqual({ ...cfg, optimizer: null, label: null }, { ...gn, optimizer: null, label: null }, `${name} ${profile}`);
      assert.equal(cfg.optimizer.lr, gn.optimizer.lr, 'same learning rate as exact GN');
    }
  }
  // Medium: the medium GN run at the narrower APPROX_GN_MEDIUM_HIDDEN (K-FAC's (h+1)^2 factors), said in the label.
  for (const name of ['minibatch-mnist-kfac', 'minibatch-mnist-damped-gn']) {
    const cfg = validateConfig(preset(name, { profile: 'medium' }));
    const gn = validateConfig(preset('minibatch-mnist-gn', { profile: 'medium', overrides: { model: { hidden: APPROX_GN_MEDIUM_HIDDEN } } }));
    assert.deepEqual({ ...cfg, optimizer: null, label: null }, { ...gn, optimizer: null, label: null }, `${name} medium`);
    assert.ok(APPROX_GN_MEDIUM_HIDDEN + 1 > 1024, 'the batch stays below h + 1');
    assert.match(cfg.label ?? '', new RegExp(`\\(medium, h ${APPROX_GN_MEDIUM_HIDDEN}\\)$`));
  }
  const d = validateConfig(preset('minibatch-mnist-damped-gn', { rule: 'half-coupling' }));
  assert.equal(d.optimizer.gn?.rule, 'half-coupling');
  assert.equal(d.optimizer.lm?.adapt, 'gain-ratio');
});

const RESUMABLE: { what: string; optimizer: ExperimentConfig['optimizer'] }[] = [
  // Inverses every 3 steps: the resume after epoch 1 (step 4) restores an inverse that steps 5 and 6 reuse.
  { what: 'K-FAC (stale inverses, running averages)', optimizer: { name: 'kfac', lr: 0.1, kfac: { invEvery: 3, decay: 0.9 } } },
  { what: 'K-FAC with sampled CE curvature and exact damping', optimizer: { name: 'kfac', lr: 0.05, kfac: { hessian: 'ce', curvature: 'sampled', split: 'exact', damping: 1, invEvery: 3 } } },
  { what: 'damped GN (adapted lambda)', optimizer: { name: 'damped-gn', lr: 0.1, gn: { damping: 100 } } },
];

for (const c of RESUMABLE) {
  test(`${c.what}: a run stopped mid-epoch resumes to the uninterrupted rows and checkpoints`, async () => {
    const cfg = tinyMini({ optimizer: c.optimizer });
    const reference = await runExperiment(cfg, { root: tempRoot(), ...quiet });
    assert.equal(reference.status, 'complete', reference.reason);
    const steps = reference.rows.filter((r): r is StepRow => r.type === 'step');
    assert.ok(steps.every((s) => s.optimizer === c.optimizer.name));
    if (c.optimizer.name === 'damped-gn') {
      assert.ok(steps.every((s) => typeof s.lm_lambda === 'number' && s.lm_lambda > 0), 'step rows record lambda');
      assert.ok(new Set(steps.map((s) => s.lm_lambda)).size > 1, 'lambda adapts');
    }
    const root = tempRoot();
    const controller = new AbortController();
    await assert.rejects(
      runExperiment(cfg, { root, ...quiet, signal: controller.signal, onProgress: (e) => { if (e.kind === 'step' && e.step === 6) controller.abort(new Error('stop here')); } }),
      /stop here/,
    );
    const resumed = await runExperiment(cfg, { root, ...quiet });
    assert.equal(resumed.status, 'complete');
    assert.deepEqual(withoutTimings(resumed.rows), withoutTimings(reference.rows));
    assert.deepEqual(checkpointBytes(resumed.dir), checkpointBytes(reference.dir));
  });
}

test('run cost estimates cover K-FAC and damped GN (scaled from the GN step), K-FAC with its factor memory', () => {
  for (const profile of ['quick', 'paper'] as const) {
    const gn = estimateRun(validateConfig(preset('minibatch-mnist-gn', { profile })));
    const lm = estimateRun(validateConfig(preset('minibatch-mnist-damped-gn', { profile })));
    const kf = estimateRun(validateConfig(preset('minibatch-mnist-kfac', { profile })));
    assert.ok(lm.cpuSeconds > gn.cpuSeconds && kf.cpuSeconds > lm.cpuSeconds, `${profile}: ${gn.cpuSeconds} < ${lm.cpuSeconds} < ${kf.cpuSeconds}`);
    // Quick (h 512, n 128): 1.8 + 1.6 / 10; paper (h 8000, n 1024): the factor work grows as h^2, the refresh as h^3.
    assert.match(kf.basis, profile === 'quick' ? /kfac ~1\.96x the gn step/ : /kfac ~18\.3\dx the gn step/);
    assert.match(lm.basis, /damped-gn ~1\.30x the gn step/);
    assert.ok(kf.memoryMB > gn.memoryMB, 'K-FAC keeps (h+1)^2 factors per half');
  }
  // Paper scale: 4 halves x 2 copies x (8001^2 + 392^2) floats = about 2 GB of K-FAC state.
  const paper = estimateRun(validateConfig(preset('minibatch-mnist-kfac', { profile: 'paper' })));
  const gnPaper = estimateRun(validateConfig(preset('minibatch-mnist-gn', { profile: 'paper' })));
  assert.ok(paper.memoryMB - gnPaper.memoryMB > 1900, `${paper.memoryMB - gnPaper.memoryMB} MB`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/util/errors.js';
import { validateConfig } from '../../src/experiments/config.js';
import { runKey } from '../../src/experiments/key.js';
import { cifar10Available, fallback, FALLBACK_NOTE, listPresets, PAPER_LR, preset, presetOrFallback } from '../../src/experiments/presets.js';
import { QUICK } from '../../src/experiments/presets.js';

const NAMES = listPresets().map((p) => p.name);

test('there is a preset for every paper run: {full,mini} x {mnist,cifar10} x {gn,adam,sgd}, no-bottleneck CIFAR-10, switching', () => {
  for (const mode of ['fullbatch', 'minibatch']) {
    for (const data of ['mnist', 'cifar10', 'cifar10-nobottleneck']) {
      for (const opt of ['gn', 'adam', 'sgd']) assert.ok(NAMES.includes(`${mode}-${data}-${opt}`), `${mode}-${data}-${opt}`);
    }
  }
  for (const data of ['mnist', 'cifar10']) {
    assert.ok(NAMES.includes(`minibatch-${data}-adam-then-gn`));
    assert.ok(NAMES.includes(`minibatch-${data}-gn-then-adam`));
  }
  assert.equal(new Set(NAMES).size, NAMES.length);
  for (const p of listPresets()) assert.ok(p.description.length > 20 && !p.description.includes('\n'), p.name);
});

test('every preset validates in both profiles', () => {
  for (const name of NAMES) {
    for (const profile of ['quick', 'paper'] as const) {
      const cfg = validateConfig(preset(name, { profile }));
      assert.equal(cfg.profile, profile);
      assert.ok(cfg.label?.startsWith(name));
    }
  }
});

test('paper profile: h = 8000, 100 epochs, batch 1024, full data, paper learning rates', () => {
  for (const name of NAMES) {
    const cfg = validateConfig(preset(name, { profile: 'paper' }));
    const cifar = name.includes('cifar10');
    const full = name.startsWith('fullbatch');
    assert.equal(cfg.epochs, 100);
    assert.equal(cfg.model.hidden, name.includes('nobottleneck') ? null : 8000);
    assert.equal(cfg.model.blocks, cifar ? 6 : 2);
    assert.equal(cfg.model.initStd, 1e-3);
    assert.equal(cfg.model.firstBlockLinear, true);
    assert.deepEqual(cfg.batch, full ? { mode: 'full', n: 1024 } : { mode: 'mini', size: 1024 });
    assert.equal(cfg.dataset.limitTrain, undefined);
    assert.equal(cfg.dataset.limitTest, undefined);
    assert.equal(cfg.dataset.augment, cifar && !full, 'RandomResizedCrop only for CIFAR mini-batch runs');
    assert.equal(cfg.seed, 42);
    assert.equal(cfg.optimizer.weightDecay, 0);
    if (cfg.optimizer.name === 'gn') assert.equal(cfg.optimizer.gn?.rtol, 1e-2);
  }
  const lr = (name: string): number => preset(name, { profile: 'paper' }).optimizer.lr;
  // PAPER.md: MNIST mini 0.1 / 1e-4 / 0.1; CIFAR mini 0.1 / 1e-4 / 0.01; MNIST full 0.5 / 1e-4 / 0.1; CIFAR full 0.5 / 1e-5 / 0.01.
  const table: [string, number, number, number][] = [
    ['minibatch-mnist', 0.1, 1e-4, 0.1],
    ['minibatch-cifar10', 0.1, 1e-4, 0.01],
    ['fullbatch-mnist', 0.5, 1e-4, 0.1],
    ['fullbatch-cifar10', 0.5, 1e-5, 0.01],
    ['fullbatch-cifar10-nobottleneck', 0.5, 1e-5, 0.01],
  ];
  for (const [stem, gn, adam, sgd] of table) {
    assert.deepEqual([lr(`${stem}-gn`), lr(`${stem}-adam`), lr(`${stem}-sgd`)], [gn, adam, sgd], stem);
  }
  assert.equal(PAPER_LR.full.cifar10.adam, 1e-5);
});

test('switching presets run half the epochs with each optimizer at its own paper learning rate', () => {
  const cfg = validateConfig(preset('minibatch-mnist-adam-then-gn', { profile: 'paper' }));
  assert.equal(cfg.optimizer.name, 'adam');
  assert.equal(cfg.optimizer.lr, 1e-4);
  assert.equal(cfg.switchAt?.epoch, 50);
  assert.equal(cfg.switchAt?.optimizer.name, 'gn');
  assert.equal(cfg.switchAt?.optimizer.lr, 0.1);
  const back = validateConfig(preset('minibatch-cifar10-gn-then-adam', { profile: 'paper', rule: 'half-coupling' }));
  assert.equal(back.optimizer.gn?.rule, 'half-coupling');
  assert.equal(back.switchAt?.optimizer.name, 'adam');
});

test('quick profile: the same code path scaled down', () => {
  for (const name of NAMES) {
    const q = validateConfig(preset(name, { profile: 'quick' }));
    const p = validateConfig(preset(name, { profile: 'paper' }));
    assert.equal(q.batch.mode, p.batch.mode);
    assert.equal(q.model.blocks, p.model.blocks);
    assert.equal(q.optimizer.name, p.optimizer.name);
    assert.equal(q.optimizer.lr, p.optimizer.lr);
    assert.equal(q.dataset.augment, p.dataset.augment);
    assert.ok(q.epochs < p.epochs);
    assert.ok((q.dataset.limitTest ?? Infinity) < 10000);
    if (q.model.hidden !== null) {
      const n = q.batch.mode === 'full' ? q.batch.n : q.batch.size;
      assert.ok(q.model.hidden < 8000 && n < q.model.hidden, `${name}: batch ${n} must stay below h ${q.model.hidden} (the paper's regime)`);
    }
  }
});

test('seed and rule options; the rule does not change Adam/SGD runs', () => {
  const a = validateConfig(preset('fullbatch-mnist-gn', { seed: 43, rule: 'half-coupling' }));
  assert.equal(a.seed, 43);
  assert.equal(a.model.seed, 43);
  assert.equal(a.optimizer.gn?.rule, 'half-coupling');
  assert.match(a.label ?? '', /rule half-coupling/);
  const adam1 = validateConfig(preset('fullbatch-mnist-adam', { rule: 'half-coupling' }));
  const adam2 = validateConfig(preset('fullbatch-mnist-adam', { rule: 'block' }));
  assert.equal(runKey(adam1), runKey(adam2));
  assert.equal(validateConfig(preset('fullbatch-mnist-gn', { epochs: 7 })).epochs, 7);
  const o = validateConfig(preset('minibatch-mnist-gn', { overrides: { optimizer: { lr: 1e-3 }, model: { initStd: 1e-6 } } }));
  assert.equal(o.optimizer.lr, 1e-3);
  assert.equal(o.optimizer.name, 'gn');
  assert.equal(o.model.initStd, 1e-6);
  assert.equal(o.model.hidden, QUICK.mnist.hidden);
});

test('unknown preset, profile or rule is a ConfigError', () => {
  assert.throws(() => preset('fullbatch-svhn-gn'), (e: unknown) => e instanceof ConfigError && e.field === 'preset' && /exact-gn presets/.test(e.message));
  assert.throws(() => preset('fullbatch-mnist-gn', { profile: 'huge' as 'paper' }), (e: unknown) => e instanceof ConfigError && e.field === 'profile');
  assert.throws(() => preset('fullbatch-mnist-gn', { rule: 'x' as 'block' }), (e: unknown) => e instanceof ConfigError && e.field === 'rule');
});

test('fallback maps a CIFAR-10 config to the same settings on Fashion-MNIST, clearly labelled', () => {
  const src = preset('minibatch-cifar10-gn', { profile: 'paper' });
  const fb = validateConfig(fallback(src));
  const orig = validateConfig(src);
  assert.equal(fb.dataset.name, 'fashion-mnist');
  assert.equal(fb.model.inputDim, 784);
  assert.equal(fb.model.blocks, orig.model.blocks);
  assert.equal(fb.model.hidden, orig.model.hidden);
  assert.deepEqual(fb.optimizer, orig.optimizer);
  assert.deepEqual(fb.batch, orig.batch);
  assert.equal(fb.epochs, orig.epochs);
  assert.equal(fb.dataset.augment, true);
  assert.ok(fb.label?.includes(FALLBACK_NOTE));
  assert.notEqual(runKey(fb), runKey(orig));
  const mnist = preset('minibatch-mnist-gn');
  assert.equal(fallback(mnist), mnist, 'non-CIFAR configs are unchanged');
});

test('presetOrFallback falls back exactly when the CIFAR-10 files are absent', () => {
  const saved = process.env.EXACT_GN_CIFAR10_DIR;
  try {
    process.env.EXACT_GN_CIFAR10_DIR = '/nonexistent/cifar';
    assert.equal(cifar10Available(), false);
    const r = presetOrFallback('fullbatch-cifar10-sgd');
    assert.equal(r.fellBack, true);
    assert.equal(r.config.dataset.name, 'fashion-mnist');
    assert.equal(presetOrFallback('fullbatch-mnist-sgd').fellBack, false);
  } finally {
    if (saved === undefined) delete process.env.EXACT_GN_CIFAR10_DIR;
    else process.env.EXACT_GN_CIFAR10_DIR = saved;
  }
});

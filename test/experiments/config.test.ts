import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/util/errors.js';
import { validateConfig, maxExactBatch, defaultCheckpointEpochs, type ExperimentConfig } from '../../src/experiments/config.js';
import { canonicalJson, runKey } from '../../src/experiments/key.js';
import { tinyMini } from './fixtures/configs.js';

/** A deep copy of the tiny config with `edit` applied to it. */
function edited(edit: (c: Record<string, any>) => void): unknown {
  const c = JSON.parse(JSON.stringify(tinyMini())) as Record<string, any>;
  edit(c);
  return c;
}

function rejects(input: unknown, field: string, message: RegExp): void {
  assert.throws(() => validateConfig(input), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.field, field);
    assert.match(e.message, message);
    assert.ok(e.message.startsWith(`${field}: `), e.message);
    return true;
  });
}

test('a valid config is resolved with every default filled in', () => {
  const cfg = validateConfig(tinyMini());
  assert.equal(cfg.model.inputDim, 784);
  assert.equal(cfg.model.classes, 10);
  assert.equal(cfg.model.seed, 7, 'the model seed defaults to the experiment seed');
  assert.equal(cfg.model.initStd, 1e-3);
  assert.equal(cfg.optimizer.gn?.rule, 'block');
  assert.equal(cfg.optimizer.gn?.pinv, 'truncated');
  assert.equal(cfg.optimizer.gn?.rtol, 1e-2);
  assert.equal(cfg.evalEvery, 1);
  assert.equal(cfg.logEvery, 1);
  assert.equal(cfg.evalTrain, false, 'mini-batch runs do not evaluate on the training set by default');
  assert.equal(cfg.dataset.augment, false);
  assert.equal(validateConfig({ ...tinyMini(), batch: { mode: 'full', n: 64 } }).evalTrain, true);
  assert.equal(validateConfig({ ...tinyMini(), optimizer: { name: 'sgd', lr: 0.1 } }).optimizer.gn, undefined);
});

test('validation is idempotent and the key ignores how defaults were written', () => {
  const once = validateConfig(tinyMini());
  const twice = validateConfig(JSON.parse(JSON.stringify(once)));
  assert.deepEqual(twice, once);
  const explicit = edited((c) => {
    c.model.initStd = 1e-3;
    c.model.seed = 7;
    c.optimizer.gn = { rule: 'block', rtol: 1e-2 };
    c.evalEvery = 1;
    c.checkpointEpochs = [3, 0, 2, 2];
  });
  assert.equal(runKey(validateConfig(explicit)), runKey(once));
  assert.match(runKey(once), /^[0-9a-f]{16}$/);
  assert.notEqual(runKey(validateConfig(edited((c) => (c.seed = 8)))), runKey(once));
  assert.notEqual(runKey(validateConfig(edited((c) => (c.optimizer.gn = { rule: 'half-coupling' })))), runKey(once));
});

test('canonical JSON sorts keys at every level and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }, 3] }), '{"a":[{"d":2},3],"b":1}');
  assert.equal(canonicalJson({ x: { z: null, y: 'q' } }), '{"x":{"y":"q","z":null}}');
});

test('unknown keys are rejected with their path', () => {
  rejects(edited((c) => (c.lr = 0.1)), 'lr', /unknown key; allowed keys are label, profile, dataset/);
  rejects(edited((c) => (c.dataset.path = '/x')), 'dataset.path', /unknown key/);
  rejects(edited((c) => (c.model.width = 3)), 'model.width', /unknown key/);
  rejects(edited((c) => (c.optimizer.momentum = 0.9)), 'optimizer.momentum', /unknown key/);
  rejects(edited((c) => (c.optimizer.gn = { ruel: 'block' })), 'optimizer.gn.ruel', /unknown key/);
  rejects(edited((c) => (c.batch.n = 3)), 'batch.n', /unknown key/);
});

test('wrong types and non-positive sizes name the field and the value', () => {
  rejects(edited((c) => (c.epochs = '3')), 'epochs', /positive integer, got "3"/);
  rejects(edited((c) => (c.epochs = 0)), 'epochs', /positive integer, got 0/);
  rejects(edited((c) => (c.seed = 1.5)), 'seed', /integer, got 1.5/);
  rejects(edited((c) => (c.model.hidden = -8)), 'model.hidden', /positive integer, got -8/);
  rejects(edited((c) => (c.model.blocks = 0)), 'model.blocks', /positive integer/);
  rejects(edited((c) => (c.batch.size = 0)), 'batch.size', /positive integer, got 0/);
  rejects(edited((c) => (c.dataset.limitTrain = 10.5)), 'dataset.limitTrain', /positive integer/);
  rejects(edited((c) => (c.dataset.augment = 'yes')), 'dataset.augment', /true or false/);
  rejects(edited((c) => (c.optimizer.lr = 0)), 'optimizer.lr', /finite number > 0, got 0/);
  rejects(edited((c) => (c.optimizer.lr = -1)), 'optimizer.lr', /> 0, got -1/);
  rejects(edited((c) => (c.optimizer.lr = 'fast')), 'optimizer.lr', /> 0, got "fast"/);
  rejects(edited((c) => delete c.optimizer.lr), 'optimizer.lr', /is required/);
  rejects(edited((c) => delete c.model), 'model', /is required/);
  rejects(edited((c) => (c.optimizer.gn = { residual: 'yes' })), 'optimizer.gn.residual', /true or false/);
  rejects(edited((c) => (c.optimizer.gn = { rtol: -1 })), 'optimizer.gn.rtol', />= 0/);
  rejects(edited((c) => (c.evalEvery = 0)), 'evalEvery', /positive integer/);
  rejects(edited((c) => (c.checkpointEpochs = [0, 4])), 'checkpointEpochs[1]', /epoch in 0\.\.3/);
  rejects(edited((c) => (c.batch = { mode: 'full', n: 256 })), 'batch.n', /only 128 images \(dataset.limitTrain\)/);
  rejects(edited((c) => (c.model.inputDim = 100)), 'model.inputDim', /mnist images have 784 values/);
  rejects('not an object', 'config', /must be an object/);
});

test('unknown dataset, optimizer, rule, target, pinv and batch mode list the choices', () => {
  rejects(edited((c) => (c.dataset.name = 'svhn')), 'dataset.name', /unknown dataset "svhn"; use one of mnist, fashion-mnist, cifar10/);
  rejects(edited((c) => (c.optimizer.name = 'rmsprop')), 'optimizer.name', /unknown optimizer "rmsprop"; use one of gn, sgd, adam/);
  rejects(edited((c) => (c.optimizer.gn = { rule: 'layer' })), 'optimizer.gn.rule', /unknown value "layer"; use one of block, half-coupling/);
  rejects(edited((c) => (c.optimizer.gn = { target: 'hinge' })), 'optimizer.gn.target', /use one of ce-identity, ce-hessian, ce-damped, mse/);
  rejects(edited((c) => (c.optimizer.gn = { pinv: 'svd' })), 'optimizer.gn.pinv', /use one of truncated, none, damped, transpose/);
  rejects(edited((c) => (c.batch = { mode: 'stochastic', size: 3 })), 'batch.mode', /"full".*"mini"/);
  rejects(edited((c) => (c.model.activation = 'gelu')), 'model.activation', /unknown activation "gelu"/);
});

test('options of the wrong optimizer are rejected', () => {
  rejects(edited((c) => (c.optimizer = { name: 'adam', lr: 1e-3, gn: { rule: 'block' } })), 'optimizer.gn', /only apply to optimizer "gn"/);
  rejects(edited((c) => (c.optimizer = { name: 'sgd', lr: 0.1, betas: [0.9, 0.99] })), 'optimizer.betas', /only applies to optimizer "adam"/);
});

test('switchAt is validated and must fall inside the run', () => {
  rejects(edited((c) => (c.switchAt = { epoch: 3, optimizer: { name: 'adam', lr: 1e-3 } })), 'switchAt.epoch', /below epochs \(3\)/);
  rejects(edited((c) => (c.switchAt = { epoch: 1, optimizer: { name: 'adam' } })), 'switchAt.optimizer.lr', /is required/);
  rejects(edited((c) => (c.switchAt = { epoch: 1, optimizer: { name: 'gn', lr: 1, gn: { rule: 'x' } } })), 'switchAt.optimizer.gn.rule', /unknown value "x"/);
  const ok = validateConfig(edited((c) => (c.switchAt = { epoch: 1, optimizer: { name: 'adam', lr: 1e-3 } })));
  assert.deepEqual(ok.switchAt?.optimizer, { name: 'adam', lr: 1e-3, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8 });
});

test('pinv "none" with a batch larger than the rank bound explains the missing right inverse', () => {
  // relu blocks only: A = [relu(X V^T), 1] has h + 1 = 65 columns.
  const cfg = (size: number, firstBlockLinear: boolean, hidden = 64): unknown =>
    edited((c) => {
      c.model = { hidden, blocks: 2, firstBlockLinear };
      c.optimizer = { name: 'gn', lr: 0.1, gn: { pinv: 'none' } };
      c.batch = { mode: 'mini', size };
    });
  assert.doesNotThrow(() => validateConfig(cfg(65, false)));
  rejects(cfg(66, false), 'batch.size', /larger than 65.*right inverse.*no longer exists.*"truncated".*"damped".*at most 65 rows/);
  // The paper's MNIST model: block 1 is linear, so rank <= d/2 + 1 = 393 < 1024 even with h = 8000.
  rejects(cfg(1024, true, 8000), 'batch.size', /block 1 is linear.*d\/2 = 392/);
  assert.equal(maxExactBatch(validateConfig(cfg(32, true, 8000)).model), 393);
  // Truncation (the default) accepts any batch size.
  assert.doesNotThrow(() => validateConfig(edited((c) => (c.batch = { mode: 'mini', size: 128 }))));
  // The switch optimizer is checked too.
  rejects(
    edited((c) => {
      c.batch = { mode: 'mini', size: 100 };
      c.switchAt = { epoch: 1, optimizer: { name: 'gn', lr: 0.1, gn: { pinv: 'none' } } };
    }),
    'batch.size',
    /switchAt\.optimizer\.gn\.pinv "none"/,
  );
});

test('default checkpoint epochs are 0, 1, 2, 5, 10, ... and the last epoch', () => {
  assert.deepEqual(defaultCheckpointEpochs(100), [0, 1, 2, 5, 10, 20, 50, 100]);
  assert.deepEqual(defaultCheckpointEpochs(30), [0, 1, 2, 5, 10, 20, 30]);
  assert.deepEqual(defaultCheckpointEpochs(1), [0, 1]);
  const c: ExperimentConfig = { ...tinyMini() };
  delete c.checkpointEpochs;
  assert.deepEqual(validateConfig(c).checkpointEpochs, [0, 1, 2, 3]);
});

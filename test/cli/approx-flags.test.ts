// K-FAC's and damped GN's options on the command line (issue 20): `exact-gn step` takes the same
// step as the library with those options (two steps in a row: the state carries over), the flags
// go into `run --preset` configs and their labels, and a flag given to the wrong optimizer fails.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/backend/index.js';
import { loadCheckpoint } from '../../src/model/checkpoint.js';
import { paramsToHost } from '../../src/model/reference.js';
import { createOptimizer, type OptimizerConfig } from '../../src/optim/optimizers.js';
import { parseArgs } from '../../src/cli/args.js';
import { OPTIMIZER_FLAG_SPEC, optimizerFlagOptions } from '../../src/cli/optimizer-flags.js';
import { withOptimizerFlags } from '../../src/cli/run-commands.js';
import { preset } from '../../src/experiments/presets.js';
import { validateConfig } from '../../src/experiments/config.js';
import { ConfigError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';
import { assertBuilt, cli, initAndBatch } from '../helpers/cli.js';
import { relErr } from '../helpers/nets.js';

const dir = mkdtempSync(join(tmpdir(), 'exact-gn-approx-cli-'));

before(async () => {
  await setupBackend();
  assertBuilt();
});

test('step --optimizer kfac / damped-gn with their flags: two CLI steps equal two library steps with those options', () => {
  const { ckpt, batch, x, y, n } = initAndBatch(dir);
  const cases: [string, string[], OptimizerConfig][] = [
    ['kfac', ['--kfac-damping', '0.05', '--inv-every', '1', '--decay', '0.5', '--split', 'sqrt', '--hessian', 'ce'],
      { name: 'kfac', lr: 0.1, kfac: { damping: 0.05, invEvery: 1, decay: 0.5, split: 'sqrt', hessian: 'ce' } }],
    ['damped-gn', ['--damping', '2', '--adapt', 'gain-ratio', '--lambda-min', '1e-3', '--lambda-max', '10'],
      { name: 'damped-gn', lr: 0.5, gn: { damping: 2 }, lm: { adapt: 'gain-ratio', min: 1e-3, max: 10 } }],
  ];
  for (const [opt, flags, config] of cases) {
    let from = ckpt;
    for (const k of [1, 2]) {
      const out = join(dir, `step-${opt}-${k}.safetensors`);
      const s = cli('step', '--checkpoint', from, '--batch', batch, '--optimizer', opt, '--lr', String(config.lr), ...flags, '--out', out);
      assert.equal(s.code, 0, s.err);
      assert.match(s.out, new RegExp(`step ${k} \\(${opt}`));
      from = out;
    }
    const { model } = loadCheckpoint(ckpt);
    const o = createOptimizer(config);
    const xt = tf.tensor2d(x, [n, 16]);
    o.step(model, xt, y);
    o.step(model, xt, y);
    const viaCli = loadCheckpoint(from);
    const a = paramsToHost(model.params);
    for (const [name, v] of paramsToHost(viaCli.model.params)) assert.ok(relErr(v, a.get(name)!) < 1e-5, `${opt} ${name}: ${relErr(v, a.get(name)!)}`);
    assert.equal(viaCli.metadata[`optimizer.${opt}.step`], '2');
    xt.dispose();
    o.dispose();
    model.dispose();
    viaCli.model.dispose();
  }
  // A fixed lambda is not a flag of K-FAC, and K-FAC's flags are not damped GN's.
  for (const [opt, flag, re] of [['kfac', ['--adapt', 'fixed'], /--adapt: is a damped GN option; it needs --optimizer damped-gn/], ['damped-gn', ['--inv-every', '3'], /--inv-every: is a K-FAC option/],
    ['gn', ['--decay', '0.9'], /--decay: is a K-FAC option/], ['kfac', ['--split', 'half'], /--split: unknown value "half"; use one of pi, sqrt, exact/], ['kfac', ['--decay', '1.5'], /kfac.decay/]] as const) {
    const out = join(dir, 'never.safetensors');
    const s = cli('step', '--checkpoint', ckpt, '--batch', batch, '--optimizer', opt, '--lr', '0.1', ...flag, '--out', out);
    assert.notEqual(s.code, 0, flag.join(' '));
    assert.match(s.err, re);
    assert.equal(s.err.trim().split('\n').length, 1, s.err);
    assert.equal(existsSync(out), false);
  }
});

test('run --preset: the flags reach the config and its label; a flag of another optimizer is refused', () => {
  const parse = (argv: string[]) => parseArgs(argv, { ...OPTIMIZER_FLAG_SPEC, damping: { type: 'string' } }, 'run');
  const k = validateConfig(withOptimizerFlags(parse(['--inv-every', '5', '--decay', '0.9']), preset('minibatch-mnist-kfac')));
  assert.equal(k.optimizer.kfac?.invEvery, 5);
  assert.equal(k.optimizer.kfac?.decay, 0.9);
  assert.equal(k.optimizer.kfac?.damping, 1e-2, 'the rest stays at the default');
  assert.match(k.label ?? '', /\[--inv-every 5 --decay 0\.9\]$/);
  const d = validateConfig(withOptimizerFlags(parse(['--damping', '10', '--adapt', 'fixed', '--reject']), preset('minibatch-mnist-damped-gn')));
  assert.equal(d.optimizer.gn?.damping, 10);
  assert.equal(d.optimizer.lm?.adapt, 'fixed');
  assert.equal(d.optimizer.lm?.reject, true);
  const plain = preset('minibatch-mnist-gn');
  assert.deepEqual(withOptimizerFlags(parse([]), plain), plain, 'no flag: the preset unchanged (same run key)');
  assert.throws(() => withOptimizerFlags(parse(['--decay', '0.9']), preset('minibatch-mnist-adam')), (e: unknown) => e instanceof ConfigError && /--decay: is a K-FAC option/.test(e.message));
  assert.throws(() => withOptimizerFlags(parse(['--damping', '1']), preset('minibatch-mnist-kfac')), (e: unknown) => e instanceof ConfigError && /damped-gn preset/.test(e.message));
  assert.deepEqual(optimizerFlagOptions(parse(['--curvature', 'sampled']), 'kfac'), { kfac: { curvature: 'sampled' } });
  // With a config file or a plan, the flags do not apply.
  for (const args of [['run', join(dir, 'c.json'), '--decay', '0.9'], ['run', '--plan', join(dir, 'p.json'), '--index', '0', '--adapt', 'fixed']]) {
    const s = cli(...args);
    assert.notEqual(s.code, 0);
    assert.match(s.err, /--(decay|adapt): (only applies with --preset|does not apply with --plan)/, s.err);
  }
});

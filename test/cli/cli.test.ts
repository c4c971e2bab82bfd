// The CLI as a user runs it: `node bin/exact-gn.js` on the built dist/ (the test script builds first).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/backend/index.js';
import { loadCheckpoint } from '../../src/model/checkpoint.js';
import { paramsToHost } from '../../src/model/reference.js';
import { createOptimizer } from '../../src/optim/optimizers.js';
import { setupBackend } from '../helpers/backend.js';
import { assertBuilt, cli, initAndBatch } from '../helpers/cli.js';
import { relErr } from '../helpers/nets.js';

const dir = mkdtempSync(join(tmpdir(), 'exact-gn-cli-'));

before(async () => {
  await setupBackend();
  assertBuilt();
});

test('init then step (gn, adam, sgd) writes checkpoints whose change matches the library call', () => {
  const { ckpt, batch, x, y, n } = initAndBatch(dir);
  for (const [opt, lr, extra] of [['gn', '0.5', ['--rule', 'half-coupling', '--pinv', 'truncated']], ['adam', '0.01', []], ['sgd', '0.1', []]] as const) {
    const out = join(dir, `step-${opt}.safetensors`);
    const s = cli('step', '--checkpoint', ckpt, '--batch', batch, '--optimizer', opt, '--lr', lr, ...extra, '--out', out);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /batch loss before/);
    // The same step through the library.
    const { model } = loadCheckpoint(ckpt);
    const o = createOptimizer({ name: opt, lr: Number(lr), ...(opt === 'gn' ? { gn: { rule: 'half-coupling' as const } } : {}) });
    const xt = tf.tensor2d(x, [n, 16]);
    o.step(model, xt, y);
    const viaCli = loadCheckpoint(out);
    const a = paramsToHost(model.params);
    for (const [name, v] of paramsToHost(viaCli.model.params)) assert.ok(relErr(v, a.get(name)!) < 1e-6, `${opt} ${name}`);
    if (opt === 'adam') {
      assert.equal(viaCli.metadata['optimizer.adam.step'], '1');
      assert.ok(viaCli.extra.has('optim.adam.m.blocks.0.f.W'));
    }
    xt.dispose();
    o.dispose();
    model.dispose();
    viaCli.model.dispose();
  }
});

test('bad arguments and files exit non-zero with a one-line reason and write nothing', () => {
  const ckpt = join(dir, 'c.safetensors');
  assert.equal(cli('init', '--input-dim', '8', '--hidden', '8', '--blocks', '1', '--classes', '2', '--out', ckpt).code, 0);
  const out = join(dir, 'never.safetensors');
  const cases: [string[], RegExp][] = [
    [['init', '--input-dim', '7', '--hidden', '8', '--blocks', '1', '--classes', '2', '--out', out], /inputDim: must be even/],
    [['init', '--input-dim', 'abc', '--hidden', '8', '--blocks', '1', '--classes', '2', '--out', out], /--input-dim: must be an integer/],
    [['init', '--hidden', '8', '--blocks', '1', '--classes', '2', '--out', out], /--input-dim: is required/],
    [['step', '--checkpoint', ckpt, '--batch', join(dir, 'missing.safetensors'), '--optimizer', 'gn', '--lr', '1', '--out', out], /missing.safetensors: no such batch file/],
    [['step', '--checkpoint', ckpt, '--batch', ckpt, '--optimizer', 'gn', '--lr', '1', '--out', out], /tensor "x" must be F32/],
    [['step', '--checkpoint', join(dir, 'nope'), '--batch', ckpt, '--optimizer', 'gn', '--lr', '1', '--out', out], /nope/],
    [['step', '--checkpoint', ckpt, '--batch', ckpt, '--optimizer', 'newton', '--lr', '1', '--out', out], /--optimizer: unknown optimizer "newton"/],
    [['step', '--checkpoint', ckpt, '--batch', ckpt, '--optimizer', 'adam', '--rule', 'block', '--lr', '1', '--out', out], /need --optimizer gn/],
    [['step', '--checkpoint', ckpt, '--batch', ckpt, '--optimizer', 'gn', '--lr', '-1', '--out', out], /--lr: must be a number > 0/],
    [['step', '--checkpoint', ckpt, '--bogus', '1'], /--bogus: unknown option/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];
  for (const [args, re] of cases) {
    const r = cli(...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.err, re, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    assert.equal(existsSync(out), false);
  }
});

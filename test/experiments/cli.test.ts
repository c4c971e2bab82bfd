import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend } from '../helpers/backend.js';
import { ConfigError, NumericalError } from '../../src/util/errors.js';
import { main } from '../../src/cli/main.js';
import { presetsCommand, runCommand } from '../../src/cli/run-commands.js';
import { listPresets } from '../../src/experiments/presets.js';
import { tempRoot, tinyMini } from './fixtures/configs.js';

before(async () => {
  await setupBackend();
});

/**
 * Runs `fn` with process.stderr captured. (stdout is left alone: node:test talks to its parent
 * through it, so these tests call the command functions, whose return value main prints.)
 */
async function captured<T>(fn: () => Promise<T>): Promise<{ value: T; err: string }> {
  const e = process.stderr.write.bind(process.stderr);
  let err = '';
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  try {
    return { value: await fn(), err };
  } finally {
    process.stderr.write = e;
  }
}

function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

async function rejectsConfig(argv: string[], field: string, message: RegExp): Promise<void> {
  await assert.rejects(runCommand(argv), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.field, field);
    assert.match(e.message, message);
    return true;
  });
}

test('bad arguments give a one-line reason and write nothing', async () => {
  const files = tempRoot('cli-files');
  const out = join(tempRoot('cli-out'), 'runs');
  const good = writeJson(files, 'good.json', tinyMini());
  await rejectsConfig(['--out', out], 'run', /either a CONFIG.json file or --preset NAME/);
  await rejectsConfig([good, '--preset', 'fullbatch-mnist-gn', '--out', out], 'run', /either/);
  await rejectsConfig([good, 'other.json', '--out', out], 'run', /one config file/);
  await rejectsConfig(['--preset', 'fullbatch-svhn-gn', '--out', out], 'preset', /unknown preset "fullbatch-svhn-gn"/);
  await rejectsConfig(['--preset', 'fullbatch-mnist-gn', '--profile', 'huge', '--out', out], '--profile', /use one of paper, medium, quick/);
  await rejectsConfig(['--preset', 'fullbatch-mnist-gn', '--rule', 'layer', '--out', out], '--rule', /block, half-coupling/);
  await rejectsConfig(['--preset', 'fullbatch-mnist-gn', '--seed', '1.5', '--out', out], '--seed', /integer/);
  await rejectsConfig(['--preset', 'fullbatch-mnist-gn', '--bogus', '--out', out], '--bogus', /unknown option/);
  await rejectsConfig([good, '--seed', '3', '--out', out], '--seed', /only applies with --preset/);
  await rejectsConfig([join(files, 'missing.json'), '--out', out], join(files, 'missing.json'), /no such config file/);
  await rejectsConfig([writeJson(files, 'bad.json', '{"epochs": 3,'), '--out', out], join(files, 'bad.json'), /not valid JSON/);
  await rejectsConfig([writeJson(files, 'lr.json', { ...tinyMini(), optimizer: { name: 'gn', lr: -1 } }), '--out', out], 'optimizer.lr', /> 0, got -1/);
  const saved = process.env.EXACT_GN_CIFAR10_DIR;
  process.env.EXACT_GN_CIFAR10_DIR = '/nonexistent/cifar';
  try {
    await rejectsConfig(['--preset', 'fullbatch-cifar10-gn', '--out', out], '--preset', /needs CIFAR-10.*--fallback/);
  } finally {
    if (saved === undefined) delete process.env.EXACT_GN_CIFAR10_DIR;
    else process.env.EXACT_GN_CIFAR10_DIR = saved;
  }
  assert.equal(existsSync(out), false, 'nothing was written');
  // Through main: exit code 2 and one line on stderr.
  const r = await captured(() => main(['run', '--preset', 'nope', '--out', out]));
  assert.equal(r.value, 2);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.match(r.err, /^exact-gn run: preset: unknown preset "nope"/);
  assert.equal(existsSync(out), false);
});

test('run CONFIG.json trains, prints where the results are, and is cached the second time', async () => {
  const files = tempRoot('cli-files');
  const out = tempRoot('cli-out');
  const cfg = writeJson(files, 'tiny.json', tinyMini({ epochs: 1, checkpointEpochs: [1] }));
  const first = await captured(() => runCommand([cfg, '--out', out, '--quiet']));
  const [dir] = readdirSync(out);
  assert.match(first.value, new RegExp(`^complete: ${join(out, dir!)} \\(\\d+ rows, [\\d.]+ s\\)$`));
  assert.equal(first.err.includes('epoch'), false, '--quiet prints no progress');
  const second = await captured(() => runCommand([cfg, '--out', out]));
  assert.equal(second.value, `cached: ${join(out, dir!)} (${JSON.parse(readFileSync(join(out, dir!, 'done.json'), 'utf8')).rows} rows)`);
});

test('run --preset uses the preset (here 1 epoch of a quick preset) and reports progress per epoch off a TTY', async () => {
  const out = tempRoot('cli-out');
  const r = await captured(() => runCommand(['--preset', 'fullbatch-mnist-sgd', '--epochs', '1', '--seed', '43', '--out', out]));
  assert.match(r.value, /^complete: /);
  const [dir] = readdirSync(out);
  const rec = JSON.parse(readFileSync(join(out, dir!, 'config.json'), 'utf8'));
  assert.equal(rec.config.label, 'fullbatch-mnist-sgd (quick)');
  assert.equal(rec.config.seed, 43);
  assert.equal(rec.config.epochs, 1);
  assert.match(r.err, /epoch 1\/1 step 1\/1 train_loss/);
});

test('a failed run exits non-zero naming the reason and the results folder', async () => {
  const files = tempRoot('cli-files');
  const out = tempRoot('cli-out');
  const cfg = writeJson(files, 'diverge.json', tinyMini({ optimizer: { name: 'sgd', lr: 1e6 }, checkpointEpochs: [0] }));
  await assert.rejects(runCommand([cfg, '--out', out, '--quiet']), (e: unknown) => e instanceof NumericalError && /failed: .*results in/.test(e.message));
  const r = await captured(() => main(['run', cfg, '--out', out, '--quiet']));
  assert.equal(r.value, 1);
  assert.match(r.err, /^exact-gn run: run [0-9a-f]{16} failed/);
});

test('presets lists every preset with a one-line description', async () => {
  const text = presetsCommand([]);
  for (const p of listPresets()) assert.match(text, new RegExp(`^${p.name} +${p.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  assert.ok(text.includes('minibatch-cifar10-nobottleneck-gn'));
  assert.match(text, /profiles: quick/);
  assert.throws(() => presetsCommand(['--x']), ConfigError);
});

// Issue 9, "bad input gets a clear error": the cases the area suites do not already cover (see
// docs/reliability.md for the full map). Every error must be the library's type, name the field or
// file and the value, say what to do, and leave nothing written.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../src/backend/index.js';
import { ConfigError, DataError, NumericalError } from '../../src/util/errors.js';
import { validateConfig, type ExperimentConfig } from '../../src/experiments/config.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { runPaths } from '../../src/experiments/store.js';
import { withoutTimings, type StepRow } from '../../src/experiments/events.js';
import { createOptimizer, type OptimizerName } from '../../src/optim/optimizers.js';
import { gnUpdate } from '../../src/gn/step.js';
import { RevMLP, mapParams } from '../../src/model/revmlp.js';
import { paramsToHost } from '../../src/model/reference.js';
import { encodeCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { initCommand, stepCommand } from '../../src/cli/model-commands.js';
import { Rng } from '../../src/util/rng.js';
import { setupBackend } from '../helpers/backend.js';
import { tinyModel } from '../helpers/nets.js';
import { idxBytes, writeFile } from '../data/fixtures.js';
import { tempRoot, tinyMini } from '../experiments/fixtures/configs.js';

before(async () => {
  await setupBackend();
});

const quiet = { progress: false, warn: () => {} } as const;

/** `fn` throws an instance of `type` whose message matches every pattern. */
function throwsWith(fn: () => unknown, type: new (...a: never[]) => Error, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  });
}

async function rejectsWith(p: Promise<unknown>, type: new (...a: never[]) => Error, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    for (const re of patterns) assert.match((e as Error).message, re);
    return true;
  });
}

/** Runs `fn` with process.stderr captured (stdout belongs to node:test). */
function withStderr<T>(fn: () => T): { value: T; err: string } {
  const write = process.stderr.write.bind(process.stderr);
  let err = '';
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  try {
    return { value: fn(), err };
  } finally {
    process.stderr.write = write;
  }
}

// ---------------------------------------------------------------------------------------------
// Configs
// ---------------------------------------------------------------------------------------------

test('configs: sparse arrays, empty keys and prototype-less values get a ConfigError naming the field', () => {
  // eslint-disable-next-line no-sparse-arrays
  const sparse = [0, , 3] as number[];
  throwsWith(() => validateConfig({ ...tinyMini(), checkpointEpochs: sparse }), ConfigError, /^checkpointEpochs\[1\]: must be an integer epoch in 0\.\.3 .*got undefined/);
  // eslint-disable-next-line no-sparse-arrays
  const betas = [0.9, , ] as number[];
  throwsWith(() => validateConfig({ ...tinyMini(), optimizer: { name: 'adam', lr: 1e-3, betas } }), ConfigError, /^optimizer\.betas: must be two numbers in \[0, 1\)/);
  throwsWith(() => validateConfig({ ...tinyMini(), '': 1 }), ConfigError, /^"": unknown key; allowed keys are label, profile/);
  throwsWith(() => validateConfig({ ...tinyMini(), model: { hidden: 64, blocks: 2, 'in put': 1 } }), ConfigError, /^model\."in put": unknown key/);
  const odd = Object.assign(Object.create(null) as object, { big: 10n });
  throwsWith(() => validateConfig({ ...tinyMini(), seed: odd }), ConfigError, /^seed: must be an integer, got \[object Object\]/);
  throwsWith(() => validateConfig({ ...tinyMini(), epochs: 10n }), ConfigError, /^epochs: must be a positive integer, got 10/);
});

// ---------------------------------------------------------------------------------------------
// Data that does not fit the config, labels out of range, damaged files: through the runner
// ---------------------------------------------------------------------------------------------

/** An MNIST-format folder (what dataset.dir of fashion-mnist points at) with h x w images. */
function idxFolder(opts: { h?: number; w?: number; badLabelAt?: number; truncateImages?: boolean } = {}): string {
  const dir = tempRoot('idx-folder');
  const h = opts.h ?? 28;
  const w = opts.w ?? 28;
  for (const [prefix, n] of [['train', 8], ['t10k', 4]] as const) {
    let images = idxBytes([n, h, w], (i) => (i * 13) % 256);
    if (opts.truncateImages && prefix === 'train') images = images.subarray(0, images.length - 100);
    writeFile(dir, `${prefix}-images-idx3-ubyte`, images);
    writeFile(dir, `${prefix}-labels-idx1-ubyte`, idxBytes([n], (k) => (prefix === 'train' && k === opts.badLabelAt ? 12 : k % 10)));
  }
  return dir;
}

function folderConfig(dir: string): ExperimentConfig {
  return {
    dataset: { name: 'fashion-mnist', dir, limitTrain: 8, limitTest: 4 },
    model: { hidden: 16, blocks: 1 },
    optimizer: { name: 'gn', lr: 0.1 },
    epochs: 1,
    batch: { mode: 'mini', size: 4 },
    seed: 1,
  };
}

test('data whose image size differs from the config: ConfigError naming both sizes and the folder; nothing written', async () => {
  const dir = idxFolder({ h: 14, w: 14 });
  const root = tempRoot();
  await rejectsWith(
    runExperiment(folderConfig(dir), { root, ...quiet }),
    ConfigError,
    /^model\.inputDim: is 784 but the training images of .* have 196 values \(1 x 14 x 14\) in dataset\.dir .*point dataset\.dir at the standard fashion-mnist files/,
  );
  assert.deepEqual(readdirSync(root), [], 'no run folder was created');
});

test('labels out of range and truncated files in the data: DataError naming the file; nothing written', async () => {
  const root = tempRoot();
  const bad = idxFolder({ badLabelAt: 5 });
  await rejectsWith(runExperiment(folderConfig(bad), { root, ...quiet }), DataError, /train-labels-idx1-ubyte: label 12 at index 5 is outside 0\.\.9/);
  const cut = idxFolder({ truncateImages: true });
  await rejectsWith(runExperiment(folderConfig(cut), { root, ...quiet }), DataError, /train-images-idx3-ubyte: truncated: expected 6288 bytes .* got 6188/);
  assert.deepEqual(readdirSync(root), []);
});

test('a resume checkpoint of another model, or a damaged one, is never used: warned, started over, same rows', async () => {
  const reference = await runExperiment(tinyMini({ epochs: 2, checkpointEpochs: [0, 2] }), { root: tempRoot(), ...quiet });
  for (const damage of ['other model', 'truncated'] as const) {
    const root = tempRoot();
    const controller = new AbortController();
    await assert.rejects(
      runExperiment(tinyMini({ epochs: 2, checkpointEpochs: [0, 2] }), {
        root, ...quiet, resumeIntervalMs: 0, signal: controller.signal,
        onProgress: (e) => { if (e.kind === 'step' && e.step === 6) controller.abort(new Error('stop')); },
      }),
      /stop/,
    );
    const p = runPaths(join(root, reference.key));
    assert.ok(existsSync(p.resume));
    if (damage === 'other model') {
      // Right metadata, wrong architecture (h = 32 instead of 64).
      const other = RevMLP.init({ inputDim: 784, hidden: 32, blocks: 2, classes: 10, seed: 7 });
      saveCheckpoint(p.resume, other, new Map(), { kind: 'resume', key: reference.key, epoch: '1', step: '4', rows: '5', phase: 'main', optimizerStep: '4' });
      other.dispose();
    } else {
      const bytes = readFileSync(p.resume);
      writeFileAtomic(p.resume, bytes.subarray(0, bytes.length >> 1));
    }
    const warnings: string[] = [];
    const r = await runExperiment(tinyMini({ epochs: 2, checkpointEpochs: [0, 2] }), { root, progress: false, warn: (m) => warnings.push(m) });
    assert.equal(r.status, 'complete');
    assert.ok(
      warnings.some((w) => (damage === 'other model' ? /does not belong to this run; starting it over/ : /cannot resume run .*resume\.safetensors.*starting it over/).test(w)),
      warnings.join('\n'),
    );
    assert.deepEqual(withoutTimings(r.rows), withoutTimings(reference.rows));
  }
});

// ---------------------------------------------------------------------------------------------
// NaN / Inf inputs and bad labels reaching an optimizer step (library and CLI)
// ---------------------------------------------------------------------------------------------

test('NaN or Inf in the inputs of a step: DataError naming row and column, model untouched, no tensor leaked', () => {
  const model = tinyModel({ inputDim: 8, hidden: 8, blocks: 1, classes: 3, seed: 2 });
  const before = paramsToHost(model.params);
  const labels = new Int32Array([0, 1, 2, 0]);
  for (const [bad, shown] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']] as const) {
    const host = new Rng(3).normalArray(32, 1);
    host[2 * 8 + 5] = bad;
    const x = tf.tensor2d(host, [4, 8]);
    const count = tf.memory().numTensors;
    for (const name of ['gn', 'sgd', 'adam'] as OptimizerName[]) {
      const opt = createOptimizer({ name, lr: 0.1 });
      throwsWith(() => opt.step(model, x, labels), DataError, new RegExp(`x holds ${shown} at row 2, column 5; inputs must be finite`));
      opt.dispose();
    }
    throwsWith(() => gnUpdate(model, x, labels), DataError, /row 2, column 5/);
    assert.equal(tf.memory().numTensors, count, 'the failed steps leaked no tensors');
    x.dispose();
  }
  for (const [name, w] of paramsToHost(model.params)) assert.deepEqual(w, before.get(name), `${name} unchanged`);
  // With finite inputs, a non-finite loss is the model's fault, and says so.
  const x = tf.tensor2d(new Rng(4).normalArray(32, 1), [4, 8]);
  const broken = mapParams(model.params, (t) => tf.fill(t.shape, NaN));
  model.setParams(broken);
  throwsWith(() => createOptimizer({ name: 'sgd', lr: 0.1 }).step(model, x, labels), NumericalError, /the batch loss is NaN: the model has diverged/);
  throwsWith(() => gnUpdate(model, x, labels), NumericalError, /the batch loss is NaN before the GN step: the model has diverged/);
  x.dispose();
  model.dispose();
});

test('labels out of range or of the wrong count: ConfigError for every optimizer, before any update', () => {
  const model = tinyModel({ inputDim: 8, hidden: 8, blocks: 1, classes: 3, seed: 2 });
  const x = tf.tensor2d(new Rng(5).normalArray(32, 1), [4, 8]);
  for (const name of ['gn', 'sgd', 'adam'] as OptimizerName[]) {
    const opt = createOptimizer({ name, lr: 0.1 });
    throwsWith(() => opt.step(model, x, new Int32Array([0, 1, 3, 0])), ConfigError, /^labels: label 3 at row 2 is out of range \[0, 3\); labels are class indices 0\.\.2/);
    throwsWith(() => opt.step(model, x, new Int32Array([0, -1, 2, 0])), ConfigError, /label -1 at row 1/);
    throwsWith(() => opt.step(model, x, new Int32Array([0, 1])), ConfigError, /^labels: expected 4 labels \(one per row of x\), got 2/);
    assert.equal(opt.steps, 0);
    opt.dispose();
  }
  x.dispose();
  model.dispose();
});

/** A checkpoint (d = 8, h = 4, 1 block, 3 classes) and a batch file of n rows through `exact-gn init`. */
function cliFixture(n: number): { dir: string; ckpt: string; batch: (x: Float32Array, y: Int32Array, d?: number) => string; x: Float32Array; y: Int32Array } {
  const dir = tempRoot('cli');
  const ckpt = join(dir, 'init.safetensors');
  initCommand(['--input-dim', '8', '--hidden', '4', '--blocks', '1', '--classes', '3', '--seed', '3', '--out', ckpt]);
  const rng = new Rng(11);
  const x = rng.normalArray(n * 8, 1);
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  let files = 0;
  const batch = (bx: Float32Array, by: Int32Array, d = 8): string => {
    const path = join(dir, `batch-${files++}.safetensors`);
    writeSafetensors(path, { x: { dtype: 'F32', shape: [bx.length / d, d], data: bx }, y: { dtype: 'I32', shape: [by.length], data: by } });
    return path;
  };
  return { dir, ckpt, batch, x, y };
}

test('CLI step: batch, labels and optimizer state that do not fit the checkpoint are refused; nothing written', () => {
  const f = cliFixture(4);
  const out = join(f.dir, 'out.safetensors');
  const step = (batch: string, ...extra: string[]): string => stepCommand(['--checkpoint', f.ckpt, '--batch', batch, '--optimizer', 'gn', '--lr', '0.1', ...extra, '--out', out]);
  throwsWith(() => step(f.batch(new Float32Array(40), f.y, 10)), DataError, /batch-0\.safetensors: x has 10 features but the checkpoint's model takes inputDim 8/);
  const nan = Float32Array.from(f.x);
  nan[3 * 8 + 2] = NaN;
  throwsWith(() => step(f.batch(nan, f.y)), DataError, /x holds a non-finite value \(NaN\) at row 3, column 2/);
  throwsWith(() => step(f.batch(f.x, new Int32Array([0, 1, 7, 0]))), DataError, /label 7 at row 2 is out of range \[0, 3\)/);
  throwsWith(() => step(f.batch(f.x, new Int32Array([0, 1, 2]))), DataError, /x has 4 rows but y has 3 labels/);
  // Adam state whose shape does not fit the model in the checkpoint.
  const model = RevMLP.init({ inputDim: 8, hidden: 4, blocks: 1, classes: 3, seed: 3 });
  const wrong = join(f.dir, 'wrong-state.safetensors');
  writeFileSync(wrong, encodeCheckpoint(model, new Map([['optim.adam.m.blocks.0.f.W', { data: new Float32Array(1), shape: [1, 1] }]]), { 'optimizer.adam.step': '1' }));
  model.dispose();
  throwsWith(
    () => stepCommand(['--checkpoint', wrong, '--batch', f.batch(f.x, f.y), '--optimizer', 'adam', '--lr', '0.1', '--out', out]),
    ConfigError,
    /^optimizer state: Adam state m for blocks\.0\.f\.\w+ is missing or has shape/,
  );
  // A checkpoint whose tensors do not fit its own config is covered in test/model/checkpoint.test.ts.
  throwsWith(() => step(join(f.dir, 'init.safetensors'), '--pinv', 'exact'), ConfigError, /^--pinv: unknown value "exact"; use one of truncated, none, damped, transpose/);
  assert.equal(existsSync(out), false);
});

test('CLI step: pinv "none" with a batch beyond the reachable rank explains the missing right inverse; truncation and damping run and warn', () => {
  // d = 8 with a linear first block: rank of A = [X2, 1] is at most d/2 + 1 = 5 < 12 rows.
  const f = cliFixture(12);
  const batch = f.batch(f.x, f.y);
  const out = join(f.dir, 'out.safetensors');
  const step = (pinv: string): { value: string; err: string } =>
    withStderr(() => stepCommand(['--checkpoint', f.ckpt, '--batch', batch, '--optimizer', 'gn', '--lr', '0.1', '--pinv', pinv, '--out', out]));
  throwsWith(
    () => step('none'),
    NumericalError,
    /block 0 f: pinv 'none': the Gram matrix A A\^T \(12 x 12\) is singular/,
    /exact right inverse of A does not exist/,
    /Use pinv 'truncated' or 'damped', or a smaller batch/,
  );
  assert.equal(existsSync(out), false);
  const truncated = step('truncated');
  assert.match(truncated.value, /wrote/);
  assert.equal(truncated.err.trim().split('\n').length, 1, truncated.err);
  assert.match(truncated.err, /^exact-gn step: warning: GN blocks not exact \(blocks counted from 1\): block 1 \(f rank [1-5]\/12, g rank \d+\/12\); the batch \(n = 12\) is larger than the rank the block can reach \(block 1 reaches rank 5 \(linear: d\/2 \+ 1\)/);
  const damped = step('damped');
  assert.match(damped.value, /wrote/);
  assert.match(damped.err, /^exact-gn step: warning: GN blocks not exact .*block 1 .*pinv "damped" does not solve J dTheta = T exactly\n$/);
});

test('runner: pinv "damped" runs, and one warning says which blocks are not exact', async () => {
  const warnings: string[] = [];
  const r = await runExperiment(tinyMini({ epochs: 2, checkpointEpochs: [], optimizer: { name: 'gn', lr: 0.1, gn: { pinv: 'damped' } } }), {
    root: tempRoot(), progress: false, warn: (m) => warnings.push(m),
  });
  assert.equal(r.status, 'complete');
  const steps = r.rows.filter((x): x is StepRow => x.type === 'step');
  assert.equal(steps.length, 8);
  assert.ok(steps.every((s) => s.gn_exact === false), 'every step row says the step is not exact');
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /GN blocks not exact \(blocks counted from 1\): block 1 \(.*\), block 2 \(.*\); pinv "damped" does not solve J dTheta = T exactly\. Warned once per run\./);
});

test('a checkpoint never holds a non-finite parameter: encoding one is a NumericalError and the old file stays', () => {
  const f = cliFixture(4);
  const out = join(f.dir, 'out.safetensors');
  const batch = f.batch(f.x, f.y);
  // lr 1e300 is a finite number (so it passes validation) but overflows float32: W becomes +-Infinity or NaN.
  throwsWith(
    () => stepCommand(['--checkpoint', f.ckpt, '--batch', batch, '--optimizer', 'sgd', '--lr', '1e300', '--out', f.ckpt]),
    NumericalError,
    /model parameter blocks\.0\.\w\.\w holds (NaN|-?Infinity) at index \d+: the model has diverged \(lower the learning rate\); no checkpoint is written/,
  );
  // The input checkpoint (here also the output path) is intact and loads.
  const again = stepCommand(['--checkpoint', f.ckpt, '--batch', batch, '--optimizer', 'sgd', '--lr', '0.1', '--out', out]);
  assert.match(again, /wrote/);
  const model = tinyModel({ inputDim: 8, hidden: 4, blocks: 1, classes: 3 });
  const nanParams = mapParams(model.params, (t, name) => (name === 'blocks.0.g.b' ? tf.fill(t.shape, NaN) : tf.clone(t)));
  model.setParams(nanParams);
  throwsWith(() => encodeCheckpoint(model), NumericalError, /blocks\.0\.g\.b holds NaN at index 0/);
  model.dispose();
  // The reader side (a non-finite value in a file is a CheckpointError on load) is in test/model/checkpoint.test.ts.
});

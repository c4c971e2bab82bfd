// The lecture page's Node-side pieces: its data file, its training session (src/page/session.ts),
// the bundle (no Node builtins, the pure-TypeScript host solves) and the site builder. The page in
// a real browser is test/page/page.e2e.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupBackend } from '../helpers/backend.js';
import { tf } from '../../src/backend/index.js';
import { loadMnist, readMnistRaw } from '../../src/data/mnist.js';
import type { DatasetSplits } from '../../src/data/types.js';
import { accuracyHost, crossEntropyHost } from '../../src/model/loss.js';
import { RevMLP } from '../../src/model/revmlp.js';
import { base64ToBytes, bytesToBase64 } from '../../src/util/base64.js';
import { ConfigError, DataError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { decodePageData, encodePageData, PAGE_DATA_FORMAT, type PageData } from '../../src/page/data.js';
import { CONTENDER_IDS, Lab, PAGE_PRESETS, type PagePreset } from '../../src/page/session.js';
import { bundlePageApp } from '../../src/page/bundle.js';
import { buildPage } from '../../src/page/build.js';

let tmp: string;
let small: DatasetSplits;
const TINY: PagePreset = { id: 'h512', label: 'test', hidden: 64, blocks: 2, batch: 32 };

before(async () => {
  await setupBackend();
  tmp = mkdtempSync(join(tmpdir(), 'exact-gn-page-unit-'));
  small = loadMnist({ limitTrain: 64, limitTest: 40 });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('base64', () => {
  test('round trips bytes of every length class, large ones included', () => {
    const rng = new Rng(3);
    for (const n of [0, 1, 2, 3, 4, 1000, 100_003]) {
      const bytes = Uint8Array.from({ length: n }, () => rng.int(256));
      const text = bytesToBase64(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64'), `length ${n}`);
      assert.deepEqual(base64ToBytes(text), bytes);
    }
  });
  test('bad text is a DataError naming what it was', () => {
    assert.throws(() => base64ToBytes('not base64!', 'train.images'), (e: Error) => e instanceof DataError && /train\.images is not valid base64/.test(e.message));
  });
});

describe('page data', () => {
  test('decodes to exactly what loadMnist gives for the same images', () => {
    const raw = readMnistRaw({ limitTrain: 100, limitTest: 30 });
    const file = JSON.parse(JSON.stringify(encodePageData(raw, 'test'))) as unknown; // as data.js carries it
    const got = decodePageData(file);
    const want = loadMnist({ limitTrain: 100, limitTest: 30 });
    for (const split of ['train', 'test'] as const) {
      assert.equal(got[split].n, want[split].n);
      assert.deepEqual(got[split].y, want[split].y);
      assert.deepEqual(got[split].x, want[split].x);
    }
  });
  test('a missing, foreign or damaged file is a DataError saying what to do', () => {
    const good = encodePageData(readMnistRaw({ limitTrain: 3, limitTest: 2 }), 'test');
    const bad = (mutate: (d: PageData) => unknown, re: RegExp): void => {
      const copy = JSON.parse(JSON.stringify(good)) as PageData;
      assert.throws(() => decodePageData(mutate(copy)), (e: Error) => e instanceof DataError && re.test(e.message), re.source);
    };
    bad(() => undefined, /missing: keep data\.js beside index\.html/);
    bad((d) => ({ ...d, format: 'other/9' }), new RegExp(`expected ${PAGE_DATA_FORMAT.replace('/', '\\/')}`));
    bad((d) => ({ ...d, train: { ...d.train, images: d.train.images.slice(0, 100) } }), /holds \d+ pixel bytes/);
    bad((d) => ({ ...d, test: { ...d.test, labels: bytesToBase64(Uint8Array.of(3, 12)) } }), /label 12 at row 1/);
    bad((d) => ({ ...d, test: { ...d.test, n: 0 } }), /lacks n/);
  });
});

describe('Lab (the page session)', () => {
  test('steps every contender on the same batch from the same init; losses, changes and epochs are consistent', () => {
    const lab = new Lab(small, { preset: TINY });
    try {
      const s1 = lab.step();
      assert.deepEqual(s1.results.map((r) => r.id), CONTENDER_IDS);
      assert.equal(s1.n, 32);
      const before = s1.results[0]!.lossBefore;
      for (const r of s1.results) {
        assert.equal(r.lossBefore, before, `${r.id}: same init and batch, same loss before`);
        assert.ok(Math.abs(r.changePct - (100 * (r.lossAfter - r.lossBefore)) / r.lossBefore) < 1e-9);
        assert.ok(r.lossAfter < r.lossBefore, `${r.id} did not lower its batch loss: ${r.lossBefore} -> ${r.lossAfter}`);
        assert.equal(!!r.blocks, r.id.startsWith('gn'));
        assert.equal(r.target.length, 4);
        assert.equal(r.logitChange[0]!.length, 10);
      }
      lab.step();
      const s3 = lab.step();
      assert.equal(s3.epoch, 1, '64 images in batches of 32: the third step starts epoch 2');
      assert.equal(s3.batchIndex, 0);
    } finally {
      lab.dispose();
    }
  });

  test('GN realizes its function-space target: dO = -lr L e for an exact step', () => {
    // n = 32 <= h + 1 and no truncation: every block has full row rank, so each realizes T exactly
    // and the logits move by -lr * L * e to first order (lr small: the second order is negligible).
    const lr = 1e-3;
    const lab = new Lab(small, { preset: TINY, contenders: ['gn-block'], lr: { 'gn-block': lr }, rtol: 1e-7 });
    try {
      const r = lab.step().results[0]!;
      for (const b of r.blocks!) assert.ok(b.exact && b.rankF === 32 && b.rankG === 32, JSON.stringify(b));
      let num = 0;
      let den = 0;
      r.target.forEach((e, i) =>
        e.forEach((v, c) => {
          num += (r.logitChange[i]![c]! - -lr * 2 * v) ** 2;
          den += (lr * 2 * v) ** 2;
        }),
      );
      assert.ok(Math.sqrt(num / den) < 0.05, `realized dO differs from -lr L e by ${Math.sqrt(num / den)} (relative)`);
    } finally {
      lab.dispose();
    }
  });

  test('evaluate matches the test loss and accuracy computed directly; no tensor leaks across steps', () => {
    const base = tf.memory().numTensors;
    const lab = new Lab(small, { preset: TINY, contenders: ['sgd', 'adam'] });
    try {
      lab.step();
      const mid = tf.memory().numTensors;
      lab.step();
      lab.evaluate();
      lab.step();
      assert.equal(tf.memory().numTensors, mid, 'tensors after step 1 and after step 3 (Adam state included)');
      const ev = lab.evaluate();
      assert.deepEqual(ev.map((e) => e.id), ['sgd', 'adam']);
      for (const e of ev) {
        assert.ok(e.accuracy >= 0 && e.accuracy <= 1 && Number.isFinite(e.loss));
      }
      // Same seed, same steps: the same test loss (a second lab, stepped alone).
      const twin = new Lab(small, { preset: TINY, contenders: ['sgd'] });
      for (let i = 0; i < 3; i++) twin.step();
      assert.ok(Math.abs(twin.evaluate(20)[0]!.loss - lab.evaluate(20)[0]!.loss) < 1e-6);
      twin.dispose();
      // At init, directly: the model of the same config on the first 20 test images.
      const fresh = new Lab(small, { preset: TINY, contenders: ['sgd'] });
      const got = fresh.evaluate(20)[0]!;
      fresh.dispose();
      const model = RevMLP.init({ inputDim: 784, hidden: 64, blocks: 2, classes: 10, seed: 42 });
      const x = tf.tensor2d(small.test.x.subarray(0, 20 * 784), [20, 784]);
      const logits = model.logits(x);
      const host = logits.dataSync();
      const y = small.test.y.subarray(0, 20);
      assert.ok(Math.abs(got.loss - crossEntropyHost(host, y, 20, 10)) < 1e-9);
      assert.equal(got.accuracy, accuracyHost(host, y, 20, 10));
      logits.dispose();
      x.dispose();
      model.dispose();
    } finally {
      lab.dispose();
    }
    assert.equal(tf.memory().numTensors, base, 'dispose releases every tensor');
  });

  test('bad options say what is wrong', () => {
    assert.throws(() => new Lab(small, { preset: TINY, contenders: ['lbfgs' as never] }), (e: Error) => e instanceof ConfigError && /unknown contender "lbfgs"/.test(e.message));
    assert.throws(() => new Lab(small, { preset: { ...TINY, batch: 100 } }), (e: Error) => e instanceof ConfigError && /64 images, fewer than one batch of 100/.test(e.message));
    assert.throws(() => new Lab(small, { preset: TINY, contenders: [] }), ConfigError);
  });

  test('presets: both L = 2 with n <= h + 1 (so the ReLU blocks can be exact)', () => {
    for (const p of Object.values(PAGE_PRESETS)) {
      assert.equal(p.blocks, 2);
      assert.ok(p.batch <= p.hidden + 1, p.id);
    }
  });
});

describe('bundle and site', () => {
  test('the page bundle holds the library with its pure-TypeScript host solves and no Node-only module', async () => {
    const { bytes, inputs } = await bundlePageApp(join(tmp, 'bundle', 'app.js'));
    for (const m of ['src/page/browser/app.ts', 'src/gn/step.ts', 'src/linalg/gram-pinv.ts', 'src/linalg/sym-eig.ts', 'src/optim/optimizers.ts', 'src/backend/core.ts']) {
      assert.ok(inputs.includes(m), `${m} missing from the bundle`);
    }
    for (const m of ['src/backend/index.ts', 'src/backend/blas.ts', 'src/backend/webgpu.ts', 'src/data/mnist.ts']) {
      assert.ok(!inputs.includes(m), `${m} (Node-only) is in the bundle`);
    }
    assert.ok(!inputs.some((p) => p.startsWith('node:')), 'a node: builtin is in the bundle');
    assert.ok(inputs.some((p) => p.endsWith('tfjs-backend-wasm-simd.wasm')), 'the wasm binaries are not inlined');
    assert.ok(bytes > 500_000 && bytes < 4 * 2 ** 20, `bundle size ${bytes}`);
  });

  test('buildPage writes a self-contained site: local scripts only, the data subset asked for', async () => {
    const out = join(tmp, 'site');
    const res = await buildPage({ out, trainImages: 300, testImages: 50, bundle: 'fresh' });
    assert.deepEqual(res.files.map((f) => f.name).sort(), ['app.js', 'data.js', 'index.html', 'plotly.min.js']);
    assert.equal(res.totalBytes, res.files.reduce((s, f) => s + f.bytes, 0));
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(scripts, ['plotly.min.js', 'data.js', 'app.js']);
    assert.ok(!/https?:\/\//.test(html), 'index.html refers to the network');
    for (const s of scripts) assert.ok(existsSync(join(out, s)));
    const text = readFileSync(join(out, 'data.js'), 'utf8');
    const data = decodePageData(JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf(';'))));
    assert.equal(data.train.n, 300);
    assert.equal(data.test.n, 50);
  });

  test('buildPage refuses an --out that is a file and bad sizes', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    await assert.rejects(buildPage({ out: file }), /is a file, not a folder/);
    await assert.rejects(buildPage({ out: join(tmp, 'x'), trainImages: 0 }), /--train: must be a positive integer/);
    await assert.rejects(buildPage({ out: join(tmp, 'x'), testImages: 20000 }), /10000 test images/);
  });
});

// The lecture page in headless Chromium (scripts/test.sh runs this file in its own phase, after
// bash scripts/setup-chromium.sh; it is named *.e2e.ts so the Node suites do not pick it up):
// builds the page, opens it from file://, takes GN (both rules), Adam and SGD steps on WebGPU
// (SwiftShader) and on wasm, and checks each step against the same step run here in Node from the
// same seed, data and batches (written independently of src/page/session.ts). Then it inspects a
// screenshot for drawn plots.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { setupBackend } from '../helpers/backend.js';
import { tf } from '../../src/backend/index.js';
import { gatherBatch, miniBatches } from '../../src/data/batches.js';
import type { DatasetSplits } from '../../src/data/types.js';
import { crossEntropyHost } from '../../src/model/loss.js';
import { RevMLP } from '../../src/model/revmlp.js';
import { createOptimizer, type OptimizerConfig } from '../../src/optim/optimizers.js';
import { OPTIMIZER_COLORS } from '../../src/plots/colors.js';
import { buildPage } from '../../src/page/build.js';
import { decodePageData, PAGE_DATA_GLOBAL } from '../../src/page/data.js';
import type { LabStep } from '../../src/page/session.js';
import { clickButton, launch, type Browser } from './browser.js';
import { countColor, decodePng, inkFraction } from './png.js';

const SHOTS = resolve('out/page-test');
let dir: string;
let data: DatasetSplits;

before(async () => {
  await setupBackend();
  dir = mkdtempSync(join(tmpdir(), 'exact-gn-page-'));
  // A smaller subset than the default page (2048 / 1000) keeps the SwiftShader run short.
  await buildPage({ out: dir, trainImages: 512, testImages: 100, bundle: 'fresh' });
  const text = readFileSync(join(dir, 'data.js'), 'utf8');
  const json = text.slice(text.indexOf(`window.${PAGE_DATA_GLOBAL} = `) + `window.${PAGE_DATA_GLOBAL} = `.length, text.lastIndexOf(';'));
  data = decodePageData(JSON.parse(json));
  mkdirSync(SHOTS, { recursive: true });
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Reference {
  id: string;
  lossBefore: number;
  lossAfter: number;
  blocks?: { rankF: number; rankG: number; residual: number }[];
}

/** The page's steps, recomputed in Node with the library directly: per step, per contender. */
function nodeReference(hidden: number, batch: number, steps: number, rtol = 1e-2): Reference[][] {
  const configs: Record<string, OptimizerConfig> = {
    'gn-block': { name: 'gn', lr: 0.1, gn: { rule: 'block', residual: true, rtol } },
    'gn-half-coupling': { name: 'gn', lr: 0.1, gn: { rule: 'half-coupling', residual: true, rtol } },
    adam: { name: 'adam', lr: 1e-4 },
    sgd: { name: 'sgd', lr: 0.1 },
  };
  const order = miniBatches(data.train, batch, 0, 42);
  const out: Reference[][] = Array.from({ length: steps }, () => []);
  for (const [id, cfg] of Object.entries(configs)) {
    const model = RevMLP.init({ inputDim: 784, hidden, blocks: 2, classes: 10, seed: 42 });
    const opt = createOptimizer(cfg);
    for (let s = 0; s < steps; s++) {
      const b = gatherBatch(data.train, order[s]!);
      const x = tf.tensor2d(b.x, [b.n, b.d]);
      const res = opt.step(model, x, b.y);
      const logits = model.logits(x);
      const ref: Reference = { id, lossBefore: res.loss, lossAfter: crossEntropyHost(logits.dataSync(), b.y, b.n, 10) };
      if (res.gn) ref.blocks = res.gn.map((g) => ({ rankF: g.f.rank, rankG: g.g.rank, residual: g.residual! }));
      out[s]!.push(ref);
      logits.dispose();
      x.dispose();
    }
    opt.dispose();
    model.dispose();
  }
  return out;
}

interface PageView {
  ready: boolean;
  busy: boolean;
  error: string | null;
  backend: { name: string; summary: string; skipped: string[] } | null;
  history: LabStep[];
  evals: unknown[];
}
// Expressions run in the page are strings: this file is type-checked without the DOM library.
const view = async (page: Page): Promise<PageView> => JSON.parse((await page.evaluate('JSON.stringify(window.exactGnPage)')) as string) as PageView;

async function openPage(browser: Browser, query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${pathToFileURL(join(dir, 'index.html')).href}?${query}`);
  await page.waitForFunction('window.exactGnPage && (window.exactGnPage.ready || window.exactGnPage.error)', null, { timeout: 600_000 });
  const v = await view(page);
  assert.equal(v.error, null, `the page failed to start: ${v.error}`);
  return { page, errors };
}

async function clickSteps(page: Page, steps: number): Promise<LabStep[]> {
  for (let i = 1; i <= steps; i++) {
    // A real mouse click, without waiting for navigations after it: the step then blocks the page's
    // main thread for seconds (tfjs reads back synchronously), which page.click would time out on.
    await clickButton(page, '#step');
    await page.waitForFunction(`(window.exactGnPage.history.length >= ${i} && !window.exactGnPage.busy) || window.exactGnPage.error`, null, { timeout: 900_000 });
  }
  const v = await view(page);
  assert.equal(v.error, null, `a step failed in the page: ${v.error}`);
  assert.equal(v.history.length, steps);
  return v.history;
}

/** Browser steps against Node's: the loss before, the loss drop on the same batch, GN ranks and residuals. */
function compare(history: LabStep[], ref: Reference[][], lossTol: number, where: string): void {
  history.forEach((rec, s) => {
    assert.equal(rec.results.length, 4, `${where}: step ${s + 1} ran ${rec.results.length} contenders`);
    for (const r of rec.results) {
      const n = ref[s]!.find((q) => q.id === r.id)!;
      const what = `${where}, step ${s + 1}, ${r.id}`;
      assert.ok(Math.abs(r.lossBefore - n.lossBefore) <= lossTol * n.lossBefore, `${what}: loss before ${r.lossBefore} in the page, ${n.lossBefore} in Node`);
      const dropPage = r.lossBefore - r.lossAfter;
      const dropNode = n.lossBefore - n.lossAfter;
      assert.ok(dropNode > 0, `${what}: the Node step did not lower the batch loss (${dropNode})`);
      assert.ok(Math.abs(dropPage - dropNode) <= 0.02 * dropNode + lossTol, `${what}: batch loss drop ${dropPage} in the page, ${dropNode} in Node`);
      assert.equal(!!r.blocks, !!n.blocks, `${what}: GN diagnostics present in one run only`);
      r.blocks?.forEach((b, l) => {
        const nb = n.blocks![l]!;
        assert.ok(Math.abs(b.rankF - nb.rankF) <= 1 && Math.abs(b.rankG - nb.rankG) <= 1, `${what}, block ${l + 1}: ranks ${b.rankF}/${b.rankG} in the page, ${nb.rankF}/${nb.rankG} in Node`);
        // Exact blocks (Node residual ~1e-5) must stay exact; inexact ones must agree to 10%.
        const ok = nb.residual < 1e-4 ? b.residual < 1e-3 : Math.abs(b.residual - nb.residual) <= 0.1 * nb.residual;
        assert.ok(ok, `${what}, block ${l + 1}: exactness residual ${b.residual} in the page, ${nb.residual} in Node`);
      });
    }
  });
}

/** Every Plotly figure is drawn (an svg with its traces), and the screenshot shows the curves. */
async function checkDrawn(page: Page, name: string): Promise<void> {
  const figures = (await page.evaluate(
    `Array.from(document.querySelectorAll('.grid .plot')).map((d) => ({ id: d.id, svg: !!d.querySelector('svg.main-svg'), traces: d.querySelectorAll('g.trace').length }))`,
  )) as { id: string; svg: boolean; traces: number }[];
  assert.equal(figures.length, 4);
  for (const f of figures) assert.ok(f.svg && f.traces > 0, `figure ${f.id} is not drawn: ${JSON.stringify(f)}`);
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const img = decodePng(readFileSync(file));
  const box = (await page.locator('#plot-loss').boundingBox())!;
  assert.ok(inkFraction(img, box) > 0.02, `the training-loss plot is blank in ${file}`);
  for (const opt of ['adam', 'sgd'] as const) {
    const px = countColor(img, box, OPTIMIZER_COLORS[opt]!);
    assert.ok(px >= 30, `the ${opt} curve (${OPTIMIZER_COLORS[opt]}) has ${px} pixels in the training-loss plot of ${file}`);
  }
  const gn = countColor(img, box, OPTIMIZER_COLORS['gn (corrected)']!) + countColor(img, box, OPTIMIZER_COLORS['gn (half-coupling)']!);
  assert.ok(gn >= 30, `the GN curves have ${gn} pixels in the training-loss plot of ${file}`);
  const digit = (await page.locator('#digit-img-0').boundingBox())!;
  assert.ok(inkFraction(img, digit) > 0.05, `the first digit of the function-space picture is blank in ${file}`);
}

describe('lecture page in headless Chromium', { timeout: 3_600_000 }, () => {
  test('wasm: auto falls back to wasm without a WebGPU adapter, and GN, Adam and SGD steps match Node', async () => {
    const browser = await launch(false);
    try {
      const { page, errors } = await openPage(browser, 'preset=h512');
      const v = await view(page);
      assert.equal(v.backend!.name, 'wasm', `backend ${JSON.stringify(v.backend)}`);
      assert.match(v.backend!.summary, /^wasm \(SIMD, 1 thread\)$/);
      assert.ok(v.backend!.skipped.some((s) => s.startsWith('webgpu:')), `webgpu was not tried first: ${JSON.stringify(v.backend!.skipped)}`);
      assert.match(await page.locator('#backend').innerText(), /wasm \(SIMD, 1 thread\)/);
      const history = await clickSteps(page, 2);
      compare(history, nodeReference(512, 256, 2), 1e-4, 'wasm');
      await checkDrawn(page, 'page-wasm');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });

  test('webgpu (SwiftShader): GN steps on the browser GPU match Node, and the plots are drawn', async () => {
    const browser = await launch(true);
    try {
      // batch 64: SwiftShader runs tfjs's shaders on the CPU, slowly; n <= h + 1 keeps both blocks exact.
      const { page, errors } = await openPage(browser, 'preset=h512&backend=webgpu&batch=64&eval=100');
      const v = await view(page);
      assert.equal(v.backend!.name, 'webgpu', `backend ${JSON.stringify(v.backend)}`);
      assert.match(v.backend!.summary, /swiftshader.*software/i);
      const history = await clickSteps(page, 2);
      compare(history, nodeReference(512, 64, 2), 1e-3, 'webgpu');
      for (const r of history[1]!.results.filter((q) => q.id === 'gn-block')) {
        for (const b of r.blocks!) assert.ok(b.exact && b.residual < 1e-3, `webgpu: the block rule is not exact at n = 64 <= h + 1: ${JSON.stringify(b)}`);
      }
      await checkDrawn(page, 'page-webgpu');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});

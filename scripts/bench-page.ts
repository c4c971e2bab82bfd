/**
 * Step times of the lecture page in headless Chromium, side by side per contender:
 *
 *   npx tsx scripts/bench-page.ts [--backend wasm,webgpu] [--preset h512,h2048] [--steps 3] [--batch N] [--test N]
 *
 * Builds the page (default data subset) into out/page-bench, opens it from file:// (WebGPU on
 * SwiftShader, see test/page/browser.ts), clicks Step --steps times per (backend, preset) and prints
 * one Markdown row per contender: the first step (shader compilation, warm-up) and the mean of the
 * others, in ms, plus the page's total size. Timings only: no pass/fail.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildPage } from '../src/page/build.js';
import type { LabStep } from '../src/page/session.js';
import { clickButton, launch } from '../test/page/browser.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const backends = arg('backend', 'wasm,webgpu').split(',');
const presets = arg('preset', 'h512,h2048').split(',');
const steps = Number(arg('steps', '3'));
const batch = arg('batch', '');
const testImages = arg('test', '');

const site = await buildPage({ out: resolve('out/page-bench') });
console.log(`page: ${site.files.map((f) => `${f.name} ${(f.bytes / 2 ** 20).toFixed(2)} MiB`).join(', ')}; total ${(site.totalBytes / 2 ** 20).toFixed(2)} MiB`);
console.log('| backend | preset | batch | contender | step 1 (ms) | later steps, mean (ms) |');
console.log('|---|---|---|---|---|---|');
for (const backend of backends) {
  const browser = await launch(backend === 'webgpu');
  try {
    for (const preset of presets) {
      const page = await browser.context.newPage();
      const q = `preset=${preset}&backend=${backend}&eval=100000${batch ? `&batch=${batch}` : ''}${testImages ? `&test=${testImages}` : ''}`;
      await page.goto(`${pathToFileURL(site.index).href}?${q}`);
      await page.waitForFunction('window.exactGnPage && (window.exactGnPage.ready || window.exactGnPage.error)', null, { timeout: 0 });
      for (let i = 1; i <= steps; i++) {
        await clickButton(page, '#step');
        await page.waitForFunction(`(window.exactGnPage.history.length >= ${i} && !window.exactGnPage.busy) || window.exactGnPage.error`, null, { timeout: 0 });
      }
      const state = JSON.parse((await page.evaluate('JSON.stringify(window.exactGnPage)')) as string) as { error: string | null; backend: { summary: string }; history: LabStep[] };
      if (state.error) throw new Error(`${backend} ${preset}: ${state.error}`);
      for (const r of state.history[0]!.results) {
        const times = state.history.map((h) => h.results.find((x) => x.id === r.id)!.stepMs);
        const later = times.slice(1);
        const mean = later.length ? (later.reduce((s, t) => s + t, 0) / later.length).toFixed(0) : '-';
        console.log(`| ${state.backend.summary} | ${preset} | ${state.history[0]!.n} | ${r.id} | ${times[0]!.toFixed(0)} | ${mean} |`);
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

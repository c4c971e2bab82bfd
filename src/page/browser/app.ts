/**
 * The lecture page (bundled by src/page/bundle.ts into app.js): exact GN, both rules, next to Adam
 * and SGD, trained live in the browser on the MNIST subset of data.js, drawn with Plotly
 * (plotly.min.js). Settings live in the page address, so a lecturer can bookmark a setup:
 *
 *   index.html?preset=h512|h2048&backend=auto|webgpu|wasm|cpu&rtol=0.01&eval=5&seed=42
 *             &run=gn-block,gn-half-coupling,adam,sgd&lr-gn-block=0.1&lr-adam=0.0001...
 *
 * `window.exactGnPage` exposes the state (history, evaluations, backend, errors) for the browser
 * test (test/page/page.test.ts) and for anyone curious in the console.
 */
import type { BackendInfo } from '../../backend/core.js';
import type { DatasetSplits } from '../../data/types.js';
import { NORMALIZATION } from '../../data/normalize.js';
import { OPTIMIZER_COLORS } from '../../plots/colors.js';
import { decodePageData, PAGE_DATA_GLOBAL } from '../data.js';
import {
  CONTENDER_IDS,
  CONTENDER_LABELS,
  DEFAULT_LR,
  Lab,
  PAGE_PRESETS,
  type ContenderEval,
  type ContenderId,
  type LabStep,
  type PresetId,
} from '../session.js';
import { useBrowserBackend } from './backend.js';

// ---------------------------------------------------------------------------------------------
// Plotly (a global from plotly.min.js): the few calls used.

interface PlotlyLike {
  react(el: HTMLElement, data: object[], layout: object, config?: object): Promise<unknown>;
  version: string;
}
declare global {
  interface Window {
    Plotly?: PlotlyLike;
    exactGnPage?: PageState;
    [PAGE_DATA_GLOBAL]?: unknown;
  }
}

/** What the page exposes on window.exactGnPage. */
export interface PageState {
  /** True once the backend, data and models are ready. */
  ready: boolean;
  /** True while a step or an evaluation runs. */
  busy: boolean;
  backend: BackendInfo | null;
  preset: PresetId;
  rtol: number;
  history: LabStep[];
  evals: { step: number; results: ContenderEval[] }[];
  /** The first error, as shown on the page. */
  error: string | null;
  plotly: string | null;
}

const COLORS: Record<ContenderId, string> = {
  'gn-block': OPTIMIZER_COLORS['gn (corrected)']!,
  'gn-half-coupling': OPTIMIZER_COLORS['gn (half-coupling)']!,
  adam: OPTIMIZER_COLORS.adam!,
  sgd: OPTIMIZER_COLORS.sgd!,
};

// ---------------------------------------------------------------------------------------------
// Settings from the address.

interface Settings {
  backend: string;
  preset: PresetId;
  /** Batch size (default: the preset's). */
  batch: number;
  rtol: number;
  evalEvery: number;
  /** Test images evaluated (default: all shipped). */
  testLimit: number;
  seed: number;
  run: ContenderId[];
  lr: Record<ContenderId, number>;
}

function readSettings(params: URLSearchParams): Settings {
  const num = (key: string, fallback: number, ok: (v: number) => boolean): number => {
    const raw = params.get(key);
    if (raw === null || raw === '') return fallback;
    const v = Number(raw);
    if (!ok(v)) throw new Error(`the page address has ${key}=${raw}, which is not allowed; remove it or give a valid value`);
    return v;
  };
  const preset = (params.get('preset') ?? 'h512') as PresetId;
  if (!(preset in PAGE_PRESETS)) throw new Error(`the page address has preset=${preset}; use ${Object.keys(PAGE_PRESETS).join(' or ')}`);
  const run = (params.get('run') ?? CONTENDER_IDS.join(',')).split(',').filter((s) => s !== '') as ContenderId[];
  for (const id of run) if (!CONTENDER_IDS.includes(id)) throw new Error(`the page address has run=...${id}...; contenders are ${CONTENDER_IDS.join(', ')}`);
  if (run.length === 0) throw new Error('the page address has an empty run=; choose at least one contender');
  const lr = { ...DEFAULT_LR };
  for (const id of CONTENDER_IDS) lr[id] = num(`lr-${id}`, DEFAULT_LR[id], (v) => v > 0 && Number.isFinite(v));
  return {
    backend: params.get('backend') ?? 'auto',
    preset,
    batch: num('batch', PAGE_PRESETS[preset].batch, (v) => Number.isInteger(v) && v >= 1),
    rtol: num('rtol', 1e-2, (v) => v >= 0 && v < 1),
    evalEvery: num('eval', 5, (v) => Number.isInteger(v) && v >= 1),
    testLimit: num('test', Infinity, (v) => Number.isInteger(v) && v >= 1),
    seed: num('seed', 42, (v) => Number.isInteger(v)),
    run,
    lr,
  };
}

// ---------------------------------------------------------------------------------------------
// DOM.

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el as T;
};
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function skeleton(s: Settings): string {
  const presetOptions = Object.values(PAGE_PRESETS)
    .map((p) => `<option value="${p.id}"${p.id === s.preset ? ' selected' : ''}>${esc(p.label)}</option>`)
    .join('');
  const backendOptions = ['auto', 'webgpu', 'wasm', 'cpu'].map((b) => `<option${b === s.backend ? ' selected' : ''}>${b}</option>`).join('');
  const rtolOptions = [
    ['0.01', 'truncated, rtol 1e-2 (paper)'],
    ['0.0001', 'truncated, rtol 1e-4'],
    ['0.000001', 'rtol 1e-6 (all directions: exact)'],
  ]
    .map(([v, l]) => `<option value="${v}"${Number(v) === s.rtol ? ' selected' : ''}>${l}</option>`)
    .join('');
  const contenders = CONTENDER_IDS.map(
    (id) =>
      `<label class="contender" style="border-color:${COLORS[id]}"><input type="checkbox" id="run-${id}"${s.run.includes(id) ? ' checked' : ''}> ` +
      `${esc(CONTENDER_LABELS[id])}, lr <input type="number" id="lr-${id}" value="${s.lr[id]}" step="any" min="0"></label>`,
  ).join('');
  return `
<header>
  <h1>Exact Gauss-Newton, live</h1>
  <p class="sub">A reversible MLP (RevMLP) trained in this browser on MNIST: exact GN steps (both block rules) next to Adam and SGD,
  on the same mini-batches from the same initialization. Buffelli et al., NeurIPS 2024.</p>
  <p id="backend" class="backend">backend: starting…</p>
</header>
<section class="controls">
  <div class="row">
    <button id="step" disabled>Step</button>
    <button id="play" disabled>Play</button>
    <span id="status">loading…</span>
  </div>
  <details>
    <summary>Setup (applies on reset)</summary>
    <div class="row">
      <label>model <select id="preset">${presetOptions}</select></label>
      <label>backend <select id="backend-choice">${backendOptions}</select></label>
      <label>batch <input type="number" id="batch" value="${s.batch}" min="1" step="1"></label>
      <label>GN pseudo-inverse <select id="rtol">${rtolOptions}</select></label>
      <label>test every <input type="number" id="eval" value="${s.evalEvery}" min="1" step="1"> steps</label>
      <label>seed <input type="number" id="seed" value="${s.seed}" step="1"></label>
    </div>
    <div class="row">${contenders}</div>
    <div class="row"><button id="reset">Reset with this setup</button></div>
  </details>
  <p id="error" class="error" hidden></p>
</section>
<section class="grid">
  <div class="plot" id="plot-loss" data-figure="training loss"></div>
  <div class="plot" id="plot-acc" data-figure="test accuracy"></div>
  <div class="plot" id="plot-change" data-figure="per-batch loss change"></div>
  <div class="plot" id="plot-residual" data-figure="GN exactness residual"></div>
</section>
<section>
  <h2>GN blocks, last step</h2>
  <p class="note">rank: directions the pseudo-inverse kept, out of n (batch size). With both at n, the block rule realizes the target exactly
  (residual at float32 rounding); the half-coupling rule drops the correction term and does not. The paper's truncation (rtol 1e-2) drops directions.
  Residual: |J<sub>l</sub> &Delta;&theta;<sub>l</sub> &minus; T| / |T| at the block output. Block 1 is linear: its rank is at most d/2 + 1 = 393; ReLU blocks at most h + 1.</p>
  <table id="gn-table"><thead><tr><th>rule</th><th>block</th><th>rank f</th><th>rank g</th><th>full rank</th><th>residual</th></tr></thead><tbody></tbody></table>
</section>
<section>
  <h2>Function space: target and realized change of the logits</h2>
  <p class="note">For the first digits of the last batch: GN's target is &minus;lr&middot;L&middot;e with e = p &minus; y (every one of the L blocks realizes T = e U<sup>T</sup>);
  bars show the realized change of each contender's 10 logits in that step.</p>
  <div id="digits" class="digits"></div>
</section>`;
}

const CSS = `
body { font-family: system-ui, sans-serif; margin: 1rem 2rem; color: #222; }
h1 { margin: 0.2rem 0; } h2 { font-size: 1.1rem; margin: 1.2rem 0 0.3rem; }
.sub, .note { color: #555; max-width: 70rem; } .note { font-size: 0.9rem; }
.backend { font-family: ui-monospace, monospace; background: #f4f4f4; padding: 0.3rem 0.5rem; display: inline-block; }
.controls .row { display: flex; flex-wrap: wrap; gap: 0.8rem; align-items: center; margin: 0.4rem 0; }
button { font-size: 1.1rem; padding: 0.3rem 1.2rem; }
input[type=number] { width: 6rem; }
.contender { border-left: 4px solid; padding-left: 0.4rem; }
.error { color: #b00; font-weight: bold; white-space: pre-wrap; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(30rem, 1fr)); gap: 0.5rem; }
.plot { height: 300px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.15rem 0.5rem; text-align: right; }
.digits { display: grid; grid-template-columns: repeat(auto-fit, minmax(24rem, 1fr)); gap: 0.5rem; }
.digit { display: flex; align-items: center; gap: 0.3rem; } .digit canvas { image-rendering: pixelated; border: 1px solid #ccc; }
.digit .plot { flex: 1; height: 260px; }
`;

// ---------------------------------------------------------------------------------------------
// Plots.

const PLOT_CONFIG = { displaylogo: false, responsive: true };
const baseLayout = (title: string, ytitle: string, extra: object = {}): object => ({
  title: { text: title, font: { size: 15 } },
  margin: { l: 55, r: 10, t: 35, b: 40 },
  xaxis: { title: { text: 'step' } },
  yaxis: { title: { text: ytitle } },
  legend: { orientation: 'h', y: -0.25 },
  ...extra,
});

function plotly(): PlotlyLike {
  if (!window.Plotly) throw new Error('Plotly did not load: keep plotly.min.js beside index.html');
  return window.Plotly;
}

function drawPlots(state: PageState, run: readonly ContenderId[]): Promise<unknown> {
  const P = plotly();
  const series = (f: (s: LabStep, id: ContenderId) => number | undefined) =>
    run.map((id) => ({
      name: CONTENDER_LABELS[id],
      x: state.history.map((s) => s.step),
      y: state.history.map((s) => f(s, id) ?? null),
      mode: 'lines+markers',
      line: { color: COLORS[id], width: 2 },
      marker: { size: 4 },
    }));
  const pick = (s: LabStep, id: ContenderId) => s.results.find((r) => r.id === id);
  const acc = run.map((id) => ({
    name: CONTENDER_LABELS[id],
    x: state.evals.map((e) => e.step),
    y: state.evals.map((e) => e.results.find((r) => r.id === id)?.accuracy ?? null),
    mode: 'lines+markers',
    line: { color: COLORS[id], width: 2 },
    marker: { size: 5 },
  }));
  const residual = run
    .filter((id) => id.startsWith('gn'))
    .flatMap((id) =>
      (state.history[0]?.results.find((r) => r.id === id)?.blocks ?? []).map((b, j) => ({
        name: `${CONTENDER_LABELS[id]}, block ${b.block + 1}`,
        x: state.history.map((s) => s.step),
        y: state.history.map((s) => pick(s, id)?.blocks?.[j]?.residual ?? null),
        mode: 'lines+markers',
        line: { color: COLORS[id], width: 2, dash: j === 0 ? 'dot' : 'solid' },
        marker: { size: 4 },
      })),
    );
  return Promise.all([
    P.react($('plot-loss'), series((s, id) => pick(s, id)?.lossBefore), baseLayout('Training loss (batch, before the update)', 'cross-entropy', { yaxis: { type: 'log', title: { text: 'cross-entropy' } } }), PLOT_CONFIG),
    P.react($('plot-acc'), acc, baseLayout(`Test accuracy (${state.evals.length ? 'test subset' : 'not yet evaluated'})`, 'accuracy', { yaxis: { range: [0, 1], title: { text: 'accuracy' } } }), PLOT_CONFIG),
    P.react($('plot-change'), series((s, id) => pick(s, id)?.changePct), baseLayout('Per-batch loss change after each update', '% of the batch loss'), PLOT_CONFIG),
    P.react($('plot-residual'), residual, baseLayout('GN exactness residual per block', '|J Δθ − T| / |T|', { yaxis: { type: 'log', title: { text: '|J Δθ − T| / |T|' } } }), PLOT_CONFIG),
  ]);
}

function drawTable(last: LabStep): void {
  const rows = last.results
    .filter((r) => r.blocks)
    .flatMap((r) =>
      r.blocks!.map(
        (b) =>
          `<tr><td style="color:${COLORS[r.id]}">${esc(CONTENDER_LABELS[r.id])}</td><td>${b.block + 1}</td><td>${b.rankF} / ${b.n}</td>` +
          `<td>${b.rankG} / ${b.n}</td><td>${b.exact ? 'yes' : 'no'}</td><td>${b.residual.toExponential(2)}</td></tr>`,
      ),
    );
  $('gn-table').querySelector('tbody')!.innerHTML = rows.join('') || '<tr><td colspan="6">no GN contender running</td></tr>';
}

function drawDigits(last: LabStep, data: DatasetSplits, run: readonly ContenderId[]): Promise<unknown> {
  const box = $('digits');
  const P = plotly();
  if (box.children.length !== last.pictureRows.length) {
    box.innerHTML = last.pictureRows.map((_, i) => `<div class="digit"><canvas id="digit-img-${i}" width="28" height="28" style="width:84px;height:84px"></canvas><div class="plot" id="digit-plot-${i}"></div></div>`).join('');
  }
  const { mean, std } = NORMALIZATION.mnist;
  const gnTargetFrom = run.find((id) => id.startsWith('gn'));
  const classes = Array.from({ length: data.train.classes }, (_, c) => String(c));
  return Promise.all(
    last.pictureRows.map((row, i) => {
      const canvas = $<HTMLCanvasElement>(`digit-img-${i}`);
      const ctx = canvas.getContext('2d')!;
      const img = ctx.createImageData(28, 28);
      const x = data.train.x.subarray(row * data.train.d, (row + 1) * data.train.d);
      for (let p = 0; p < 784; p++) {
        const v = Math.max(0, Math.min(255, Math.round(255 * (1 - (x[p]! * std[0]! + mean[0]!)))));
        img.data.set([v, v, v, 255], 4 * p);
      }
      ctx.putImageData(img, 0, 0);
      const traces: object[] = [];
      if (gnTargetFrom) {
        const r = last.results.find((q) => q.id === gnTargetFrom)!;
        const scale = -r.lr * (last.results.find((q) => q.blocks)?.blocks?.length ?? 1);
        traces.push({ type: 'bar', name: 'GN target −lr·L·e', x: classes, y: r.target[i]!.map((v) => scale * v), marker: { color: '#999' } });
      }
      // Adam's and SGD's changes live on other scales (click their legend entries to show them).
      for (const r of last.results) {
        traces.push({ type: 'bar', name: `Δo ${CONTENDER_LABELS[r.id]}`, x: classes, y: r.logitChange[i], marker: { color: COLORS[r.id] }, visible: r.id.startsWith('gn') ? true : 'legendonly' });
      }
      return P.react(
        $(`digit-plot-${i}`),
        traces,
        {
          title: { text: `digit labelled ${last.pictureLabels[i]}`, font: { size: 13 } },
          barmode: 'group',
          margin: { l: 45, r: 5, t: 28, b: 20 },
          xaxis: { type: 'category' },
          legend: { orientation: 'h', y: -0.15, font: { size: 10 } },
          uirevision: 'keep', // keeps the legend choices across steps
        },
        PLOT_CONFIG,
      );
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Main.

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

async function main(): Promise<void> {
  const state: PageState = { ready: false, busy: false, backend: null, preset: 'h512', rtol: 1e-2, history: [], evals: [], error: null, plotly: null };
  window.exactGnPage = state;
  const fail = (e: unknown): void => {
    const msg = e instanceof Error ? e.message : String(e);
    state.error ??= msg;
    const el = document.getElementById('error');
    if (el) {
      el.hidden = false;
      el.textContent = `Error: ${msg}`;
    } else {
      document.body.textContent = `Error: ${msg}`;
    }
    console.error(e);
  };
  try {
    const settings = readSettings(new URLSearchParams(location.search));
    state.preset = settings.preset;
    state.rtol = settings.rtol;
    const style = document.createElement('style');
    style.textContent = CSS;
    document.head.appendChild(style);
    document.getElementById('loading')?.remove();
    const root = document.createElement('main');
    root.innerHTML = skeleton(settings);
    document.body.appendChild(root);
    state.plotly = plotly().version;

    const info = await useBrowserBackend(settings.backend);
    state.backend = info;
    $('backend').innerHTML =
      `backend: <b>${esc(info.summary)}</b>` +
      (info.skipped.length ? `<br>skipped: ${info.skipped.map(esc).join('<br>skipped: ')}` : '') +
      '<br>host solves: float64, pure TypeScript';
    const data = decodePageData(window[PAGE_DATA_GLOBAL]);
    const preset = { ...PAGE_PRESETS[settings.preset], batch: settings.batch };
    const lab = new Lab(data, { preset, seed: settings.seed, contenders: settings.run, lr: settings.lr, rtol: settings.rtol });
    const status = $('status');
    const describe = (extra = ''): void => {
      const last = state.history[state.history.length - 1];
      const times = last ? last.results.map((r) => `${CONTENDER_LABELS[r.id]} ${r.stepMs.toFixed(0)} ms`).join(', ') : '';
      status.textContent = `h = ${preset.hidden}, L = ${preset.blocks}, batch ${preset.batch}; ${data.train.n} training / ${Math.min(settings.testLimit, data.test.n)} test images; step ${lab.stepCount}` + (last ? ` (epoch ${last.epoch + 1}); last step: ${times}` : '') + extra;
    };

    const evaluate = (): void => {
      state.evals.push({ step: lab.stepCount, results: lab.evaluate(settings.testLimit) });
    };
    const stepOnce = async (): Promise<void> => {
      state.busy = true;
      try {
        describe(' — stepping…');
        await nextFrame();
        const rec = lab.step();
        state.history.push(rec);
        if (lab.stepCount % settings.evalEvery === 0) evaluate();
        await drawPlots(state, settings.run);
        drawTable(rec);
        await drawDigits(rec, data, settings.run);
        describe();
      } finally {
        state.busy = false;
      }
    };

    let playing = false;
    const stepBtn = $<HTMLButtonElement>('step');
    const playBtn = $<HTMLButtonElement>('play');
    stepBtn.onclick = () => {
      if (state.busy) return;
      stepBtn.disabled = true;
      stepOnce().catch(fail).finally(() => (stepBtn.disabled = playing));
    };
    playBtn.onclick = async () => {
      playing = !playing;
      playBtn.textContent = playing ? 'Pause' : 'Play';
      stepBtn.disabled = playing;
      while (playing && !state.error) {
        try {
          await stepOnce();
        } catch (e) {
          fail(e);
          playing = false;
        }
        await nextFrame();
      }
      playBtn.textContent = 'Play';
      stepBtn.disabled = false;
    };
    $<HTMLSelectElement>('preset').onchange = (ev) => {
      $<HTMLInputElement>('batch').value = String(PAGE_PRESETS[(ev.target as HTMLSelectElement).value as PresetId].batch);
    };
    $('reset').onclick = () => {
      const p = new URLSearchParams();
      p.set('preset', $<HTMLSelectElement>('preset').value);
      p.set('batch', $<HTMLInputElement>('batch').value);
      p.set('backend', $<HTMLSelectElement>('backend-choice').value);
      p.set('rtol', $<HTMLSelectElement>('rtol').value);
      p.set('eval', $<HTMLInputElement>('eval').value);
      p.set('seed', $<HTMLInputElement>('seed').value);
      p.set('run', CONTENDER_IDS.filter((id) => $<HTMLInputElement>(`run-${id}`).checked).join(','));
      for (const id of CONTENDER_IDS) p.set(`lr-${id}`, $<HTMLInputElement>(`lr-${id}`).value);
      location.search = p.toString();
    };

    evaluate();
    await drawPlots(state, settings.run);
    describe();
    state.ready = true;
    stepBtn.disabled = false;
    playBtn.disabled = false;
  } catch (e) {
    fail(e);
  }
}

window.addEventListener('error', (e) => {
  const state = window.exactGnPage;
  if (state) state.error ??= String(e.message);
});
void main();

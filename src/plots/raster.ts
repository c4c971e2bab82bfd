/**
 * PNG of a figure without a browser: its static SVG (src/plots/svg.ts) rasterized by resvg
 * (WebAssembly, no native code). The WebAssembly module is compiled synchronously and
 * instantiated asynchronously once per process: call `await prepareRaster()` first, or rely on
 * the notebook display, which starts it when the package loads in a tslab kernel (the first cell
 * always awaits the backend, so it is ready by the first figure). Text needs a TrueType font from
 * the system: $EXACT_GN_FONT, else DejaVu Sans / Liberation Sans / Noto Sans / Arial where the
 * usual packages put them (Debian: fonts-dejavu-core); without one the PNG has no text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { figureSvg } from './svg.js';
import type { Figure } from './types.js';

type ResvgModule = typeof import('@resvg/resvg-wasm');

const FONT_CANDIDATES: readonly [string, string][] = [
  ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', 'DejaVu Sans'],
  ['/usr/share/fonts/TTF/DejaVuSans.ttf', 'DejaVu Sans'],
  ['/usr/share/fonts/dejavu/DejaVuSans.ttf', 'DejaVu Sans'],
  ['/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', 'Liberation Sans'],
  ['/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf', 'Noto Sans'],
  ['/System/Library/Fonts/Supplemental/Arial.ttf', 'Arial'],
  ['/Library/Fonts/Arial.ttf', 'Arial'],
  ['C:\\Windows\\Fonts\\arial.ttf', 'Arial'],
];

interface State {
  resvg: ResvgModule | null;
  font: { buffer: Uint8Array; family: string } | null;
  error: string | null;
  pending: Promise<boolean> | null;
}

const state: State = { resvg: null, font: null, error: null, pending: null };

function findFont(): State['font'] {
  const env = process.env.EXACT_GN_FONT;
  const list: [string, string][] = env ? [[env, ''], ...FONT_CANDIDATES] : [...FONT_CANDIDATES];
  for (const [file, family] of list) {
    if (!existsSync(file)) continue;
    try {
      return { buffer: new Uint8Array(readFileSync(file)), family };
    } catch {
      // unreadable: try the next one
    }
  }
  return null;
}

/**
 * Starts (once) and awaits the rasterizer; true when PNGs can be made. Never throws: on failure
 * {@link rasterStatus} says why, and figures keep their interactive form only.
 *
 * @example
 * if (await prepareRaster()) writeFileSync('fig.png', figurePng(fig)!);
 */
export function prepareRaster(): Promise<boolean> {
  if (state.pending !== null) return state.pending;
  state.pending = (async () => {
    try {
      const require = createRequire(import.meta.url);
      const mod = require('@resvg/resvg-wasm') as ResvgModule;
      // Compiled synchronously here (Node allows it for any size); instantiated by initWasm.
      const { WebAssembly: wa } = globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } };
      const wasm = new wa.Module(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
      await mod.initWasm(wasm as Parameters<ResvgModule['initWasm']>[0]);
      state.font = findFont();
      state.resvg = mod;
      return true;
    } catch (e) {
      state.error = `the PNG rasterizer (@resvg/resvg-wasm) could not start: ${(e as Error).message}`;
      return false;
    }
  })();
  return state.pending;
}

/** 'ready', 'starting', 'not started', or why it failed; and whether text will be drawn. */
export function rasterStatus(): { state: string; font: string | null } {
  const s = state.resvg !== null ? 'ready' : state.error ?? (state.pending !== null ? 'starting' : 'not started');
  return { state: s, font: state.font?.family ?? null };
}

/**
 * The figure as PNG bytes, or null while the rasterizer is not ready (see {@link prepareRaster}).
 * `scale` multiplies the pixel size (default 1).
 *
 * @example
 * await prepareRaster();
 * const png = figurePng(lineFigure([{ name: 'gn', x: [0, 1], ys: [[1, 0.5]] }]));
 */
export function figurePng(fig: Figure, opts: { width?: number; height?: number; scale?: number } = {}): Uint8Array | null {
  const mod = state.resvg;
  if (mod === null) return null;
  const family = state.font?.family || 'sans-serif';
  const svg = figureSvg(fig, { width: opts.width, height: opts.height, fontFamily: family });
  const font = state.font === null
    ? { fontBuffers: [] as Uint8Array[] }
    : { fontBuffers: [state.font.buffer], defaultFontFamily: family, sansSerifFamily: family };
  const r = new mod.Resvg(svg, { font, fitTo: { mode: 'zoom', value: opts.scale ?? 1 }, background: '#ffffff' });
  try {
    const img = r.render();
    try {
      return img.asPng();
    } finally {
      img.free();
    }
  } finally {
    r.free();
  }
}

/**
 * Display in a tslab (Jupyter TypeScript) kernel. Each figure is one display output holding a
 * MIME bundle:
 *   - `text/html`: the figure's div with a static PNG of it (drawn without a browser, see
 *     src/plots/raster.ts) and the script that replaces the PNG by the interactive Plotly plot;
 *   - `application/vnd.plotly.v1+json`: the figure itself, for front ends that render Plotly
 *     natively (JupyterLab with the Plotly extension, VS Code);
 *   - `text/plain`: its name.
 * Where scripts do not run (a notebook reopened untrusted, `nbconvert --to html` with
 * sanitize_html) the PNG stays, so a saved notebook keeps its figures.
 *
 * Plotly.js is embedded once per kernel session: the first `show()` output carries the `<script>`
 * that defines `window.Plotly` (guarded), later ones only their div and a draw script that waits
 * for Plotly. That works live, when the executed notebook is reopened (trusted), and in
 * `jupyter nbconvert --to html`, because outputs are rendered (and their scripts run) in notebook
 * order. If you re-run only a later figure cell after clearing or re-running the first one, the
 * saved notebook may lack the Plotly script; re-run from the top, or pass `{ embedPlotly: true }`.
 */
import { randomBytes } from 'node:crypto';
import { sep } from 'node:path';
import { figureHtml } from './html.js';
import { plotlyScriptTag } from './plotly-source.js';
import { figurePng, prepareRaster, rasterStatus } from './raster.js';
import { tableHtml, type TableHtmlOptions, type TableInput } from './table.js';
import type { Figure } from './types.js';

/** The part of tslab's `display` used here. */
interface TslabDisplay {
  html(s: string): void;
}

type TslabHook = { require?: unknown };
const hook = (): TslabHook | undefined => (globalThis as { __tslab__?: TslabHook }).__tslab__;

/**
 * tslab's display object when running inside a tslab kernel, else null. tslab sets
 * `globalThis.__tslab__.require`, whose `require('tslab')` returns the kernel's own tslab module
 * (the one connected to Jupyter), whatever copy this package would resolve.
 *
 * @example
 * tslabDisplay()?.html('<b>only shown in a notebook</b>');
 */
export function tslabDisplay(): TslabDisplay | null {
  const h = hook();
  if (h === undefined || typeof h.require !== 'function') return null;
  try {
    const mod = (h.require as (id: string) => unknown)('tslab') as { display?: Partial<TslabDisplay> } | undefined;
    const display = mod?.display;
    return display !== undefined && typeof display.html === 'function' ? (display as TslabDisplay) : null;
  } catch {
    return null;
  }
}

/** A display_data message content, as tslab sends it. */
interface DisplayContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

/**
 * The kernel's writer of display_data messages, which takes a whole MIME bundle (tslab's public
 * `display` sends one MIME type per output). tslab 1.0 keeps it as `lastWriteDisplayData` of its
 * `dist/jupyter.js`, set for the cell being executed; null when it cannot be found (another tslab
 * version), and then figures go out as HTML only.
 */
function bundleWriter(): ((content: DisplayContent, update: boolean) => void) | null {
  const req = hook()?.require as { cache?: Record<string, { exports?: { lastWriteDisplayData?: unknown } } | undefined> } | undefined;
  const cache = req?.cache;
  if (cache === undefined) return null;
  const tail = `${sep}tslab${sep}dist${sep}jupyter.js`;
  for (const [file, mod] of Object.entries(cache)) {
    const w = mod?.exports?.lastWriteDisplayData;
    if (file.endsWith(tail) && typeof w === 'function') return w as (content: DisplayContent, update: boolean) => void;
  }
  return null;
}

/**
 * True inside a tslab kernel.
 *
 * @example
 * if (!inNotebook()) console.log('run this in Jupyter to see the figures');
 */
export function inNotebook(): boolean {
  return tslabDisplay() !== null;
}

// In a kernel, start the PNG rasterizer as soon as the package loads: a notebook's first cell
// awaits the backend, so it is ready by the first figure.
if (inNotebook()) void prepareRaster();

const session = randomBytes(4).toString('hex');
let counter = 0;
let plotlyEmbedded = false;
let warnedNoStatic = false;

/** Options of {@link show}. */
export interface ShowOptions {
  /** Label of the output (`data-figure`); default the figure's name, else `figure-<n>`. */
  name?: string;
  /** Embed Plotly.js in this output even if an earlier one did (see the module note). */
  embedPlotly?: boolean;
  /** Add the static PNG fallback (default true in a notebook; needs the rasterizer, see raster.ts). */
  staticImage?: boolean;
}

function pngBase64(fig: Figure): string | undefined {
  let png: Uint8Array | null = null;
  let why = '';
  try {
    png = figurePng(fig);
    if (png === null) why = `the rasterizer is ${rasterStatus().state} (await prepareRaster() before the first figure)`;
  } catch (e) {
    why = `rendering it failed: ${(e as Error).message}`;
  }
  if (png !== null) return Buffer.from(png).toString('base64');
  if (!warnedNoStatic) {
    warnedNoStatic = true;
    process.stderr.write(`exact-gn: figures get no static image, so they show only where JavaScript runs (a trusted notebook): ${why}\n`);
  }
  return undefined;
}

/**
 * Shows a figure. In a tslab kernel: displays it (see the module note; returns undefined, so the
 * cell prints nothing else). Elsewhere: returns self-contained HTML (Plotly included).
 *
 * @example
 * import { show, lineFigure } from 'exact-gn';
 * show(lineFigure([{ name: 'gn', x: [0, 1, 2], ys: [[1, 0.5, 0.25]] }], { logY: true }));
 */
export function show(fig: Figure, opts: ShowOptions = {}): string | undefined {
  counter++;
  const name = opts.name ?? fig.name ?? `figure-${counter}`;
  const id = `exact-gn-plot-${session}-${counter}`;
  const display = tslabDisplay();
  if (display === null) return plotlyScriptTag() + figureHtml(fig, { id, name });
  const embed = opts.embedPlotly === true || !plotlyEmbedded;
  const png = opts.staticImage === false ? undefined : pngBase64(fig);
  const html = (embed ? plotlyScriptTag() : '') + figureHtml(fig, { id, name, pngBase64: png });
  const write = bundleWriter();
  if (write === null) display.html(html);
  else {
    const plotly = { data: fig.data, layout: fig.layout, config: fig.config ?? { responsive: true, displaylogo: false } };
    // Through JSON: the bundle must be plain JSON (no undefined, no typed arrays).
    const data = JSON.parse(JSON.stringify({ 'text/html': html, 'application/vnd.plotly.v1+json': plotly, 'text/plain': `Figure "${name}"` })) as Record<string, unknown>;
    write({ data, metadata: {}, transient: {} }, false);
  }
  plotlyEmbedded = true;
  return undefined;
}

/**
 * Shows a table (array of rows, or a danfojs DataFrame). In a tslab kernel: an HTML output
 * (returns undefined); elsewhere returns the HTML.
 *
 * @example
 * import { showTable } from 'exact-gn';
 * showTable([{ optimizer: 'gn', final_loss: 0.12 }, { optimizer: 'adam', final_loss: 0.31 }]);
 */
export function showTable(input: TableInput, opts: TableHtmlOptions = {}): string | undefined {
  const html = tableHtml(input, opts);
  const display = tslabDisplay();
  if (display === null) return html;
  display.html(html);
  return undefined;
}

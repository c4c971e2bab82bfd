/**
 * Display in a tslab (Jupyter TypeScript) kernel. Plotly.js is embedded once per kernel session:
 * the first `show()` output carries the `<script>` that defines `window.Plotly` (guarded), later
 * ones only their div and a draw script that waits for Plotly. That works live, when the executed
 * notebook is reopened (trusted), and in `jupyter nbconvert --to html`, because outputs are
 * rendered (and their scripts run) in notebook order. If you re-run only a later figure cell after
 * clearing or re-running the first one, the saved notebook may lack the Plotly script; re-run from
 * the top, or pass `{ embedPlotly: true }`.
 */
import { randomBytes } from 'node:crypto';
import { figureHtml } from './html.js';
import { plotlyScriptTag } from './plotly-source.js';
import { tableHtml, type TableHtmlOptions, type TableInput } from './table.js';
import type { Figure } from './types.js';

/** The part of tslab's `display` used here. */
interface TslabDisplay {
  html(s: string): void;
}

/**
 * tslab's display object when running inside a tslab kernel, else null. tslab sets
 * `globalThis.__tslab__.require`, whose `require('tslab')` returns the kernel's own tslab module
 * (the one connected to Jupyter), whatever copy this package would resolve.
 *
 * @example
 * tslabDisplay()?.html('<b>only shown in a notebook</b>');
 */
export function tslabDisplay(): TslabDisplay | null {
  const hook = (globalThis as { __tslab__?: { require?: unknown } }).__tslab__;
  if (hook === undefined || typeof hook.require !== 'function') return null;
  try {
    const mod = (hook.require as (id: string) => unknown)('tslab') as { display?: Partial<TslabDisplay> } | undefined;
    const display = mod?.display;
    return display !== undefined && typeof display.html === 'function' ? (display as TslabDisplay) : null;
  } catch {
    return null;
  }
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

const session = randomBytes(4).toString('hex');
let counter = 0;
let plotlyEmbedded = false;

/** Options of {@link show}. */
export interface ShowOptions {
  /** Label of the output (`data-figure`); default the figure's name, else `figure-<n>`. */
  name?: string;
  /** Embed Plotly.js in this output even if an earlier one did (see the module note). */
  embedPlotly?: boolean;
}

/**
 * Shows a figure. In a tslab kernel: displays it as an HTML output (returns undefined, so the
 * cell prints nothing else). Elsewhere: returns self-contained HTML (Plotly included).
 *
 * @example
 * import { show, lineFigure } from 'exact-gn';
 * show(lineFigure([{ name: 'gn', x: [0, 1, 2], ys: [[1, 0.5, 0.25]] }], { logY: true }));
 */
export function show(fig: Figure, opts: ShowOptions = {}): string | undefined {
  counter++;
  const name = opts.name ?? fig.name ?? `figure-${counter}`;
  const div = figureHtml(fig, { id: `exact-gn-plot-${session}-${counter}`, name });
  const display = tslabDisplay();
  if (display === null) return plotlyScriptTag() + div;
  const embed = opts.embedPlotly === true || !plotlyEmbedded;
  display.html(embed ? plotlyScriptTag() + div : div);
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

/** Figures as HTML: one figure's div + draw script, and standalone pages with Plotly inlined once. */
import { escapeHtml, scriptJson } from './escape.js';
import { plotlyScriptTag } from './plotly-source.js';
import { tableHtml, type TableInput } from './table.js';
import type { Figure } from './types.js';

/** Class of every figure's container div (the marker the notebook runner looks for). */
export const PLOT_CLASS = 'exact-gn-plot';
/** Class of a figure's static PNG fallback inside its div (removed when the interactive plot draws). */
export const STATIC_CLASS = 'exact-gn-plot-static';

/** Options of {@link figureHtml}. */
export interface FigureHtmlOptions {
  /** DOM id of the div; must be unique on the page. */
  id: string;
  /** Label written to `data-figure`; default the figure's name, else the id. */
  name?: string;
  /**
   * A static PNG of the figure (base64, see src/plots/raster.ts), shown where the draw script
   * does not run (an untrusted notebook, a sanitized HTML export) and replaced by the interactive
   * plot where it does.
   */
  pngBase64?: string;
}

/**
 * One figure as HTML: `<div class="exact-gn-plot" id=... data-figure=...>` holding what shows
 * while the plot is not drawn (e.g. in an untrusted notebook): the static PNG when given, and a
 * note; then a script that waits until the
 * div is in the document and `window.Plotly` exists, and calls `Plotly.newPlot`. The script finds
 * the div by id (not `document.currentScript`, which is wrong when Jupyter re-inserts scripts),
 * and keeps polling with back-off, because Jupyter may render an output before attaching it and
 * the Plotly script may come from an earlier output. Plotly itself is not included.
 *
 * @example
 * const html = plotlyScriptTag() + figureHtml(fig, { id: 'fig-1' });
 */
export function figureHtml(fig: Figure, opts: FigureHtmlOptions): string {
  const name = opts.name ?? fig.name ?? opts.id;
  const height = fig.layout.height ?? 450;
  const spec = { data: fig.data, layout: fig.layout, config: fig.config ?? { responsive: true, displaylogo: false } };
  const id = escapeHtml(opts.id);
  const fallback = opts.pngBase64 !== undefined
    ? `<img class="${STATIC_CLASS}" src="data:image/png;base64,${opts.pngBase64}" alt="${escapeHtml(`Figure ${name} (static image)`)}" style="max-width:100%;height:auto">` +
      `<div class="${PLOT_CLASS}-note" style="font:12px sans-serif;color:#888;padding:2px 8px">Static image of figure "${escapeHtml(name)}"; ` +
      `the interactive figure needs JavaScript (in Jupyter: a trusted notebook).</div>`
    : `<div class="${PLOT_CLASS}-note" style="font:13px sans-serif;color:#888;padding:8px">Plotly figure "${escapeHtml(name)}": ` +
      `needs JavaScript (in Jupyter: a trusted notebook).</div>`;
  return (
    `<div class="${PLOT_CLASS}" id="${id}" data-figure="${escapeHtml(name)}" style="width:100%;min-height:${height}px">${fallback}</div>\n` +
    `<script type="text/javascript">\n(function () {\n` +
    `  var id = ${scriptJson(opts.id)};\n  var fig = ${scriptJson(spec)};\n` +
    DRAW_SCRIPT +
    `})();\n</script>\n`
  );
}

const DRAW_SCRIPT = `  var start = Date.now(), delay = 20;
  function note(text) {
    var el = document.getElementById(id);
    var n = el && el.querySelector(".${PLOT_CLASS}-note");
    if (n) n.textContent = text;
  }
  function draw() {
    var el = document.getElementById(id);
    var P = window.Plotly;
    if (el && P && typeof P.newPlot === "function") {
      Array.prototype.forEach.call(el.querySelectorAll(".${PLOT_CLASS}-note, .${STATIC_CLASS}"), function (n) { n.parentNode.removeChild(n); });
      P.newPlot(el, fig.data, fig.layout, fig.config);
      return;
    }
    var waited = Date.now() - start;
    if (waited > 600000) {
      note("Plotly.js never loaded on this page. The first figure of a kernel session embeds it: re-run the notebook from the top.");
      return;
    }
    if (el && !P && waited > 5000) note("Waiting for Plotly.js (embedded with the first figure of the notebook; if it does not come, re-run the notebook from the top)...");
    delay = Math.min(delay * 1.5, 1000);
    setTimeout(draw, delay);
  }
  draw();
`;

/** A titled part of a standalone page. `text` is plain text (blank lines split paragraphs); `html` is inserted as is. */
export interface HtmlSection {
  title?: string;
  text?: string;
  html?: string;
  figures?: readonly Figure[];
  tables?: readonly TableInput[];
}

/** A standalone page: title, optional intro text, sections. */
export interface HtmlReport {
  title: string;
  intro?: string;
  sections: readonly HtmlSection[];
}

/** Options of {@link toStandaloneHtml}. */
export interface StandaloneHtmlOptions {
  /** Page title when the input is figures (a report has its own). Default 'exact-gn figures'. */
  title?: string;
}

/**
 * A self-contained HTML page: Plotly.js inlined once in the head (no CDN, works offline), then
 * each figure in its own `exact-gn-plot` div, drawn on load.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('out/fig.html', toStandaloneHtml([fig1, fig2], { title: 'Figure 1' }));
 * writeFileSync('out/report.html', toStandaloneHtml({ title: 'Run', sections: [{ title: 'Loss', figures: [fig1] }] }));
 */
export function toStandaloneHtml(input: Figure | readonly Figure[] | HtmlReport, opts: StandaloneHtmlOptions = {}): string {
  const report: HtmlReport = isReport(input)
    ? input
    : { title: opts.title ?? 'exact-gn figures', sections: [{ figures: Array.isArray(input) ? input : [input as Figure] }] };
  let k = 0;
  const body = report.sections
    .map((s) => {
      const parts: string[] = [];
      if (s.title !== undefined) parts.push(`<h2>${escapeHtml(s.title)}</h2>`);
      if (s.text !== undefined) parts.push(paragraphs(s.text));
      if (s.html !== undefined) parts.push(s.html);
      for (const fig of s.figures ?? []) {
        k++;
        parts.push(figureHtml(fig, { id: `fig-${k}`, name: fig.name ?? `figure-${k}` }));
      }
      for (const t of s.tables ?? []) parts.push(tableHtml(t));
      return `<section>\n${parts.join('\n')}\n</section>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 1.5em auto; padding: 0 1em; color: #222; }
section { margin-bottom: 2em; }
table.exact-gn-table { border-collapse: collapse; font-size: 13px; }
table.exact-gn-table th, table.exact-gn-table td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
</style>
${plotlyScriptTag()}</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
${report.intro !== undefined ? paragraphs(report.intro) : ''}
${body}
</body>
</html>
`;
}

function isReport(input: Figure | readonly Figure[] | HtmlReport): input is HtmlReport {
  return !Array.isArray(input) && 'sections' in input;
}

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeHtml(p)}</p>`)
    .join('\n');
}

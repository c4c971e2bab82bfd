/**
 * Pure helpers for scripts/run-notebooks.ts: reading .ipynb files, the "committed without
 * outputs" check, and the checks on an executed notebook (errors, figure cells without a plot).
 *
 * Figure-cell convention: a code cell is a figure cell when it has the tag "figure", or when its
 * source calls `show(` (not in a `//` comment line); the tag "no-figure" opts out. Every figure
 * cell must produce an HTML output with a `class="exact-gn-plot"` div holding a static PNG
 * (`class="exact-gn-plot-static"`, what an untrusted reader sees), and the first such output of
 * the notebook must carry the Plotly script (`data-exact-gn-plotly=`), so the saved notebook and
 * its HTML export render offline. {@link untrustedHtmlProblems} checks a sanitized HTML export.
 */
import { readFileSync } from 'node:fs';

export interface NbOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error' | 'update_display_data';
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NbCell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  source: string | string[];
  metadata: { tags?: string[]; [key: string]: unknown };
  outputs?: NbOutput[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: NbCell[];
  metadata: { kernelspec?: { name?: string; display_name?: string; language?: string }; [key: string]: unknown };
  nbformat: number;
  nbformat_minor: number;
}

/** Marker class of a figure's div (src/plots/html.ts PLOT_CLASS). */
export const PLOT_MARKER = 'class="exact-gn-plot"';
/** Marker of the output that defines window.Plotly (src/plots/plotly-source.ts PLOTLY_SCRIPT_ATTR). */
export const PLOTLY_MARKER = 'data-exact-gn-plotly=';
/** Marker of a figure's static PNG fallback (src/plots/html.ts STATIC_CLASS). */
export const STATIC_MARKER = 'class="exact-gn-plot-static"';
/** The kernel the notebooks declare and run with. */
export const KERNEL_NAME = 'tslab';

export function readNotebook(file: string): Notebook {
  const nb = JSON.parse(readFileSync(file, 'utf8')) as Notebook;
  if (!Array.isArray(nb.cells)) throw new Error(`${file}: not a notebook (no "cells" array)`);
  return nb;
}

export function text(value: string | string[] | undefined): string {
  return value === undefined ? '' : Array.isArray(value) ? value.join('') : value;
}

/** "cell 3" counts every cell from 1, as Jupyter shows them; the first source line helps find it. */
export function cellLabel(nb: Notebook, index: number): string {
  const first = text(nb.cells[index]?.source).split('\n').find((l) => l.trim() !== '') ?? '';
  return `cell ${index + 1} (${first.trim().slice(0, 60)})`;
}

export function isFigureCell(cell: NbCell): boolean {
  if (cell.cell_type !== 'code') return false;
  const tags = cell.metadata.tags ?? [];
  if (tags.includes('no-figure')) return false;
  if (tags.includes('figure')) return true;
  return text(cell.source)
    .split('\n')
    .some((line) => !line.trim().startsWith('//') && /(?<![\w$])show\s*\(/.test(line));
}

/** Problems that make a committed notebook not clean (outputs, execution counts, wrong kernel). */
export function cleanProblems(nb: Notebook): string[] {
  const problems: string[] = [];
  if (nb.metadata.kernelspec?.name !== KERNEL_NAME) {
    problems.push(`metadata.kernelspec.name is ${JSON.stringify(nb.metadata.kernelspec?.name)}, expected "${KERNEL_NAME}"`);
  }
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== 'code') return;
    if ((cell.outputs ?? []).length > 0) problems.push(`${cellLabel(nb, i)} has ${cell.outputs?.length} output(s)`);
    if (cell.execution_count !== null && cell.execution_count !== undefined) {
      problems.push(`${cellLabel(nb, i)} has execution_count ${cell.execution_count}`);
    }
  });
  return problems;
}

function htmlOf(out: NbOutput): string {
  const html = out.data?.['text/html'];
  return typeof html === 'string' || Array.isArray(html) ? text(html as string | string[]) : '';
}

/** Problems of an executed notebook: error outputs, figure cells without a plot, no Plotly script. */
export function executedProblems(nb: Notebook): string[] {
  const problems: string[] = [];
  let firstFigure = true;
  let failed = false;
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== 'code') return;
    const outs = cell.outputs ?? [];
    for (const out of outs) {
      if (out.output_type === 'error') {
        const evalue = out.evalue ?? '';
        const tb = (out.traceback ?? []).join('\n').trim();
        problems.push(`${cellLabel(nb, i)}: ${out.ename ?? 'Error'}: ${evalue}${tb && tb !== evalue.trim() ? `\n${tb}` : ''}`);
        failed = true;
      }
    }
    if (!isFigureCell(cell)) return;
    const plots = outs.map(htmlOf).filter((h) => h.includes(PLOT_MARKER));
    if (plots.length === 0) {
      const why = failed ? ' (an earlier cell failed)' : '';
      problems.push(`${cellLabel(nb, i)} is a figure cell (tag "figure" or a show( call) but produced no exact-gn-plot output${why}`);
      return;
    }
    const withoutStatic = plots.filter((h) => !h.includes(STATIC_MARKER)).length;
    if (withoutStatic > 0) {
      problems.push(`${cellLabel(nb, i)}: ${withoutStatic} of its ${plots.length} figure output(s) have no static image, so they are blank in an untrusted notebook (see the cell's stderr)`);
    }
    if (firstFigure && !(plots[0] as string).includes(PLOTLY_MARKER)) {
      problems.push(`${cellLabel(nb, i)}: the first figure output does not embed Plotly.js; run the notebook from the top in a fresh kernel`);
    }
    firstFigure = false;
  });
  return problems;
}

/** Text of the stderr streams of a cell (what tslab prints for a compile or runtime error). */
export function stderrOf(cell: NbCell): string {
  return (cell.outputs ?? [])
    .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
    .map((o) => text(o.text))
    .join('');
}

/** How many figure outputs (HTML with an exact-gn-plot div) an executed notebook holds. */
export function figureOutputCount(nb: Notebook): number {
  return nb.cells.reduce((n, c) => n + (c.outputs ?? []).filter((o) => htmlOf(o).includes(PLOT_MARKER)).length, 0);
}

/**
 * Problems of an HTML export made with scripts stripped (`nbconvert --to html
 * --HTMLExporter.sanitize_html=True`, what an untrusted notebook shows): it must hold `expected`
 * static figure images, each a PNG data URI, and none of the figures' draw scripts.
 */
export function untrustedHtmlProblems(html: string, expected: number): string[] {
  const problems: string[] = [];
  if (/var fig = \{/.test(html)) problems.push('the export still holds the figures\' draw scripts: it was not sanitized');
  const imgs = html.match(/<img\b[^>]*>/g) ?? [];
  const figures = imgs.filter((t) => t.includes(STATIC_MARKER));
  const good = figures.filter((t) => /src="data:image\/png;base64,[A-Za-z0-9+/=]{200,}"/.test(t));
  if (figures.length !== expected) problems.push(`${figures.length} static figure image(s) survived sanitizing, expected ${expected} (one per figure output)`);
  if (good.length !== figures.length) problems.push(`${figures.length - good.length} static figure image(s) lost their PNG data when sanitized`);
  return problems;
}

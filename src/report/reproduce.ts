/**
 * `exact-gn reproduce`: runs the figures' presets (cached, resumable), verifies exactness live, and
 * writes one self-contained HTML report (Plotly inlined once, works offline): every figure, its
 * settings next to the paper's, every deviation, the computed findings, the exactness residuals.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { backendInfo, useBackend } from '../backend/index.js';
import { writeFileAtomic } from '../io/atomic.js';
import { toStandaloneHtml, type HtmlSection } from '../plots/html.js';
import { ConfigError, DataError, show } from '../util/errors.js';
import { figureOptions, FigureRunsMissingError, reproduceFigure, type FigureOptions, type FigureSpec, findingTable, type Finding } from './figure.js';
import { ALL_FIGURES } from './catalog.js';
import { verifyExactness, type ExactnessRow } from './verify.js';
import { paperFigure1Findings, paperFigure1Mnist } from './results-csv.js';

export interface ReproduceOptions extends Partial<FigureOptions> {
  /** Figure ids (default: all). */
  figures?: string[];
  /** Output folder of index.html (default out/report). */
  out?: string;
  /** Skip the live exactness check. */
  skipVerify?: boolean;
  /** Figure specs to reproduce instead of catalog ids (your own figures; tests). */
  specs?: readonly FigureSpec[];
}

export interface ReproduceResult {
  index: string;
  findings: { figure: string; findings: Finding[] }[];
  exactness: ExactnessRow[];
  /** Figures that could not run (a missing or bad input); each has a section saying why. */
  skipped: SkippedFigure[];
  seconds: number;
  /** With noTrain: the figures left out because some of their runs are not in the store, and those runs' keys. */
  missing: { figure: string; keys: string[] }[];
}

/** A figure left out of the report because an input is missing or unreadable. */
export interface SkippedFigure {
  figure: string;
  title: string;
  /** The DataError's message: what is missing, where. */
  reason: string;
  /** The one command that provides it (the first `command` the message names), or null. */
  fix: string | null;
}

/** A figure that cannot run: what is missing and the command that provides it. */
export function skippedFigure(spec: Pick<FigureSpec, 'id' | 'title'>, err: DataError): SkippedFigure {
  const fix = /`([^`]+)`/.exec(err.message)?.[1] ?? null;
  return { figure: spec.id, title: spec.title, reason: err.message.split('\n')[0]!, fix };
}

/** The report section of a skipped figure. */
export function skippedSection(s: SkippedFigure): HtmlSection {
  return {
    title: `${s.title} (not produced)`,
    text: `This figure could not run: ${s.reason}`,
    html: s.fix === null ? '' : `<p>Provide it with <code>${escape(s.fix)}</code>, then run <code>exact-gn reproduce</code> again (finished runs are reused from the runs cache).</p>`,
  };
}

/** Resolves figure ids, with a clear error for unknown ones. */
export function selectFigures(ids?: readonly string[]): FigureSpec[] {
  if (!ids || ids.length === 0 || (ids.length === 1 && ids[0] === 'all')) return [...ALL_FIGURES];
  return ids.map((id) => {
    const spec = ALL_FIGURES.find((f) => f.id === id);
    if (!spec) throw new ConfigError('figures', `unknown figure ${show(id)}; use ${ALL_FIGURES.map((f) => f.id).join(', ')} or all`);
    return spec;
  });
}

/**
 * Reproduces the selected figures into `<out>/index.html`.
 *
 * @example
 * const { index } = await reproduce({ profile: 'quick', figures: ['fig1'] });
 */
export async function reproduce(input: ReproduceOptions = {}): Promise<ReproduceResult> {
  const t0 = Date.now();
  const options = figureOptions(input);
  const specs = input.specs ? [...input.specs] : selectFigures(input.figures);
  const out = resolve(input.out ?? join('out', 'report'));
  mkdirSync(out, { recursive: true });
  options.log(`backend: ${(backendInfo() ?? (await useBackend())).summary}`);
  const skipped: SkippedFigure[] = [];
  const sections: HtmlSection[] = [];
  const allFindings: ReproduceResult['findings'] = [];
  const missing: ReproduceResult['missing'] = [];
  let exactness: ExactnessRow[] = [];
  if (!input.skipVerify) {
    options.log('verifying exactness of the GN step on MNIST (float64 finite differences)...');
    exactness = verifyExactness();
    sections.push({
      title: 'Verification: every block realizes the target',
      text: 'On the first 64 MNIST training images (h = 512, 2 blocks), each block\'s update alone should change the network output by exactly T (J_l dTheta_l = T) when A has full row rank and nothing is truncated. ' +
        'residual_jvp uses the hand-written JVP (float32); residual_fd64 uses central finite differences of an independent float64 forward pass (first 8 rows). ' +
        'The corrected block rule is exact whenever no direction is truncated (rank_f = rank_g = n); the paper-era half-coupling rule is only approximately exact, and its error grows as the weights move away from init.',
      tables: [exactness.map((r) => ({ ...r, residual_jvp: Number(r.residual_jvp.toPrecision(3)), residual_fd64: Number(r.residual_fd64.toPrecision(3)) }))],
    });
  }
  for (const spec of specs) {
    options.log(`== ${spec.title}`);
    let produced;
    try {
      produced = await reproduceFigure(spec, options);
    } catch (e) {
      if (e instanceof FigureRunsMissingError) {
        missing.push({ figure: spec.id, keys: e.missing.map((m) => m.key) });
        sections.push({
          title: `${spec.title}: not built`,
          text: `${e.missing.length} of its runs are not complete in ${options.root ?? 'the runs folder'} and this report was built with --no-train, which never trains. ` +
            'Train them (`exact-gn run --plan plan.json --index N`, see docs/scale-out.md), then build the report again.',
          tables: [e.missing.map((m) => ({ key: m.key, label: m.label ?? '', state: m.state }))],
        });
        continue;
      }
      if (!(e instanceof DataError)) throw e;
      // One missing input costs its own figure only: say why in its section, go on with the rest.
      const s = skippedFigure(spec, e);
      options.log(`  skipped ${spec.id}: ${s.reason}`);
      skipped.push(s);
      sections.push(skippedSection(s));
      continue;
    }
    const { runs, figures, findings } = produced;
    allFindings.push({ figure: spec.id, findings });
    const deviations = spec.deviations(options, runs);
    sections.push({
      title: spec.title,
      text: spec.claim,
      tables: [spec.settings(options)],
      html: `<h4>Deviations from the paper</h4><ul>${deviations.map((d) => `<li>${escape(d)}</li>`).join('') || '<li>none</li>'}</ul>` +
        figures.map((f) => `<p class="caption"><b>${escape(f.name)}</b>: ${escape(f.caption)}</p>`).join(''),
      figures: figures.map((f) => f.figure),
    });
    sections.push({ title: `${spec.title}: what we see`, text: 'Computed from the runs above (means over seeds).', tables: [findingTable(findings)] });
    const paper = spec.id === 'fig1' && options.profile !== 'paper' ? paperFigure1Mnist() : null;
    if (paper) {
      sections.push({
        title: 'Figure 1, MNIST, paper profile (committed results)', text: paper.caption, figures: [paper.figure],
        tables: [findingTable(paperFigure1Findings(paper.rows))],
      });
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  const backend = backendInfo()?.summary ?? 'unknown';
  const html = toStandaloneHtml({
    title: 'exact-gn: reproduction of Buffelli et al., NeurIPS 2024',
    intro: `Profile ${options.profile}, seeds ${options.seeds.join(', ')}, GN rule ${options.rule}, backend ${backend}; generated ${new Date().toISOString()} in ${seconds.toFixed(0)} s by \`exact-gn reproduce\`.`,
    sections,
  });
  const index = join(out, 'index.html');
  writeFileAtomic(index, html);
  writeFileAtomic(join(out, 'findings.json'), `${JSON.stringify({ options: { ...options, log: undefined }, backend, exactness, findings: allFindings, skipped, ...(missing.length ? { missing } : {}) }, null, 2)}\n`);
  return { index, findings: allFindings, exactness, skipped, seconds, missing };
}

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

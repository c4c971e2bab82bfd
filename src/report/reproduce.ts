/**
 * `exact-gn reproduce`: runs the figures' presets (cached, resumable), verifies exactness live, and
 * writes one self-contained HTML report (Plotly inlined once, works offline). It opens with a table
 * of contents and a one-screen summary of the claims (each with its verdict and the numbers behind
 * it), then every figure: its settings next to the paper's, every deviation, the panels and the
 * findings, computed by the same figure functions the notebooks call, on live runs and on the
 * committed results tables (results/*.csv).
 */
import { join, resolve } from 'node:path';
import { backendInfo, useBackend } from '../backend/index.js';
import { PAPER } from '../experiments/paper.js';
import { ensureFolder, writeFileAtomic } from '../io/atomic.js';
import { escapeHtml } from '../plots/escape.js';
import { toStandaloneHtml, type HtmlSection } from '../plots/html.js';
import type { Figure } from '../plots/types.js';
import type { TableInput } from '../plots/table.js';
import { ConfigError, DataError, show } from '../util/errors.js';
import { figureOptions, FigureRunsMissingError, findingTable, reproduceFigure, type AnyFigureSpec, type FigureOptions, type Finding } from './figure.js';
import { ALL_FIGURES } from './catalog.js';
import { committedTables } from './results-csv.js';
import { judgeCommitted } from './committed.js';
import { claimsHtml, claimsTable } from './claims.js';
import { allClaims } from './claims-readme.js';
import { verifyExactness, type ExactnessRow } from './verify.js';

export interface ReproduceOptions extends Partial<FigureOptions> {
  /** Figure ids (default: all). */
  figures?: string[];
  /** Output folder of index.html (default out/report). */
  out?: string;
  /** Skip the live exactness check. */
  skipVerify?: boolean;
  /** Figure specs to reproduce instead of catalog ids (your own figures; tests). */
  specs?: readonly AnyFigureSpec[];
}

/** The findings of one figure from one source: this run's profile (live) or a committed table. */
export interface FigureFindings {
  figure: string;
  /** 'live, quick profile' or 'committed results/fig1-mnist-paper.csv (paper profile)'. */
  source: string;
  /** The profile the findings were made at (the live profile, or the committed table's). */
  profile?: string;
  findings: Finding[];
}

export interface ReproduceResult {
  index: string;
  findings: FigureFindings[];
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
export function skippedFigure(spec: Pick<AnyFigureSpec, 'id' | 'title'>, err: DataError): SkippedFigure {
  const fix = /`([^`]+)`/.exec(err.message)?.[1] ?? null;
  return { figure: spec.id, title: spec.title, reason: err.message.split('\n')[0]!, fix };
}

/** The report section of a skipped figure. */
export function skippedSection(s: SkippedFigure): { title: string; text: string; html: string } {
  return {
    title: `${s.title} (not produced)`,
    text: `This figure could not run: ${s.reason}`,
    html: s.fix === null ? '' : `<p>Provide it with <code>${escapeHtml(s.fix)}</code>, then run <code>exact-gn reproduce</code> again (finished runs are reused from the runs cache).</p>`,
  };
}

/** Resolves figure ids, with a clear error for unknown ones. */
export function selectFigures(ids?: readonly string[]): AnyFigureSpec[] {
  if (!ids || ids.length === 0 || (ids.length === 1 && ids[0] === 'all')) return [...ALL_FIGURES];
  return ids.map((id) => {
    const spec = ALL_FIGURES.find((f) => f.id === id);
    if (!spec) throw new ConfigError('figures', `unknown figure ${show(id)}; use ${ALL_FIGURES.map((f) => f.id).join(', ')} or all`);
    return spec;
  });
}

/** One report section with an anchor (for the contents list). */
export interface ReportPart {
  id: string;
  title: string;
  /** Contents level: 1 = a figure, 2 = a part of it. */
  level: 1 | 2;
  text?: string;
  html?: string;
  figures?: Figure[];
  tables?: TableInput[];
}

function toSection(p: ReportPart): HtmlSection {
  const h = p.level === 1 ? 'h2' : 'h3';
  const text = (p.text ?? '').split(/\n\s*\n/).filter((t) => t.trim() !== '').map((t) => `<p>${escapeHtml(t.trim())}</p>`).join('\n');
  return { html: `<${h} id="${p.id}">${escapeHtml(p.title)}</${h}>\n${text}${p.html ?? ''}`, figures: p.figures, tables: p.tables };
}

function contents(parts: readonly ReportPart[]): string {
  const items = parts.map((p) => `<li class="toc-${p.level}"><a href="#${p.id}">${escapeHtml(p.title)}</a></li>`).join('\n');
  return `<h2 id="contents">Contents</h2>\n<ul class="toc">\n${items}\n</ul>`;
}

/**
 * The claims summary: one row per judged finding (verdict and the numbers behind it), figure by figure.
 *
 * @example
 * claimsSummary([{ figure: 'fig1', source: 'live, quick profile', findings }]);
 */
export function claimsSummary(all: readonly FigureFindings[]): Record<string, string>[] {
  return all.flatMap(({ figure, source, findings }) => findings.filter((f) => f.verdict !== undefined).map((f) => ({
    figure,
    'paper\'s claim': f.claim ?? '',
    measured: f.label,
    source,
    verdict: f.verdict!,
    'numbers behind it': f.why ?? '',
  })));
}

function verdictCounts(all: readonly FigureFindings[]): string {
  const v = all.flatMap((a) => a.findings.map((f) => f.verdict).filter((x) => x !== undefined));
  const n = (k: string) => v.filter((x) => x === k).length;
  return `${v.length} judged findings: ${n('shown')} shown, ${n('not shown')} not shown, ${n('inconclusive')} inconclusive`;
}

/**
 * The report page: title and intro (the paper cited, docs/paper.md named), the contents, the claims
 * summary (every judged finding with its verdict and numbers), then the parts in order. Pure.
 *
 * @example
 * const html = renderReport({ options: figureOptions(), backend: 'cpu', seconds: 1, parts: [], findings: [] });
 */
export function renderReport(input: { options: FigureOptions; backend: string; seconds: number; parts: readonly ReportPart[]; findings: readonly FigureFindings[] }): string {
  const { options, backend, seconds, parts, findings } = input;
  const summary: HtmlSection = {
    html: `<h2 id="claims">Claims and verdicts</h2>\n` +
      `<p>Each claim of the paper and its verdict per profile (this report's live ${escapeHtml(options.profile)} runs, and the committed results tables of the other profiles; "not run yet" where neither exists), with the numbers behind it:</p>\n` +
      `${claimsHtml(claimsTable(allClaims(), findings.map((f) => ({ figure: f.figure, profile: f.profile ?? (f.source.startsWith('live') ? options.profile : /\((\w+) profile\)/.exec(f.source)?.[1] ?? ''), source: f.source, findings: f.findings }))))}\n` +
      `<p>Every judged finding: ${escapeHtml(verdictCounts(findings))}. A claim is <b>shown</b> when the seed means differ in the claimed direction by more than two pooled standard deviations (a single seed: by more than a 5% margin, and it says so), <b>not shown</b> when they differ as much the other way, and <b>inconclusive</b> when the difference is within the spread, the run is too short to judge, or data is missing (the numbers say which).</p>`,
    tables: [claimsSummary(findings)],
  };
  return toStandaloneHtml({
    title: 'exact-gn: reproduction of Buffelli et al., NeurIPS 2024',
    intro: `The paper: ${PAPER.citation}; its claims and settings are summarized in docs/paper.md, shipped with this package. ` +
      `Profile ${options.profile}, seeds ${options.seeds.join(', ')}, GN rule ${options.rule}, backend ${backend}; generated ${new Date().toISOString()} in ${seconds.toFixed(0)} s by \`exact-gn reproduce\`.`,
    sections: [{ html: contents([{ id: 'claims', title: 'Claims and verdicts', level: 1 }, ...parts]) }, summary, ...parts.map(toSection)],
  });
}

/**
 * Reproduces the selected figures into `<out>/index.html` (and `findings.json`).
 *
 * @example
 * const { index } = await reproduce({ profile: 'quick', figures: ['fig1'] });
 */
export async function reproduce(input: ReproduceOptions = {}): Promise<ReproduceResult> {
  const t0 = Date.now();
  const options = figureOptions(input);
  const specs = input.specs ? [...input.specs] : selectFigures(input.figures);
  const out = resolve(input.out ?? join('out', 'report'));
  ensureFolder(out); // a file in the way is a FileError before any training
  options.log(`backend: ${(backendInfo() ?? (await useBackend())).summary}`);
  const skipped: SkippedFigure[] = [];
  const parts: ReportPart[] = [];
  const allFindings: FigureFindings[] = [];
  const missing: ReproduceResult['missing'] = [];
  let exactness: ExactnessRow[] = [];
  if (!input.skipVerify) {
    options.log('verifying exactness of the GN step on MNIST (float64 finite differences)...');
    exactness = verifyExactness();
    parts.push({
      id: 'verification', level: 1, title: 'Verification: every block realizes the target',
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
        parts.push({
          id: spec.id, level: 1, title: `${spec.title}: not built`,
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
      parts.push({ id: spec.id, level: 1, ...skippedSection(s) });
      continue;
    }
    const { runs, figures, findings } = produced;
    const source = `live, ${options.profile} profile`;
    allFindings.push({ figure: spec.id, source, profile: options.profile, findings });
    const deviations = spec.deviations(options, runs);
    parts.push({
      id: spec.id, level: 1, title: spec.title,
      text: `The paper's claim: ${spec.claim}`,
      html: `<h4>Deviations from the paper</h4><ul>${deviations.map((d) => `<li>${escapeHtml(d)}</li>`).join('') || '<li>none</li>'}</ul>` +
        figures.map((f) => `<p class="caption"><b>${escapeHtml(f.name)}</b>: ${escapeHtml(f.caption)}</p>`).join(''),
      tables: [spec.settings(options)],
      figures: figures.map((f) => f.figure),
    });
    parts.push({ id: `${spec.id}-findings`, level: 2, title: `${spec.title}: what we see (${source})`, text: 'Computed from the results table of the runs above by the figure\'s findings functions.', tables: [findingTable(findings)] });
    // Committed tables of other profiles (a medium or paper run too long for this report), drawn and judged by the same functions.
    for (const committed of committedTables(spec.id).filter((c) => c.profile !== options.profile)) {
      const name = committed.path.split(/[\\/]/).at(-1)!;
      const csource = `committed results/${name} (${committed.profile} profile)`;
      const judged = judgeCommitted(spec, committed.table, committed.profile, { rule: options.rule, log: options.log });
      allFindings.push({ figure: spec.id, source: csource, profile: committed.profile, findings: judged.findings });
      parts.push({
        id: `${spec.id}-${name.replace(/\W+/g, '-')}`, level: 2, title: `${spec.title}: ${csource}`,
        text: `A results table committed with the package (too long a run for this report to train), drawn and judged by the same functions. ${committed.notes.join(' ')} (The regeneration script lives in a clone of the repository.)`,
        html: `<h4>Deviations from the paper (${escapeHtml(committed.profile)} profile)</h4><ul>${spec.deviations(judged.options).map((d) => `<li>${escapeHtml(d)}</li>`).join('') || '<li>none</li>'}</ul>`,
        figures: judged.figures.map((d) => d.figure),
        tables: [findingTable(judged.findings)],
      });
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  const backend = backendInfo()?.summary ?? 'unknown';
  const html = renderReport({ options, backend, seconds, parts, findings: allFindings });
  const index = join(out, 'index.html');
  writeFileAtomic(index, html);
  writeFileAtomic(join(out, 'findings.json'), `${JSON.stringify({ options: { ...options, log: undefined }, backend, exactness, findings: allFindings, skipped, ...(missing.length ? { missing } : {}) }, null, 2)}\n`);
  return { index, findings: allFindings, exactness, skipped, seconds, missing };
}

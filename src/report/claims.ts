/**
 * The claims table (issue 17): one row per claim of the paper (the one-paragraph claim, the five
 * figures, the appendix items, and the lazy-vs-feature-learning question), its verdict in each
 * profile (quick: live or a committed snapshot of a live report; medium and paper: the committed
 * results tables), with the numbers behind it. A profile with no data says "not run yet", never a
 * verdict. Pure functions of findings; the report puts it on top, scripts/claims.ts writes it
 * into README.md from the committed files.
 */
import { escapeHtml } from '../plots/escape.js';
import type { Finding } from './figure.js';
import { partialRunId } from './partial.js';
import type { Verdict } from './verdict.js';

export const CLAIM_PROFILES = ['quick', 'medium', 'paper'] as const;
export type ClaimProfile = (typeof CLAIM_PROFILES)[number];

/** The findings of one figure from one source, with the profile they were made at. */
export interface ClaimSource {
  figure: string;
  profile: string;
  /** 'live' or the committed file, e.g. 'results/fig1-mnist-paper.csv'. */
  source: string;
  findings: readonly Finding[];
  /** The runs a committed table lacks or has unfinished (its `partial:` comment lines); none for a live report. */
  partial?: readonly string[];
}

/** A claim: an id, the paper's words, and the figures whose findings judge it. */
export interface Claim {
  id: string;
  claim: string;
  figures: readonly string[];
}

/** The paper's one-paragraph claim, judged by the figures it summarizes. */
export const PARAGRAPH_CLAIM: Claim = {
  id: 'paper',
  claim: 'Full-batch exact GN trains far faster than Adam/SGD, but with mini-batches it saturates early on train and test loss: each step overfits its own batch without learning features that transfer (arXiv: lazy regime; revised abstract: the NTK changes).',
  figures: ['fig1', 'fig2', 'fig3', 'lazy-regime'],
};

/** The verdict of a claim in one profile: one word, and the counts and numbers behind it. */
export interface ClaimCell {
  /** 'shown', 'not shown', 'inconclusive', 'mixed', 'partly run' (a claim of several figures, some not run, or a committed table with runs missing or unfinished), or 'not run yet'. */
  verdict: Verdict | 'mixed' | 'partly run' | 'not run yet';
  /** '3 of 3 findings shown' or 'mixed: 2 shown, 1 not shown'; the source. */
  summary: string;
  /** Each judged finding: '[verdict] label: why'. */
  details: string[];
}

/**
 * The verdict of a claim from its judged findings: all shown -> shown, all not shown -> not shown,
 * all inconclusive -> inconclusive, anything else mixed (the counts say how); none -> not run yet.
 *
 * @example
 * claimCell([{ label: 'x', values: {}, verdict: 'shown', why: 'a' }], 'live').verdict; // 'shown'
 */
export function claimCell(findings: readonly Finding[], source: string): ClaimCell {
  const judged = findings.filter((f) => f.verdict !== undefined);
  if (judged.length === 0) return { verdict: 'not run yet', summary: 'not run yet', details: [] };
  const count = (v: Verdict) => judged.filter((f) => f.verdict === v).length;
  const kinds = (['shown', 'not shown', 'inconclusive'] as const).filter((v) => count(v) > 0);
  const verdict = kinds.length === 1 ? kinds[0]! : 'mixed';
  const summary = kinds.length === 1
    ? `${judged.length} of ${judged.length} findings ${kinds[0]} (${source})`
    : `mixed: ${kinds.map((v) => `${count(v)} ${v}`).join(', ')} of ${judged.length} (${source})`;
  return { verdict, summary, details: judged.map((f) => `[${f.verdict}] ${f.label}: ${f.why ?? ''}`) };
}

/** One row of the claims table. */
export interface ClaimRow {
  id: string;
  claim: string;
  cells: Record<ClaimProfile, ClaimCell>;
}

/**
 * The claims table: the paragraph claim, then one row per figure claim, each with a cell per
 * profile from the sources (several sources of one figure and profile pool their findings).
 *
 * @example
 * claimsTable([{ id: 'fig1', claim: '...', figures: ['fig1'] }], sources);
 */
export function claimsTable(claims: readonly Claim[], sources: readonly ClaimSource[]): ClaimRow[] {
  return claims.map((c) => {
    const cells = Object.fromEntries(CLAIM_PROFILES.map((p) => {
      const mine = sources.filter((s) => s.profile === p && c.figures.includes(s.figure));
      const findings = mine.flatMap((s) => s.findings.map((f) => (c.figures.length > 1 ? { ...f, label: `${s.figure}: ${f.label}` } : f)));
      const cell = claimCell(findings, [...new Set(mine.map((s) => s.source))].join(', ') || 'none');
      // A claim of several figures has a verdict only when every figure was judged in this profile.
      const missing = c.figures.filter((f) => !mine.some((s) => s.figure === f && s.findings.some((x) => x.verdict !== undefined)));
      if (missing.length > 0 && missing.length < c.figures.length) {
        const parts = c.figures.filter((f) => !missing.includes(f)).map((f) => `${f}: ${claimCell(mine.filter((s) => s.figure === f).flatMap((s) => s.findings), 'x').verdict}`);
        return [p, { verdict: 'partly run', summary: `${parts.join('; ')}; ${missing.join(', ')}: not run yet`, details: cell.details }];
      }
      // A table with runs missing or unfinished judges only what it has: say so, and which runs.
      const partial = mine.flatMap((s) => s.partial ?? []).map(partialRunId);
      if (partial.length > 0 && cell.verdict !== 'not run yet') {
        return [p, { ...cell, verdict: 'partly run', summary: `${cell.summary.startsWith(cell.verdict) ? '' : `${cell.verdict}: `}${cell.summary}; not finished: ${partial.join(', ')}` }];
      }
      return [p, cell];
    })) as Record<ClaimProfile, ClaimCell>;
    return { id: c.id, claim: c.claim, cells };
  });
}

const VERDICT_MARK: Record<ClaimCell['verdict'], string> = { shown: '**shown**', 'not shown': '**not shown**', inconclusive: '**inconclusive**', mixed: '**mixed**', 'partly run': 'partly run:', 'not run yet': 'not run yet' };

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * The claims table as markdown: a summary table (claim | quick | medium | paper), then per claim
 * and profile the findings with their numbers. Deterministic (no dates), so a drift test can
 * compare it with README.md.
 */
export function claimsMarkdown(rows: readonly ClaimRow[], notes: Partial<Record<ClaimProfile, string>> = {}, empty: Partial<Record<ClaimProfile, string>> = {}): string {
  const head = ['| claim | quick | medium | paper |', '| --- | --- | --- | --- |'];
  const cell = (c: ClaimCell, p: ClaimProfile): string => {
    if (c.verdict === 'not run yet') return empty[p] ?? 'not run yet';
    return `${VERDICT_MARK[c.verdict]} ${mdCell(c.summary.replace(/^(\d+ of \d+ findings )(shown|not shown|inconclusive) /, '$1'))}`;
  };
  const body = rows.map((r) => `| ${mdCell(`${r.id}: ${r.claim}`)} | ${CLAIM_PROFILES.map((p) => cell(r.cells[p], p)).join(' | ')} |`);
  const legend = CLAIM_PROFILES.filter((p) => notes[p]).map((p) => `- ${p}: ${notes[p]}`);
  const details: string[] = [];
  for (const r of rows) {
    const judged = CLAIM_PROFILES.filter((p) => r.cells[p].details.length > 0);
    if (judged.length === 0) continue;
    details.push('', `<details><summary>${escapeHtml(r.id)}: the numbers</summary>`, '');
    for (const p of judged) {
      details.push(`*${p}* (${mdCell(r.cells[p].summary)}):`, '');
      for (const d of r.cells[p].details) details.push(`- ${mdCell(d)}`);
      details.push('');
    }
    details.push('</details>');
  }
  return [...head, ...body, ...(legend.length ? ['', ...legend] : []), ...details].join('\n');
}

/** The claims table as HTML for the report (summary cells, then the numbers per claim and profile). */
export function claimsHtml(rows: readonly ClaimRow[]): string {
  const th = ['claim', ...CLAIM_PROFILES].map((h) => `<th>${h}</th>`).join('');
  const tr = rows.map((r) => `<tr><td><b>${escapeHtml(r.id)}</b>: ${escapeHtml(r.claim)}</td>${CLAIM_PROFILES.map((p) => {
    const c = r.cells[p];
    const numbers = c.details.length ? `<details><summary>numbers</summary><ul>${c.details.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul></details>` : '';
    return `<td><b>${escapeHtml(c.verdict)}</b>${c.verdict === 'not run yet' ? '' : `<br>${escapeHtml(c.summary)}`}${numbers}</td>`;
  }).join('')}</tr>`).join('\n');
  return `<table class="claims"><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

/** Replaces the text between `<!-- claims:start -->` and `<!-- claims:end -->` (both kept); throws when the markers are missing. */
export function replaceBetweenMarkers(text: string, body: string, name = 'claims'): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`the markers ${start} and ${end} are missing; add them where the table goes`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

/**
 * The claims table of README.md, from committed files only (so a fresh clone regenerates the same
 * text): every results/<figure>-<what>-<profile>.csv judged by its figure's own functions
 * (./committed.ts), plus results/claims-quick.json, a snapshot of a live quick report's findings
 * when one is committed. Written by `npx tsx scripts/claims.ts --write README.md`; a test says
 * the README is current.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_FIGURES } from './catalog.js';
import { CLAIM_PROFILES, claimCell, claimsMarkdown, claimsTable, PARAGRAPH_CLAIM, type Claim, type ClaimSource } from './claims.js';
import { LAZY_FULL, LAZY_MINI } from './figures/lazy-regime.js';
import { judgeCommitted } from './committed.js';
import type { Finding } from './figure.js';
import { partialNotes } from './partial.js';
import { committedTables, resultsDir } from './results-csv.js';

/** The committed snapshot of a live quick report's findings. */
export const QUICK_SNAPSHOT = 'claims-quick.json';

/** Every claim: the paragraph claim, then one per figure of the catalog. */
export function allClaims(): Claim[] {
  return [PARAGRAPH_CLAIM, ...ALL_FIGURES.map((s) => ({ id: s.id, claim: s.claim, figures: [s.id] }))];
}

/** The judged findings of every committed table (and the quick snapshot, when committed). */
export function committedClaimSources(dir = resultsDir()): ClaimSource[] {
  const out: ClaimSource[] = [];
  for (const spec of ALL_FIGURES) {
    for (const c of committedTables(spec.id, dir)) {
      const name = c.path.split(/[\\/]/).at(-1)!;
      out.push({ figure: spec.id, profile: c.profile, source: `results/${name}`, findings: judgeCommitted(spec, c.table, c.profile).findings, partial: partialNotes(c.notes) });
    }
  }
  const snap = join(dir, QUICK_SNAPSHOT);
  if (existsSync(snap)) {
    const s = JSON.parse(readFileSync(snap, 'utf8')) as { note?: string; findings: { figure: string; findings: Finding[] }[] };
    for (const f of s.findings) out.push({ figure: f.figure, profile: 'quick', source: `live report snapshot results/${QUICK_SNAPSHOT}`, findings: f.findings });
  }
  return out;
}

/** The README's claims section (markdown between the claims markers). */
export function readmeClaims(dir = resultsDir()): string {
  const sources = committedClaimSources(dir);
  const quickNote = sources.some((s) => s.profile === 'quick')
    ? `a snapshot of a live \`npm run reproduce\` report (results/${QUICK_SNAPSHOT}); the report itself judges the live runs`
    : `judged live by \`npm run reproduce\` (the report's claims table); no snapshot committed yet (\`npx tsx scripts/claims.ts --snapshot out/report/findings.json --write README.md\` adds one)`;
  return claimsMarkdown(claimsTable(allClaims(), sources), {
    quick: quickNote,
    medium: 'the committed results/*-medium.csv tables (`exact-gn reproduce --profile medium`, sizes in docs/benchmarks.md); "not run yet" until a table is committed',
    paper: 'the committed results/*-paper.csv tables (Figure 1 MNIST so far)',
  }, sources.some((s) => s.profile === 'quick') ? {} : { quick: 'live in the report' });
}

/**
 * The lazy-vs-feature-learning answer as markdown: one row per setting and GN rule, a cell per
 * profile with the verdict of "GN is lazier than Adam" and the numbers (1 − NTK cos, 1 − CKA).
 */
export function lazyMarkdown(sources: readonly ClaimSource[], empty: Partial<Record<(typeof CLAIM_PROFILES)[number], string>> = {}): string {
  const lines = ['| setting | GN rule | quick | medium | paper |', '| --- | --- | --- | --- | --- |'];
  for (const variant of [LAZY_FULL, LAZY_MINI]) {
    for (const rule of ['block', 'half-coupling']) {
      const cells = CLAIM_PROFILES.map((p) => {
        const mine = sources.filter((s) => s.figure === 'lazy-regime' && s.profile === p);
        // A table without this setting's runs says "no data": that setting is not run yet at this profile.
        const f = mine.flatMap((s) => s.findings).filter((x) => x.label.startsWith(`lazy or feature learning, ${variant}, GN ${rule} rule`) && !(x.why ?? '').startsWith('no data'));
        const c = claimCell(f, mine.map((s) => s.source).join(', '));
        if (c.verdict === 'not run yet') return empty[p] ?? 'not run yet';
        const nums = Object.entries(f[0]?.values ?? {}).map(([k, v]) => `${k} ${v}`).join('; ');
        const answer = c.verdict === 'shown' ? 'lazy (GN moves less than Adam)' : c.verdict === 'not shown' ? 'feature learning (GN moves at least as much as Adam)' : 'inconclusive';
        return `**${answer}**: ${nums}`.replace(/\|/g, '\\|');
      });
      lines.push(`| ${variant} | ${rule} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** The README's lazy-regime section (between the lazy markers). */
export function readmeLazy(dir = resultsDir()): string {
  const sources = committedClaimSources(dir);
  return lazyMarkdown(sources, sources.some((s) => s.profile === 'quick' && s.figure === 'lazy-regime') ? {} : { quick: 'live in the report' });
}

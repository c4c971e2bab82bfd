/**
 * Checks a report written by `exact-gn reproduce` (CI runs it after the README's first command):
 * every figure of the catalog has its section with at least one plot in index.html and its
 * findings in findings.json, none was skipped, and the exactness verification is there.
 *
 * Usage: npx tsx scripts/check-report.ts [REPORT_DIR]     (default out/report)
 * Prints one line per problem and a summary; exit status 0 when the report is complete.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ALL_FIGURES } from '../src/report/catalog.js';
import { escapeHtml } from '../src/plots/escape.js';
import { PLOT_CLASS } from '../src/plots/html.js';

interface FindingsJson {
  findings?: { figure: string; findings: unknown[] }[];
  skipped?: { figure: string; reason: string; fix: string | null }[];
  exactness?: unknown[];
}

const dir = resolve(process.argv[2] ?? join('out', 'report'));
const problems: string[] = [];
const index = join(dir, 'index.html');
const json = join(dir, 'findings.json');
for (const f of [index, json]) if (!existsSync(f)) problems.push(`${f} is missing`);
if (problems.length === 0) {
  const html = readFileSync(index, 'utf8');
  const data = JSON.parse(readFileSync(json, 'utf8')) as FindingsJson;
  // Sections: from each <h2> to the end of its <section>.
  const sections = new Map<string, string>();
  for (const m of html.matchAll(/<section>\n<h2>(.*?)<\/h2>([\s\S]*?)<\/section>/g)) sections.set(m[1]!, m[2]!);
  for (const s of data.skipped ?? []) problems.push(`${s.figure} was skipped: ${s.reason}${s.fix ? ` (provide it with: ${s.fix})` : ''}`);
  for (const spec of ALL_FIGURES) {
    const body = sections.get(escapeHtml(spec.title));
    if (body === undefined) problems.push(`${spec.id}: no section "${spec.title}" in ${index}`);
    else if (!body.includes(`class="${PLOT_CLASS}"`)) problems.push(`${spec.id}: its section has no plot`);
    const found = data.findings?.find((f) => f.figure === spec.id);
    if (!found) problems.push(`${spec.id}: no findings in ${json}`);
    else if (found.findings.length === 0) problems.push(`${spec.id}: findings are empty`);
  }
  if (!data.exactness || data.exactness.length === 0) problems.push('the exactness verification is missing (was --no-verify given?)');
}
for (const p of problems) console.log(`check-report: ${p}`);
console.log(problems.length === 0
  ? `check-report: ${dir}: all ${ALL_FIGURES.length} figure sections present, each with plots and findings`
  : `check-report: ${dir}: ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);

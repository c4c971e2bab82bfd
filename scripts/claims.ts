/**
 * The claims table in README.md, generated from the committed results (src/report/claims-readme.ts):
 *   npx tsx scripts/claims.ts                    print it
 *   npx tsx scripts/claims.ts --write README.md  replace the text between <!-- claims:start --> and <!-- claims:end -->
 *                                                (and between the lazy:start / lazy:end markers: the lazy-regime answer)
 *   npx tsx scripts/claims.ts --check README.md  exit 1 when README.md is not current (what the drift test checks)
 *   npx tsx scripts/claims.ts --snapshot out/report/findings.json
 *                                                commit the live findings of a quick report as results/claims-quick.json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/io/atomic.js';
import { replaceBetweenMarkers } from '../src/report/claims.js';
import { QUICK_SNAPSHOT, readmeClaims, readmeLazy } from '../src/report/claims-readme.js';
import { resultsDir } from '../src/report/results-csv.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const fail = (msg: string): never => {
  console.error(`claims: ${msg}`);
  process.exit(1);
};
const snapshot = flag('--snapshot');
if (snapshot !== undefined) {
  const data = JSON.parse(readFileSync(snapshot, 'utf8')) as { options?: { profile?: string }; findings?: { figure: string; source: string; findings: unknown[] }[] };
  if (data.options?.profile !== 'quick') fail(`${snapshot} is not a quick-profile report (profile ${JSON.stringify(data.options?.profile)})`);
  const live = (data.findings ?? []).filter((f) => f.source.startsWith('live'));
  if (live.length === 0) fail(`${snapshot} has no live findings`);
  const out = join(resultsDir(), QUICK_SNAPSHOT);
  writeFileAtomic(out, `${JSON.stringify({ note: `live findings of a quick report, from ${snapshot}`, findings: live.map(({ figure, findings }) => ({ figure, findings })) }, null, 1)}\n`);
  console.log(`wrote ${out} (${live.length} figures)`);
}
const body = readmeClaims();
const lazy = readmeLazy();
const current = (text: string): string => replaceBetweenMarkers(replaceBetweenMarkers(text, body), lazy, 'lazy');
const write = flag('--write');
const check = flag('--check');
if (write !== undefined) {
  writeFileAtomic(write, current(readFileSync(write, 'utf8')));
  console.log(`claims table written into ${write}`);
} else if (check !== undefined) {
  const text = readFileSync(check, 'utf8');
  let expected: string;
  try {
    expected = current(text);
  } catch (e) {
    fail(`${check}: ${(e as Error).message}`);
  }
  if (expected! !== text) fail(`${check} is not current: run \`npx tsx scripts/claims.ts --write ${check}\``);
  console.log(`${check}: the claims table is current`);
} else if (snapshot === undefined) console.log(`${body}\n\n${lazy}`);

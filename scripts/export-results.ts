/**
 * Writes the results table (the tidy format of src/report/table.ts) of a figure's finished runs as
 * one CSV under results/, from the same run list and row conversion as a live figure, plus the
 * figure's analysis of the runs' checkpoints (Figure 4's NTK/CKA, the appendix weights, CKA, update
 * rules: not in events.jsonl, and the checkpoints are not in git), so the committed table is judged
 * exactly as a live run is (src/report/committed.ts):
 *   npx tsx scripts/export-results.ts --figure fig1 --profile paper --seeds 42,43,44 --dataset MNIST --out results/fig1-mnist-paper.csv
 *   EXACT_GN_RUNS_DIR=/work/runs npx tsx scripts/export-results.ts --figure fig4 --profile medium --seeds 42 --out results/fig4-mnist-medium.csv
 * --dataset keeps the runs of one panel (as labelled in the figure); --rule picks the GN rule;
 * --runs DIR the runs folder (default $EXACT_GN_RUNS_DIR, else runs/); --no-analysis leaves the
 * checkpoint analysis out. A run that is missing or unfinished is an error naming the command that
 * produces it, unless --allow-partial is given: then an unfinished run's rows so far are written, a run not started is left out,
 * the analysis covers the complete runs, and the file's comment lines say which runs are partial.
 * The comment lines also say how long the export took.
 * --merge (with --allow-partial): the runs this runs folder lacks or has unfinished are taken, with their
 * analysis, from the table already at --out when it has them complete (committed on another machine), so
 * they need not be trained again (src/report/committed.ts mergeWithPrevious); the comment lines say which.
 */
import { useBackend } from '../src/backend/index.js';
import { figureById } from '../src/report/catalog.js';
import { existsSync } from 'node:fs';
import { exportFigureTable, mergeWithPrevious } from '../src/report/committed.js';
import { figureOptions } from '../src/report/figure.js';
import { partialNote } from '../src/report/partial.js';
import { tableNotes } from '../src/report/results-csv.js';
import { readTable, writeTable } from '../src/report/table.js';
import { ExactGnError } from '../src/util/errors.js';
import type { Profile } from '../src/experiments/presets.js';
import type { UpdateRule } from '../src/gn/step.js';

const argv = process.argv.slice(2);
const flags = new Set(['--allow-partial', '--no-analysis', '--merge']);
const allowPartial = argv.includes('--allow-partial');
const analysis = !argv.includes('--no-analysis');
const merge = argv.includes('--merge');
const rest = argv.filter((a) => !flags.has(a));
const args = new Map<string, string>();
for (let i = 0; i < rest.length; i += 2) args.set(rest[i]!.replace(/^--/, ''), rest[i + 1] ?? '');
const fail = (msg: string): never => {
  console.error(msg);
  process.exit(1);
};
const t0 = Date.now();
const spec = figureById(args.get('figure') ?? 'fig1') ?? fail(`unknown figure ${args.get('figure')}; use fig1..fig5 or an appendix id`);
const out = args.get('out') ?? fail('--out results/<figure>-<what>-<profile>.csv is required');
try {
  // The checkpoint analysis runs on the best backend (or $EXACT_GN_BACKEND), as `exact-gn reproduce` does;
  // without this tfjs would fall back to its plain JS cpu kernels, far too slow at h = 8000.
  const backend = await useBackend();
  const options = figureOptions({
    profile: (args.get('profile') ?? 'paper') as Profile,
    seeds: (args.get('seeds') ?? '42,43,44').split(',').map(Number),
    rule: (args.get('rule') ?? 'block') as UpdateRule,
    progress: false,
    log: (l) => console.error(l),
  });
  if (merge && !allowPartial) fail('--merge needs --allow-partial: the runs this runs folder lacks come from the table at --out');
  const res = await exportFigureTable(spec, options, { root: args.get('runs'), dataset: args.get('dataset'), allowPartial, analysis });
  const command = `npx tsx scripts/export-results.ts ${rest.join(' ')}${allowPartial ? ' --allow-partial' : ''}${analysis ? '' : ' --no-analysis'}${merge ? ' --merge' : ''}`;
  let table = res.table;
  let partial = res.partial;
  const mergedNotes: string[] = [];
  if (merge && existsSync(out)) {
    const previous = { table: readTable(out), notes: tableNotes(out) };
    const m = mergeWithPrevious(res, previous);
    ({ table, partial } = m);
    if (m.fromPrevious.length > 0) {
      mergedNotes.push(`merged: ${m.fromPrevious.join(', ')} (rows and analysis) from the previous ${out}, written by: ${(previous.notes[0] ?? '').replace(/^.*?written by: /, '')} (${previous.notes[1] ?? ''})`);
    }
  }
  const took = ((Date.now() - t0) / 1000).toFixed(0);
  const analysisNote = res.analysisSkipped && partial.length === 0 ? '; the analysis of the merged runs comes from the previous table' : res.analysisSkipped ? `; ${res.analysisSkipped}` : '';
  writeTable(out, table, [
    `${spec.title}; written by: ${command}`,
    `export took ${took} s${res.analysisRows ? ` (with the checkpoint analysis: ${res.analysisRows} rows)` : ''}${analysisNote}`,
    ...mergedNotes,
    ...partial.map(partialNote),
  ].join('\n'));
  console.log(`wrote ${out} (${table.length} rows from ${res.runs} runs${partial.length ? `, ${partial.length} partial` : ''}${res.analysisRows ? `, ${res.analysisRows} analysis rows exported` : ''}${mergedNotes.length ? `; ${mergedNotes[0]!.split(' (rows')[0]}` : ''}) in ${took} s [backend: ${backend.summary}]`);
} catch (e) {
  if (e instanceof ExactGnError) fail(`export-results: ${e.message.split('\n')[0]}`);
  throw e;
}

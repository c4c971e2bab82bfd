/**
 * Writes the results table (the tidy format of src/report/table.ts) of a figure's finished runs as
 * one CSV under results/, from the same run list and row conversion as a live figure:
 *   npx tsx scripts/export-results.ts --figure fig1 --profile paper --seeds 42,43,44 --dataset MNIST --out results/fig1-mnist-paper.csv
 * --dataset keeps the runs of one panel (as labelled in the figure); --rule picks the GN rule.
 * A run that is missing or unfinished is an error naming the command that produces it, unless
 * --allow-partial is given: then an unfinished run's rows so far are written and the file's
 * comment lines say which runs are partial.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../src/experiments/config.js';
import { runKey } from '../src/experiments/key.js';
import { runsRoot } from '../src/experiments/store.js';
import { readRun } from '../src/experiments/frame.js';
import { readJsonl } from '../src/io/atomic.js';
import type { EventRow } from '../src/experiments/events.js';
import { figureById } from '../src/report/catalog.js';
import { figureOptions } from '../src/report/figure.js';
import { runLabels, tidyRows, writeTable, type TidyRow } from '../src/report/table.js';
import type { Profile } from '../src/experiments/presets.js';
import type { UpdateRule } from '../src/gn/step.js';

const argv = process.argv.slice(2);
const allowPartial = argv.includes('--allow-partial');
const rest = argv.filter((a) => a !== '--allow-partial');
const args = new Map<string, string>();
for (let i = 0; i < rest.length; i += 2) args.set(rest[i]!.replace(/^--/, ''), rest[i + 1] ?? '');
const fail = (msg: string): never => {
  console.error(msg);
  process.exit(1);
};
const spec = figureById(args.get('figure') ?? 'fig1') ?? fail(`unknown figure ${args.get('figure')}; use fig1..fig5 or an appendix id`);
const options = figureOptions({
  profile: (args.get('profile') ?? 'paper') as Profile,
  seeds: (args.get('seeds') ?? '42,43,44').split(',').map(Number),
  rule: (args.get('rule') ?? 'block') as UpdateRule,
  progress: false,
});
const out = args.get('out') ?? fail('--out results/<figure>-<what>-<profile>.csv is required');
const dataset = args.get('dataset');
const refs = spec.runs(options).filter((r) => dataset === undefined || r.dataset === dataset);
if (refs.length === 0) fail(`no runs of ${spec.id} for dataset ${dataset}`);
const table: TidyRow[] = [];
const partial: string[] = [];
for (const ref of refs) {
  const config = validateConfig(ref.config);
  const dir = join(runsRoot(args.get('runs')), runKey(config));
  const produce = `node bin/exact-gn.js run --preset ${ref.preset} --profile ${options.profile} --seed ${ref.seed}${config.optimizer.gn ? ` --rule ${config.optimizer.gn.rule}` : ''}`;
  let rows: EventRow[];
  try {
    rows = readRun(dir).rows;
  } catch (e) {
    const events = join(dir, 'events.jsonl');
    if (!allowPartial || !existsSync(events)) fail(`${ref.id}: ${(e as Error).message}; produce it with: ${produce}`);
    rows = readJsonl(events).rows as EventRow[];
    partial.push(`${ref.id} (${rows.length} rows; resume with: ${produce})`);
    console.error(`${ref.id}: unfinished, writing its ${rows.length} rows so far`);
  }
  table.push(...tidyRows(runLabels(ref, { config }), rows));
}
const command = `npx tsx scripts/export-results.ts ${rest.join(' ')}${allowPartial ? ' --allow-partial' : ''}`;
writeTable(out, table, [`${spec.title}; written by: ${command}`, ...partial.map((p) => `partial: ${p}`)].join('\n'));
console.log(`wrote ${out} (${table.length} rows from ${refs.length} runs${partial.length ? `, ${partial.length} partial` : ''})`);

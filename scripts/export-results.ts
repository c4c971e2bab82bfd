/**
 * Writes the evaluation rows of finished preset runs as one small CSV (for results/):
 *   npx tsx scripts/export-results.ts --preset-prefix fullbatch-mnist- --profile paper --seeds 42,43,44 --out results/fig1-mnist-paper.csv
 * Columns: preset, optimizer, seed, status, epoch, step, train_loss, train_acc, test_loss, test_acc.
 * A run that is missing or unfinished is an error naming the command that produces it, unless
 * --allow-partial is given: then an unfinished run's rows so far are written with status "partial".
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../src/io/atomic.js';
import { listPresets, preset, type Profile } from '../src/experiments/presets.js';
import { validateConfig } from '../src/experiments/config.js';
import { runKey } from '../src/experiments/key.js';
import { runsRoot } from '../src/experiments/store.js';
import { readRun } from '../src/experiments/frame.js';
import { readJsonl } from '../src/io/atomic.js';
import { existsSync } from 'node:fs';

const args = new Map<string, string>();
const argv = process.argv.slice(2);
const allowPartial = argv.includes('--allow-partial');
const rest = argv.filter((a) => a !== '--allow-partial');
for (let i = 0; i < rest.length; i += 2) args.set(rest[i]!.replace(/^--/, ''), rest[i + 1] ?? '');
const prefix = args.get('preset-prefix') ?? 'fullbatch-mnist-';
const profile = (args.get('profile') ?? 'paper') as Profile;
const seeds = (args.get('seeds') ?? '42').split(',').map(Number);
const out = args.get('out') ?? 'results/out.csv';
const names = listPresets().map((p) => p.name).filter((n) => n.startsWith(prefix) && /-(gn|adam|sgd)$/.test(n));
const cols = ['preset', 'optimizer', 'seed', 'status', 'epoch', 'step', 'train_loss', 'train_acc', 'test_loss', 'test_acc'];
const lines = [cols.join(',')];
for (const name of names) {
  for (const seed of seeds) {
    const cfg = validateConfig(preset(name, { profile, seed }));
    const dir = join(runsRoot(args.get('runs')), runKey(cfg));
    let rows: Record<string, unknown>[];
    let status = 'complete';
    try {
      rows = readRun(dir).rows as unknown as Record<string, unknown>[];
    } catch (e) {
      const events = join(dir, 'events.jsonl');
      if (!allowPartial || !existsSync(events)) {
        console.error(`${name} seed ${seed}: ${(e as Error).message}; produce it with: node bin/exact-gn.js run --preset ${name} --profile ${profile} --seed ${seed}`);
        process.exit(1);
      }
      rows = readJsonl(events).rows as Record<string, unknown>[];
      status = 'partial';
      console.error(`${name} seed ${seed}: unfinished, writing its ${rows.length} rows so far (resume it with: node bin/exact-gn.js run --preset ${name} --profile ${profile} --seed ${seed})`);
    }
    for (const r of rows) {
      if (r.type !== 'eval') continue;
      const v: Record<string, unknown> = { preset: name, optimizer: cfg.optimizer.name, seed, status, ...r };
      lines.push(cols.map((c) => (v[c] === undefined ? '' : String(v[c]))).join(','));
    }
  }
}
writeFileAtomic(out, `${lines.join('\n')}\n`);
console.log(`wrote ${out} (${lines.length - 1} rows from ${names.length * seeds.length} runs)`);

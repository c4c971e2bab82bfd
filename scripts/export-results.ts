/**
 * Writes the evaluation rows of finished preset runs as one small CSV (for results/):
 *   npx tsx scripts/export-results.ts --preset-prefix fullbatch-mnist- --profile paper --seeds 42,43,44 --out results/fig1-mnist-paper.csv
 * Columns: preset, optimizer, seed, epoch, step, train_loss, train_acc, test_loss, test_acc.
 * A run that is missing or unfinished is an error naming the command that produces it.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../src/io/atomic.js';
import { listPresets, preset, type Profile } from '../src/experiments/presets.js';
import { validateConfig } from '../src/experiments/config.js';
import { runKey } from '../src/experiments/key.js';
import { runsRoot } from '../src/experiments/store.js';
import { readRun } from '../src/experiments/frame.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const prefix = args.get('preset-prefix') ?? 'fullbatch-mnist-';
const profile = (args.get('profile') ?? 'paper') as Profile;
const seeds = (args.get('seeds') ?? '42').split(',').map(Number);
const out = args.get('out') ?? 'results/out.csv';
const names = listPresets().map((p) => p.name).filter((n) => n.startsWith(prefix) && /-(gn|adam|sgd)$/.test(n));
const cols = ['preset', 'optimizer', 'seed', 'epoch', 'step', 'train_loss', 'train_acc', 'test_loss', 'test_acc'];
const lines = [cols.join(',')];
for (const name of names) {
  for (const seed of seeds) {
    const cfg = validateConfig(preset(name, { profile, seed }));
    const dir = join(runsRoot(args.get('runs')), runKey(cfg));
    let run;
    try {
      run = readRun(dir);
    } catch (e) {
      console.error(`${name} seed ${seed}: ${(e as Error).message}; produce it with: node bin/exact-gn.js run --preset ${name} --profile ${profile} --seed ${seed}`);
      process.exit(1);
    }
    for (const r of run.rows) {
      if (r.type !== 'eval') continue;
      const v: Record<string, unknown> = { preset: name, optimizer: cfg.optimizer.name, seed, ...r };
      lines.push(cols.map((c) => (v[c] === undefined ? '' : String(v[c]))).join(','));
    }
  }
}
writeFileAtomic(out, `${lines.join('\n')}\n`);
console.log(`wrote ${out} (${lines.length - 1} rows from ${names.length * seeds.length} runs)`);

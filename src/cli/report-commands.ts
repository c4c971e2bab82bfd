/** `exact-gn reproduce` and `exact-gn data download cifar10`. */
import { ConfigError, DataError } from '../util/errors.js';
import { downloadCifar10 } from '../data/download.js';
import { PROFILES, type Profile } from '../experiments/presets.js';
import { UPDATE_RULES, type UpdateRule } from '../gn/step.js';
import { reproduce } from '../report/reproduce.js';
import { registerCommand } from './main.js';
import { parseArgs, stringFlag } from './args.js';

async function reproduceCommand(argv: readonly string[]): Promise<string> {
  const p = parseArgs(argv, {
    profile: { type: 'string' },
    figures: { type: 'string' },
    out: { type: 'string' },
    rule: { type: 'string' },
    seeds: { type: 'string' },
    runs: { type: 'string' },
    verify: { type: 'boolean' },
  }, 'reproduce');
  const profile = stringFlag(p, 'profile') ?? 'quick';
  if (!PROFILES.includes(profile as Profile)) throw new ConfigError('--profile', `unknown profile ${JSON.stringify(profile)}; use quick or paper`);
  const rule = stringFlag(p, 'rule') ?? 'block';
  if (!UPDATE_RULES.includes(rule as UpdateRule)) throw new ConfigError('--rule', `unknown rule ${JSON.stringify(rule)}; use block or half-coupling`);
  const seedsRaw = stringFlag(p, 'seeds');
  const seeds = seedsRaw?.split(',').map((s) => Number(s.trim()));
  if (seeds && !seeds.every((s) => Number.isInteger(s))) throw new ConfigError('--seeds', `must be comma-separated integers, got ${JSON.stringify(seedsRaw)}`);
  const res = await reproduce({
    profile: profile as Profile,
    rule: rule as UpdateRule,
    ...(seeds ? { seeds } : {}),
    figures: stringFlag(p, 'figures')?.split(',').map((s) => s.trim()).filter(Boolean),
    out: stringFlag(p, 'out'),
    root: stringFlag(p, 'runs'),
    skipVerify: p.flags.verify === false,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const judged = res.findings.flatMap((f) => f.findings).filter((f) => f.verdict !== undefined);
  const n = (v: string) => judged.filter((f) => f.verdict === v).length;
  if (res.skipped.length > 0) {
    // The report is written, every other figure in it; exit 1 so scripts and CI notice.
    throw new DataError(`report written to ${res.index}, but ${res.skipped.length} of ${new Set(res.findings.map((f) => f.figure)).size + res.skipped.length} figures could not run: ` +
      res.skipped.map((s) => `${s.figure} (${s.fix === null ? s.reason : `needs: ${s.fix}`})`).join('; '));
  }
  return `report: ${res.index} (${res.seconds.toFixed(0)} s; ${judged.length} judged findings: ${n('shown')} shown, ${n('not shown')} not shown, ${n('inconclusive')} inconclusive)`;
}

async function dataCommand(argv: readonly string[]): Promise<string> {
  const [verb, name, ...rest] = argv;
  if (verb !== 'download' || name !== 'cifar10') throw new ConfigError('data', 'usage: exact-gn data download cifar10 --dir DIR (needs internet; verifies the md5)');
  const p = parseArgs(rest, { dir: { type: 'string', required: true } }, 'data download cifar10');
  const res = await downloadCifar10(stringFlag(p, 'dir')!);
  return res.downloaded ? `downloaded CIFAR-10 (${res.bytes} bytes, md5 verified) into ${res.dir}; set EXACT_GN_CIFAR10_DIR=${res.dir}` : `CIFAR-10 already present in ${res.dir}`;
}

registerCommand('reproduce', reproduceCommand, 'exact-gn reproduce [--profile quick|paper] [--figures fig1,fig2,...|all] [--out DIR] [--rule block|half-coupling] [--seeds 42,43,44] [--runs DIR] [--no-verify]');
registerCommand('data', dataCommand, 'exact-gn data download cifar10 --dir DIR');

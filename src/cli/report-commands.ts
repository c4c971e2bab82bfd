/** `exact-gn reproduce` and `exact-gn data download cifar10`. */
import { ConfigError, DataError, ExactGnError } from '../util/errors.js';
import { readPlan } from '../experiments/plan.js';
import { downloadCifar10 } from '../data/download.js';
import { PROFILES, type Profile } from '../experiments/presets.js';
import { UPDATE_RULES, type UpdateRule } from '../gn/step.js';
import { reproduce } from '../report/reproduce.js';
import { registerCommand } from './main.js';
import { parseArgs, seedList, stringFlag } from './args.js';

async function reproduceCommand(argv: readonly string[]): Promise<string> {
  const p = parseArgs(argv, {
    profile: { type: 'string' },
    figures: { type: 'string' },
    out: { type: 'string' },
    rule: { type: 'string' },
    seeds: { type: 'string' },
    runs: { type: 'string' },
    verify: { type: 'boolean' },
    train: { type: 'boolean' },
    plan: { type: 'string' },
  }, 'reproduce');
  // --plan: the plan's profile, rule, seeds and figures (what its runs were trained for).
  const planPath = stringFlag(p, 'plan');
  const plan = planPath === undefined ? undefined : readPlan(planPath);
  if (plan) {
    for (const [flag, value] of [['profile', plan.profile], ['rule', plan.rule], ['seeds', plan.seeds.join(',')], ['figures', plan.figures.join(',')]] as const) {
      const given = stringFlag(p, flag);
      if (given !== undefined && given.replace(/\s/g, '') !== value) throw new ConfigError(`--${flag}`, `is ${given} but ${planPath} was made with ${value}; leave --${flag} out to use the plan's`);
      p.flags[flag] = value;
    }
  }
  // Default: $EXACT_GN_PROFILE (the environment help's promise), else quick.
  const fromEnv = stringFlag(p, 'profile') === undefined && (process.env.EXACT_GN_PROFILE ?? '') !== '';
  const profile = stringFlag(p, 'profile') ?? (fromEnv ? process.env.EXACT_GN_PROFILE! : 'quick');
  if (!PROFILES.includes(profile as Profile)) throw new ConfigError(fromEnv ? 'EXACT_GN_PROFILE' : '--profile', `unknown profile ${JSON.stringify(profile)}; use one of ${PROFILES.join(', ')}`);
  const rule = stringFlag(p, 'rule') ?? 'block';
  if (!UPDATE_RULES.includes(rule as UpdateRule)) throw new ConfigError('--rule', `unknown rule ${JSON.stringify(rule)}; use block or half-coupling`);
  const seeds = seedList(p, 'seeds');
  const res = await reproduce({
    profile: profile as Profile,
    rule: rule as UpdateRule,
    ...(seeds ? { seeds } : {}),
    figures: stringFlag(p, 'figures')?.split(',').map((s) => s.trim()).filter(Boolean),
    out: stringFlag(p, 'out'),
    root: stringFlag(p, 'runs'),
    skipVerify: p.flags.verify === false,
    noTrain: p.flags.train === false,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (res.missing.length > 0) {
    const keys = res.missing.flatMap((m) => m.keys);
    const unique = [...new Set(keys)];
    const indexes = plan ? unique.map((k) => plan.entries.find((e) => e.key === k)?.index).filter((i): i is number => i !== undefined) : [];
    const how = plan && indexes.length === unique.length
      ? `plan entries ${indexes.sort((a, b) => a - b).join(', ')} (exact-gn run --plan ${planPath} --index N)`
      : `runs ${unique.join(', ')} (exact-gn plan ... --out plan.json, then exact-gn run --plan plan.json --index N)` +
        (plan ? `; ${unique.length - indexes.length} of them are not in ${planPath}: the report asks for other runs than the plan has ` +
          '(CIFAR-10 present on one machine and not on the other, see EXACT_GN_CIFAR10_DIR)' : '');
    const alsoSkipped = res.skipped.length > 0 ? `; ${res.skipped.map((s) => `${s.figure} could not run (${s.fix === null ? s.reason : `needs: ${s.fix}`})`).join('; ')}` : '';
    throw new ExactGnError('E_RUN_MISSING', `report written to ${res.index} without ${res.missing.map((m) => `${m.figure} (${m.keys.length} runs missing)`).join(', ')}: ` +
      `--no-train trains nothing; train ${how}, then build the report again${alsoSkipped}`);
  }
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

registerCommand('reproduce', reproduceCommand, 'exact-gn reproduce [--profile quick|medium|paper] [--figures fig1,fig2,...|all] [--out DIR] [--rule block|half-coupling] [--seeds 42,43,44] [--runs DIR] [--no-verify] [--no-train] [--plan PLAN.json]');
registerCommand('data', dataCommand, 'exact-gn data download cifar10 --dir DIR');

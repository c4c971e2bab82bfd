// Plans: every run of a report once (shared runs deduplicated by key), cost estimates that scale
// the measured benchmark steps, plan files that reject tampering, and the scheduler files they
// become (the sbatch script through `bash -n`, the Kubernetes manifest through a YAML parser).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, type Document } from 'yaml';
import { setupBackend } from '../helpers/backend.js';
import { ConfigError } from '../../src/util/errors.js';
import { validateConfig } from '../../src/experiments/config.js';
import { runKey } from '../../src/experiments/key.js';
import { preset } from '../../src/experiments/presets.js';
import { BENCHMARK_STEPS, estimateRun, FORWARD_SHARE, STARTUP_SECONDS } from '../../src/experiments/cost.js';
import { buildPlan, planEntry, readPlan, validatePlan, type Plan } from '../../src/experiments/plan.js';
import { inspectRun } from '../../src/experiments/store.js';
import { k8sManifest, memoryRequestMiB, slurmScript, slurmTime, type EmitOptions } from '../../src/experiments/emit.js';
import { planReport } from '../../src/report/plan.js';
import { ALL_FIGURES } from '../../src/report/catalog.js';
import { figureOptions } from '../../src/report/figure.js';
import { runCommand } from '../../src/cli/run-commands.js';
import { planCommand } from '../../src/cli/plan-commands.js';
import { tempRoot, tinyMini } from './fixtures/configs.js';

before(async () => {
  await setupBackend();
});

const keyOf = (c: Parameters<typeof validateConfig>[0]): string => runKey(validateConfig(c));

test('a plan holds every run the report needs, once: runs shared by figures appear once, listing each figure', () => {
  for (const profile of ['quick', 'paper'] as const) {
    const plan = planReport({ profile });
    const options = figureOptions({ profile, log: () => {} });
    const wanted = new Map<string, Set<string>>();
    let asked = 0;
    for (const spec of ALL_FIGURES) {
      for (const ref of spec.runs(options)) {
        (wanted.get(keyOf(ref.config)) ?? wanted.set(keyOf(ref.config), new Set()).get(keyOf(ref.config))!).add(spec.id);
        asked++;
      }
    }
    assert.equal(plan.entries.length, wanted.size, `${profile}: one entry per distinct run`);
    assert.equal(plan.totals.figureRuns, asked);
    assert.ok(asked > wanted.size, 'figures do share runs (fig3 draws fig2\'s)');
    for (const e of plan.entries) {
      assert.deepEqual([...e.figures].sort(), [...wanted.get(e.key)!].sort(), `${profile} ${e.key}: the figures that use it`);
      assert.equal(runKey(e.config), e.key);
    }
    plan.entries.forEach((e, i) => {
      assert.equal(e.index, i);
      if (i > 0) assert.ok(plan.entries[i - 1]!.estimate.cpuSeconds >= e.estimate.cpuSeconds, 'longest first');
    });
    assert.equal(new Set(plan.entries.map((e) => e.key)).size, plan.entries.length);
  }
  const two = planReport({ profile: 'quick', figures: ['fig2', 'fig3'] });
  assert.equal(two.entries.length, 6, 'fig3 is drawn from fig2\'s six runs');
  for (const e of two.entries) assert.deepEqual(e.figures, ['fig2', 'fig3']);
  const seeds = planReport({ profile: 'quick', figures: ['fig1'], seeds: [1, 2] });
  assert.equal(seeds.entries.length, 12);
  assert.deepEqual([...new Set(seeds.entries.map((e) => e.config.seed))].sort(), [1, 2]);
});

test('estimates scale the measured steps: a config of benchmark size costs its measured step per step', () => {
  // Full-batch MNIST at paper scale is the benchmark's own shape (d 784, h 8000, L 2, n 1024).
  const cfg = validateConfig(preset('fullbatch-mnist-gn', { profile: 'paper' }));
  const e = estimateRun(cfg);
  const gn = BENCHMARK_STEPS.find((b) => b.optimizer === 'gn' && b.h === 8000 && b.d === 784)!;
  const sgd = BENCHMARK_STEPS.find((b) => b.optimizer === 'sgd' && b.h === 8000 && b.d === 784)!;
  assert.equal(e.steps, 100);
  assert.equal(e.evals, 101);
  // 100 steps + 100 re-measured batch losses (forward of 1024) + 101 evaluations (10k test + 1024 train) + startup
  const expected = STARTUP_SECONDS + 100 * gn.seconds + 100 * sgd.seconds * FORWARD_SHARE + 101 * sgd.seconds * FORWARD_SHARE * (11024 / 1024);
  assert.ok(Math.abs(e.cpuSeconds - expected) <= 1, `${e.cpuSeconds} vs ${expected}`);
  assert.equal(e.gpuSeconds, null, 'no GPU step is measured yet');
  assert.match(e.basis, /gn 2\.01 s\/step at d 784, h 8000, L 2, n 1024/);
  // Mini-batch: 59 steps per epoch; CIFAR-10 GN at paper scale is the measured 21.8 s step.
  const mini = estimateRun(validateConfig(preset('minibatch-mnist-gn', { profile: 'paper' })));
  assert.equal(mini.steps, 5900);
  const cifar = estimateRun(validateConfig(preset('minibatch-cifar10-gn', { profile: 'paper' })));
  assert.equal(cifar.steps, 4900);
  assert.ok(cifar.cpuSeconds > 4900 * 21.8 && cifar.cpuSeconds < 4900 * 21.8 * 1.5, `${cifar.cpuSeconds}`);
  assert.ok(cifar.memoryMB > 4227 && cifar.memoryMB < 8000, `${cifar.memoryMB} MB: the measured 4.2 GB plus the data`);
  // Without the bottleneck the work is L d^2 per sample instead of 4 L h d: far cheaper.
  const flat = estimateRun(validateConfig(preset('minibatch-cifar10-nobottleneck-gn', { profile: 'paper' })));
  assert.ok(flat.cpuSeconds < cifar.cpuSeconds / 4);
  // A switch run is costed per phase: between its two optimizers' runs.
  const [adam, sw] = ['minibatch-mnist-adam', 'minibatch-mnist-adam-then-gn'].map((n) => estimateRun(validateConfig(preset(n, { profile: 'paper' }))));
  assert.ok(sw!.cpuSeconds > adam!.cpuSeconds && sw!.cpuSeconds < mini.cpuSeconds);
  assert.ok(e.diskMB > 8 * 95, 'eight checkpoints of a 100 MB model, plus the resume state');
});

function tinyPlan(): Plan {
  return planReport({ profile: 'quick', figures: ['appendix-weight-decay'], command: 'test' });
}

function writePlan(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

function rejects(fn: () => unknown, field: RegExp, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.field, field);
    assert.match(e.message, message);
    return true;
  });
}

test('plan files: bad JSON, another version, a tampered config or index give ConfigErrors that say what to do', async () => {
  const dir = tempRoot('plans');
  const plan = tinyPlan();
  const good = writePlan(dir, 'good.json', plan);
  assert.equal(readPlan(good).entries.length, 3);
  rejects(() => readPlan(join(dir, 'none.json')), /none\.json$/, /no such plan file; make one with `exact-gn plan/);
  rejects(() => readPlan(writePlan(dir, 'bad.json', '{"format": ')), /bad\.json$/, /not valid JSON .*make it again/);
  rejects(() => validatePlan([1, 2], 'p'), /^p$/, /expected a JSON object/);
  rejects(() => validatePlan({ ...plan, format: 'other' }, 'p'), /^p: format$/, /not an exact-gn plan/);
  rejects(() => validatePlan({ ...plan, code: '0.0.1+runner-0' }, 'p'), /^p: code$/, /made by exact-gn "0.0.1\+runner-0" but this is .*run keys depend on the version/);
  rejects(() => validatePlan({ ...plan, entries: [] }, 'p'), /entries$/, /non-empty/);
  const copy = (): Plan => JSON.parse(JSON.stringify(plan)) as Plan;
  const edited = copy();
  edited.entries[1]!.config.epochs = 50;
  rejects(() => validatePlan(edited, 'p'), /^p: entries\[1\]$/, /hashes to run key [0-9a-f]{16}, not to its key .*edited after planning/);
  const broken = copy();
  (broken.entries[0]!.config as unknown as Record<string, unknown>).seed = 'x';
  rejects(() => validatePlan(broken, 'p'), /^p: entries\[0\]\.config\.seed$/, /must be an integer, got "x"/);
  const renumbered = copy();
  renumbered.entries[2]!.index = 5;
  rejects(() => validatePlan(renumbered, 'p'), /entries\[2\]\.index$/, /is 5, expected 2/);
  const twice = copy();
  twice.entries[1] = { ...twice.entries[0]!, index: 1 };
  rejects(() => validatePlan(twice, 'p'), /entries\[1\]\.key$/, /listed twice/);
  rejects(() => planEntry(plan, 3, 'plan.json'), /^--index$/, /is 3 but plan\.json has 3 entries: use 0\.\.2 .*--array=0-2/);
  rejects(() => planEntry(plan, -1), /^--index$/, /use 0\.\.2/);

  // The CLI checks everything before training anything.
  const runs = join(dir, 'runs');
  const cmd = async (...argv: string[]): Promise<unknown> => runCommand(['--quiet', '--runs', runs, ...argv]);
  const cliRejects = async (argv: string[], field: RegExp, message: RegExp): Promise<void> => {
    await assert.rejects(cmd(...argv), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.field, field);
      assert.match(e.message, message);
      return true;
    });
  };
  await cliRejects(['--plan', good, '--index', '3'], /^--index$/, /has 3 entries/);
  await cliRejects(['--plan', good, '--index', 'one'], /^--index$/, /entry number .*"one"/);
  const saved = { s: process.env.SLURM_ARRAY_TASK_ID, k: process.env.JOB_COMPLETION_INDEX };
  delete process.env.SLURM_ARRAY_TASK_ID;
  delete process.env.JOB_COMPLETION_INDEX;
  try {
    await cliRejects(['--plan', good], /^--index$/, /required with --plan .*SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX/);
    process.env.JOB_COMPLETION_INDEX = '7';
    await cliRejects(['--plan', good], /^--index$/, /is 7 but/);
  } finally {
    if (saved.s === undefined) delete process.env.SLURM_ARRAY_TASK_ID; else process.env.SLURM_ARRAY_TASK_ID = saved.s;
    if (saved.k === undefined) delete process.env.JOB_COMPLETION_INDEX; else process.env.JOB_COMPLETION_INDEX = saved.k;
  }
  await cliRejects(['--plan', writePlan(dir, 'tampered.json', edited), '--index', '0'], /entries\[1\]$/, /edited after planning/);
  await cliRejects(['--plan', good, '--index', '0', '--preset', 'fullbatch-mnist-gn'], /^--preset$/, /does not apply with --plan/);
  await cliRejects(['--plan', good, '--index', '0', '--stale-after', '0'], /^--stale-after$/, /> 0/);
  await cliRejects(['--index', '0'], /^--index$/, /only applies with --plan/);
  assert.equal(existsSync(runs), false, 'nothing was written');
  rejects(() => planCommand(['--out', join(dir, 'x.json'), '--emit', 'pbs']), /^--emit$/, /unknown scheduler "pbs"/);
  rejects(() => planCommand(['--out', join(dir, 'x.json'), '--image', 'a']), /^--image$/, /only applies with --emit/);
  rejects(() => planCommand(['--out', join(dir, 'x.txt')]), /^--out$/, /\.json/);
  rejects(() => planCommand(['--out', join(dir, 'x.json'), '--figures', 'fig9']), /^figures$/, /unknown figure "fig9"/);
  rejects(() => planCommand(['--out', join(dir, 'x.json'), '--emit', 'slurm', '--time', '3 days']), /^--time$/, /HH:MM:SS/);
});

/** The parts of the manifest the test reads. */
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  spec?: {
    completionMode: string;
    completions: number;
    parallelism: number;
    backoffLimit: number;
    podFailurePolicy: { rules: unknown[] };
    template: {
      spec: {
        restartPolicy: string;
        containers: {
          name: string;
          image: string;
          args: string[];
          env: { name: string; value?: string; valueFrom?: unknown }[];
          resources: { requests: Record<string, string>; limits: Record<string, string | number> };
        }[];
        volumes: { name: string; persistentVolumeClaim?: { claimName: string }; configMap?: { name: string } }[];
      };
    };
  };
}

const emitOpts = (dir: string): EmitOptions => ({ planPath: join(dir, "my plan's.json"), runsDir: join(dir, 'runs'), home: '/opt/exact gn', scriptPath: join(dir, 'plan.sbatch') });

test('the sbatch script is valid bash with one array task per entry and the resources of the estimate', () => {
  const dir = tempRoot('slurm');
  for (const device of ['cpu', 'gpu'] as const) {
    const plan = { ...planReport({ profile: 'paper', figures: ['fig1'] }), device };
    const text = slurmScript(plan, { ...emitOpts(dir), parallel: 4, partition: 'long' });
    const path = join(dir, `${device}.sbatch`);
    writeFileSync(path, text);
    const r = spawnSync('bash', ['-n', path], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const directives = text.split('\n').filter((l) => l.startsWith('#SBATCH '));
    const has = (d: string): boolean => directives.includes(`#SBATCH ${d}`);
    assert.ok(has(`--array=0-${plan.entries.length - 1}%4`), directives.join('\n'));
    assert.ok(has(`--mem=${memoryRequestMiB(plan)}M`));
    assert.ok(memoryRequestMiB(plan) >= plan.totals.maxMemoryMB * 1.25);
    assert.ok(has(`--time=${slurmTime(plan)}`));
    assert.ok(has('--requeue') && has('--signal=B:USR1@300') && has('--open-mode=append') && has('--partition=long'));
    assert.equal(has('--gres=gpu:1'), device === 'gpu');
    assert.ok(directives.every((l) => !/\s#/.test(l)), 'no trailing comments on directives');
    assert.match(text, /run --plan "\$PLAN" --index "\$INDEX"/);
    assert.match(text, /PLAN='.*my plan'\\''s\.json'/, 'paths are quoted for bash');
  }
  // The time limit: the longest entry x 1.5 + 15 min, in quarters of an hour, at most a day.
  const plan = planReport({ profile: 'quick', figures: ['fig1'] });
  assert.equal(slurmTime(plan), '0-00:30:00');
  plan.entries[0]!.estimate.cpuSeconds = 3600;
  assert.equal(slurmTime(plan), '0-01:45:00');
  plan.entries[0]!.estimate.cpuSeconds = 100_000;
  assert.equal(slurmTime(plan), '1-00:00:00', 'at most a day: a task that reaches it requeues itself and resumes');
});

test('the Kubernetes manifest parses as YAML: a ConfigMap with the plan and an Indexed Job with requeue on preemption', () => {
  for (const device of ['cpu', 'gpu'] as const) {
    const plan = { ...planReport({ profile: 'paper', figures: ['fig1', 'fig2'] }), device };
    const text = k8sManifest(plan, { ...emitOpts('/tmp'), image: 'registry.example.org/exact-gn:0.1.0', pvc: 'shared-runs', parallel: 5, cpus: 8, namespace: 'ml' });
    const docs = parseAllDocuments(text) as Document[];
    assert.ok(Array.isArray(docs));
    const parsed = docs.map((d) => {
      assert.deepEqual(d.errors, []);
      return d.toJS() as K8sObject | null;
    });
    const [cm, job] = parsed.filter((d): d is K8sObject => d !== null);
    assert.equal(parsed.length, 2);
    assert.equal(cm!.kind, 'ConfigMap');
    assert.deepEqual(validatePlan(JSON.parse(cm!.data!['plan.json']!) as unknown, 'configmap'), JSON.parse(JSON.stringify(plan)));
    assert.equal(job!.apiVersion, 'batch/v1');
    assert.equal(job!.kind, 'Job');
    assert.equal(job!.metadata.namespace, 'ml');
    assert.ok(/^[a-z0-9-]{1,52}$/.test(job!.metadata.name as string));
    const spec = job!.spec!;
    assert.equal(spec.completionMode, 'Indexed');
    assert.equal(spec.completions, plan.entries.length);
    assert.equal(spec.parallelism, 5);
    assert.ok(Number.isInteger(spec.backoffLimit) && spec.backoffLimit >= 6);
    assert.deepEqual(spec.podFailurePolicy.rules[0], { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] });
    assert.deepEqual(spec.podFailurePolicy.rules[1], { action: 'FailJob', onExitCodes: { containerName: 'run', operator: 'In', values: [2] } });
    const pod = spec.template.spec;
    assert.equal(pod.restartPolicy, 'Never');
    const c = pod.containers[0]!;
    assert.equal(c.name, 'run');
    assert.equal(c.image, 'registry.example.org/exact-gn:0.1.0');
    assert.deepEqual(c.args, ['run', '--plan', '/plan/plan.json', '--index', '$(EXACT_GN_PLAN_INDEX)', '--runs', '/shared/runs']);
    const envs = Object.fromEntries(c.env.map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.deepEqual(envs.EXACT_GN_PLAN_INDEX, { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } });
    assert.equal(envs.EXACT_GN_RUNS_DIR, '/shared/runs');
    assert.equal(envs.EXACT_GN_BACKEND, device === 'gpu' ? 'webgpu' : undefined);
    assert.deepEqual(c.resources.requests, { cpu: '8', memory: `${memoryRequestMiB(plan)}Mi` });
    assert.equal(c.resources.limits['nvidia.com/gpu'], device === 'gpu' ? 1 : undefined);
    assert.deepEqual(pod.volumes.map((v) => v.name).sort(), ['plan', 'shared']);
    assert.equal(pod.volumes.find((v) => v.name === 'shared')?.persistentVolumeClaim?.claimName, 'shared-runs');
    assert.equal(pod.volumes.find((v) => v.name === 'plan')?.configMap?.name, cm!.metadata.name);
    assert.match(text, /^ {2}# Pod I gets JOB_COMPLETION_INDEX/m, 'fields are documented');
  }
});

test('exact-gn plan writes the plan and the scheduler files next to it', () => {
  const dir = tempRoot('plan-cli');
  const out = join(dir, 'sub', 'p.json');
  mkdirSync(join(dir, 'sub'));
  const msg = planCommand(['--profile', 'quick', '--figures', 'fig2,fig3', '--out', out, '--emit', 'slurm,k8s', '--image', 'x:1']);
  assert.match(msg, /6 runs \(12 asked for by 2 figures; shared runs once\), profile quick/);
  assert.match(msg, /wrote .*p\.sbatch/);
  assert.match(msg, /wrote .*p\.k8s\.yaml/);
  const plan = readPlan(out);
  assert.equal(plan.entries.length, 6);
  assert.match(plan.command, /^exact-gn plan --profile quick/);
  assert.equal(spawnSync('bash', ['-n', join(dir, 'sub', 'p.sbatch')]).status, 0);
});

test('run --plan trains its entry, is a cache hit the second time, and reports a diverged run as a recorded result (exit 0)', async () => {
  const dir = tempRoot('plan-run');
  const runs = join(dir, 'runs');
  const meta = { command: 'test', profile: 'quick', rule: 'block', seeds: [7], figures: ['t'], device: 'cpu' as const };
  const plan = buildPlan([
    { figure: 't', ref: 'ok', config: tinyMini({ epochs: 1, checkpointEpochs: [1] }), fellBack: false },
    { figure: 't', ref: 'diverges', config: tinyMini({ optimizer: { name: 'sgd', lr: 1e6 }, epochs: 2, checkpointEpochs: [0] }), fellBack: false },
  ], meta);
  const path = writePlan(dir, 'plan.json', plan);
  const okIndex = plan.entries.findIndex((e) => e.refs[0] === 't:ok');
  const badIndex = 1 - okIndex;
  const run = (i: number): Promise<string> => runCommand(['--plan', path, '--index', String(i), '--runs', runs, '--quiet']);
  assert.match(await run(okIndex), new RegExp(`^complete: entry ${okIndex} of 2 \\(tiny-mini\\): .*${plan.entries[okIndex]!.key}`));
  assert.match(await run(okIndex), /^cached: entry/);
  const warn = process.stderr.write.bind(process.stderr);
  process.stderr.write = (() => true) as typeof process.stderr.write; // the runner's divergence warning
  try {
    assert.match(await run(badIndex), /^failed \(recorded; .*rerunning cannot change it\): entry \d of 2/);
  } finally {
    process.stderr.write = warn;
  }
  assert.equal(inspectRun(join(runs, plan.entries[badIndex]!.key)).state, 'valid');
});

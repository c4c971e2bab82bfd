import { KFAC_FLAGS, LM_FLAGS } from './optimizer-flags.js';

/**
 * What `exact-gn <command> --help` prints: one sentence on what the command does, then every
 * flag with what it means and its default. A command without an entry here prints its usage line.
 * (test/cli/help.test.ts checks that every flag a command accepts is described.)
 */

export interface CommandHelp {
  /** What the command does, in a sentence or two. */
  summary: string;
  /** Flag (without `--`) -> description, including the default. Positionals as `<NAME>`. */
  flags: Record<string, string>;
  /** Example invocations. */
  examples?: string[];
}

const GN_FLAGS: Record<string, string> = {
  rule: 'GN update rule: block (the corrected rule, default) or half-coupling (the paper-era rule)',
  target: 'GN function-space target: ce-identity (default, as in the paper), ce-hessian, ce-damped or mse',
  pinv: 'pseudo-inverse of A: truncated (default, the paper\'s rtol/atol), none (exact, needs rank n), damped or transpose',
  rtol: 'truncation: keep singular values s >= max(rtol * s_max, atol) (default 1e-2)',
  atol: 'truncation: absolute floor for singular values (default 1e-5)',
  damping: 'lambda of pinv damped, (A A^T + lambda I)^-1 (default 1e-3); with --optimizer damped-gn, the initial lambda',
};

export const COMMAND_HELP: Record<string, CommandHelp> = {
  init: {
    summary: 'Writes a freshly initialized RevMLP (W ~ N(0, init-std^2), b = 0, fixed random V and orthonormal U) to a safetensors checkpoint.',
    flags: {
      'input-dim': 'input size d, even (MNIST 784, CIFAR-10 3072); required',
      hidden: 'bottleneck width h (paper 8000), or "none" for the variant without bottleneck (square W); required',
      blocks: 'number of reversible blocks L (paper: 2 for MNIST, 6 for CIFAR-10); required',
      classes: 'number of classes k (10); required',
      bias: 'train biases b (default on; --no-bias turns them off)',
      'init-std': 'standard deviation of the initial W (default 1e-3)',
      seed: 'random seed of W, V and U (default 42)',
      activation: 'activation s_l of blocks 2..L: relu (default, as in the paper), tanh or linear',
      'first-block-linear': 'block 1 uses the identity activation, as in the paper (default on; --no-first-block-linear for ReLU everywhere)',
      out: 'checkpoint file to write; required',
    },
    examples: ['exact-gn init --input-dim 784 --hidden 8000 --blocks 2 --classes 10 --seed 42 --out model.safetensors'],
  },
  step: {
    summary: 'Takes one optimizer step (exact GN, SGD, Adam, K-FAC or damped GN) on a batch file and writes the updated checkpoint (optimizer state included); prints the batch loss before the step.',
    flags: {
      checkpoint: 'input checkpoint (from init or a previous step); required',
      batch: 'batch file: safetensors with x [n, d] F32 and y [n] I32 labels; required',
      optimizer: 'gn, sgd, adam, kfac or damped-gn; required',
      lr: 'learning rate, > 0 (GN applies it as theta -= lr * dTheta); required',
      ...GN_FLAGS,
      'weight-decay': 'L2 weight decay (default 0)',
      ...KFAC_FLAGS,
      ...LM_FLAGS,
      out: 'checkpoint file to write; required (nothing is written when anything fails)',
    },
    examples: [
      'exact-gn step --checkpoint model.safetensors --batch batch.safetensors --optimizer gn --lr 0.1 --out next.safetensors',
      'exact-gn step --checkpoint model.safetensors --batch batch.safetensors --optimizer kfac --lr 0.1 --kfac-damping 1e-2 --inv-every 10 --out next.safetensors',
      'exact-gn step --checkpoint model.safetensors --batch batch.safetensors --optimizer damped-gn --lr 0.1 --damping 100 --adapt gain-ratio --out next.safetensors',
    ],
  },
  run: {
    summary: 'Trains one run (a config file or a preset), resuming or reusing a finished run with the same config from the runs cache; prints the run\'s folder.',
    flags: {
      '<CONFIG.json>': 'an experiment config file (alternative to --preset)',
      preset: 'a named paper run (list them with `exact-gn presets`)',
      profile: 'with --preset: quick (default, CPU-sized), medium (sized per figure so each claim can show on a 2-core CPU) or paper (the paper\'s settings)',
      seed: 'with --preset: seed (default 42)',
      rule: 'with --preset: GN update rule, block (default) or half-coupling',
      epochs: 'with --preset: number of epochs instead of the preset\'s',
      fallback: 'with a CIFAR-10 preset and no CIFAR-10 files: run the same settings on Fashion-MNIST (labelled as a fallback)',
      out: 'runs folder (default $EXACT_GN_RUNS_DIR, else runs/)',
      wait: 'when another process trains the same run, wait for it instead of failing',
      quiet: 'no progress on stderr',
      plan: 'a plan file from `exact-gn plan`: train its entry --index (what a SLURM / Kubernetes array task runs; waits for, or takes over from, another task on the same run)',
      index: 'with --plan: the entry to train, 0..entries-1 (default $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX)',
      runs: 'with --plan: the shared runs folder (default $EXACT_GN_RUNS_DIR, else runs/)',
      'stale-after': 'with --plan: seconds after which the lock of a task on another host or container that stopped heartbeating is taken over (default 300)',
      damping: 'with a damped-gn preset: the initial lambda (default 100)',
      ...Object.fromEntries(Object.entries({ ...KFAC_FLAGS, ...LM_FLAGS }).map(([k, v]) => [k, `with a ${k in KFAC_FLAGS ? 'kfac' : 'damped-gn'} preset: ${v.replace(/^(K-FAC|damped GN): /, '')}`])),
    },
    examples: ['exact-gn run --preset fullbatch-mnist-gn --profile quick', 'exact-gn run --preset minibatch-mnist-kfac --inv-every 5 --decay 0.9', 'exact-gn run --plan plan.json --index $SLURM_ARRAY_TASK_ID --runs /scratch/runs'],
  },
  plan: {
    summary: 'Writes every run a report needs, once each (runs shared by figures appear once), with its key, config and a cost estimate from docs/benchmarks.md, ' +
      'as a plan file for a job array; optionally a SLURM array script and a Kubernetes Indexed Job for it (docs/scale-out.md).',
    flags: {
      profile: 'paper (default), medium (each claim at a size where it can show: about 11 CPU hours on 2 cores) or quick',
      figures: 'comma-separated figure ids, or all (default)',
      seeds: 'comma-separated seeds (default 42 in quick and medium, 42,43,44 in paper)',
      rule: 'GN update rule: block (default) or half-coupling',
      device: 'cpu (default; blas nodes) or gpu (webgpu nodes: one GPU per task)',
      out: 'the plan file to write (.json); the scheduler files go next to it; required',
      emit: 'slurm, k8s or slurm,k8s: also write PLAN.sbatch (and the log folder PLAN-logs/) and/or PLAN.k8s.yaml',
      parallel: 'with --emit: at most this many tasks at once (SLURM default unlimited, Kubernetes default min(entries, 16))',
      cpus: 'with --emit: CPU cores per task (default 4)',
      time: 'with --emit slurm: time limit D-HH:MM:SS (default the longest entry x 1.5 + 15 min, at most 24 h; a task at its limit requeues itself)',
      partition: 'with --emit slurm: the SLURM partition',
      account: 'with --emit slurm: the SLURM account',
      runs: 'the shared runs folder the SLURM tasks write (default $EXACT_GN_RUNS_DIR, else runs/, made absolute)',
      image: 'with --emit k8s: container image with exact-gn built in /app (default exact-gn:latest)',
      pvc: 'with --emit k8s: ReadWriteMany PersistentVolumeClaim mounted at /shared (default exact-gn-shared)',
      namespace: 'with --emit k8s: the Kubernetes namespace',
    },
    examples: ['exact-gn plan --profile paper --out plan.json --emit slurm,k8s --parallel 32'],
  },
  presets: {
    summary: 'Lists every paper run by name, with what it trains; use a name with `exact-gn run --preset NAME`.',
    flags: {},
  },
  reproduce: {
    summary: 'Trains (or reuses from the runs cache) every run the figures need, verifies the exactness of the GN step, and writes one self-contained HTML report plus findings.json. ' +
      'A figure whose input is missing gets a section saying what is missing and how to get it; the others are still produced, and the command then exits 1 naming the skipped figures.',
    flags: {
      profile: 'quick (default, minutes on a CPU), medium (sized per figure so each claim can show: about 11 CPU hours on 2 cores; see docs/benchmarks.md) or paper (the paper\'s sizes; hours, a GPU helps)',
      figures: 'comma-separated figure ids (fig1..fig5, appendix-...), or all (default)',
      out: 'report folder (default out/report)',
      rule: 'GN update rule: block (default, corrected) or half-coupling (paper-era)',
      seeds: 'comma-separated seeds (default 42 in quick and medium, 42,43,44 in paper)',
      runs: 'runs folder, shared with `exact-gn run` and the notebooks (default $EXACT_GN_RUNS_DIR, else runs/)',
      verify: 'run the live exactness check (default on; --no-verify skips it)',
      train: 'train missing runs (default on; --no-train builds the report from the complete runs only, names the missing ones and exits 1 while any are missing)',
      plan: 'the plan its runs were trained from: its profile, rule, seeds and figures, and missing runs named by plan entry',
    },
    examples: ['exact-gn reproduce --profile quick --out out/report'],
  },
  data: {
    summary: 'Downloads and verifies data sets that do not ship with the package (needs internet; never done implicitly).',
    flags: {
      '<download cifar10>': 'fetch CIFAR-10 (binary version) and check its md5',
      dir: 'folder to extract into; then set EXACT_GN_CIFAR10_DIR to it; required',
    },
    examples: ['exact-gn data download cifar10 --dir ~/data/cifar10'],
  },
  page: {
    summary: 'Writes the lecture page: a static site (index.html, app.js, data.js, plotly.min.js; all local) that trains the RevMLP live in the browser, ' +
      'exact GN (both rules) next to Adam and SGD, on WebGPU where the browser has it and wasm otherwise. Open index.html from file:// or any static host (docs/lecture.md).',
    flags: {
      out: 'folder to write the page into (created); required',
      train: 'MNIST training images shipped with the page, the first N (default 2048)',
      test: 'MNIST test images shipped with the page, the first N (default 1000)',
    },
    examples: ['exact-gn page --out out/report/page'],
  },
};

/** Lines shown for every command: how to pick the backend. */
export const ENVIRONMENT_HELP = [
  'environment:',
  '  EXACT_GN_BACKEND=auto|tensorflow|webgpu|blas|wasm|cpu   backend (default auto: the best that loads; the result line names it)',
  '  EXACT_GN_PROFILE=quick|medium|paper                      default profile',
  '  EXACT_GN_RUNS_DIR=DIR                                    runs cache (default runs/)',
];

/**
 * The help text of one command: usage, summary, one line per flag, examples, environment.
 *
 * @example
 * formatHelp('init', 'exact-gn init --input-dim D ...');
 */
export function formatHelp(name: string, usage: string): string {
  const h = COMMAND_HELP[name];
  if (!h) return [`usage: ${usage}`, '', ...ENVIRONMENT_HELP].join('\n');
  const names = Object.keys(h.flags).map((f) => (f.startsWith('<') ? f : `--${f}`));
  const width = Math.max(0, ...names.map((n) => n.length));
  return [
    `usage: ${usage}`,
    '',
    h.summary,
    ...(names.length > 0 ? ['', 'options:', ...names.map((n, i) => `  ${n.padEnd(width)}  ${Object.values(h.flags)[i]}`)] : []),
    ...(h.examples ? ['', 'example:', ...h.examples.map((e) => `  ${e}`)] : []),
    '',
    ...ENVIRONMENT_HELP,
  ].join('\n');
}

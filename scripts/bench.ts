/**
 * Performance benchmark (issue 6): the GN, Adam and SGD steps at MNIST paper scale (d = 784, h = 8000,
 * L = 2, n = 1024, the first 1024 MNIST training images) on every available backend, one GN step at
 * CIFAR-10 paper scale (d = 3072, L = 6, synthetic N(0, 1) inputs), and PyTorch side by side in the
 * same run (scripts/bench_torch.py, Debian's python3-torch): the paper's algorithm (truncated SVD of
 * every n x (h+1) matrix A) and our Gram algorithm, plus Adam/SGD.
 *
 *   npx tsx scripts/bench.ts [--quick] [--write] [--backends blas,wasm,cpu] [--no-torch] [--no-cifar]
 *                            [--mem-steps N] [--reps N] [--threads N] [--no-apt]
 *
 * Every measurement runs in its own child process (so peak RSS is per task). Per task: warm-up step(s),
 * then timed steps (median), GEMM-equivalent GFLOP (2mnk summed over the matrix products of one step,
 * counted by tf.profile), RSS and tf.memory() after every step, peak RSS. The GN job on blas and wasm
 * also splits one step into phases. `cpu` (the plain tfjs backend, ~1 GFLOP/s) only runs the reduced
 * size (h = 1024, n = 256), which every backend and PyTorch also run, for comparison.
 * --quick: reduced size only, 2 timed steps (a smoke test). --write: also write docs/benchmarks.md.
 * PyTorch: installed with apt (python3-torch) when missing and allowed (root/sudo), else skipped with
 * a message. Both sides use the same OpenBLAS (and OPENBLAS_CORETYPE) and the same thread count.
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem, loadavg, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';

// ----------------------------------------------------------------------------------------------
// Sizes and jobs

interface Size {
  name: string;
  label: string;
  d: number;
  h: number;
  L: number;
  n: number;
  k: number;
  data: 'mnist' | 'random';
}
const SIZES: Record<string, Size> = {
  mnist: { name: 'mnist', label: 'MNIST paper scale (d=784, h=8000, L=2, n=1024)', d: 784, h: 8000, L: 2, n: 1024, k: 10, data: 'mnist' },
  small: { name: 'small', label: 'reduced (d=784, h=1024, L=2, n=256)', d: 784, h: 1024, L: 2, n: 256, k: 10, data: 'mnist' },
  cifar: { name: 'cifar', label: 'CIFAR-10 paper scale (d=3072, h=8000, L=6, n=1024, synthetic inputs)', d: 3072, h: 8000, L: 6, n: 1024, k: 10, data: 'random' },
};

type Task = 'gn' | 'adam' | 'sgd';
interface Job {
  backend: string;
  task: Task;
  size: string;
  warmup: number;
  steps: number;
  phases: boolean;
  /** The long run that checks memory stays flat (reported apart from the timing runs). */
  memory?: boolean;
}

interface JobResult {
  job: Job;
  ok: boolean;
  error?: string;
  summary?: string;
  data?: string;
  times?: number[];
  median?: number;
  gflop?: number;
  rssMB?: number[];
  tensors?: number[];
  tfMB?: number[];
  maxRssMB?: number;
  lossFirst?: number;
  lossLast?: number;
  solves?: string;
  phases?: Record<string, number>;
}

const LR: Record<Task, number> = { gn: 0.5, adam: 1e-4, sgd: 0.1 };

/** The fixed part of docs/benchmarks.md (the results below it are generated). */
const PREAMBLE = [
  'How fast one optimizer step is at the paper\'s sizes, on each backend, next to PyTorch. Regenerate with',
  '`npx tsx scripts/bench.ts --write` (about half an hour on 2 cores; `--quick` is a one-minute smoke run at the',
  'reduced size that writes nothing unless `--write` is given).',
  '',
  '## The native CPU path (`blas` backend)',
  '',
  '- Build: `bash scripts/build-native.sh` installs Debian\'s `libopenblas-dev` with apt when missing (root or sudo)',
  '  and builds the Node-API addon in `native/` with the node-gyp bundled with npm, against the running Node\'s own',
  '  headers (nothing is downloaded). It is optional: without it `useBackend()` skips `blas` (saying why) and',
  '  everything runs on wasm.',
  '- `blas` = the tfjs `cpu` backend\'s kernels with the matrix products in OpenBLAS `sgemm` (transpose flags',
  '  free; `A A^T` as `ssyrk`), vectorized C elementwise loops and fast layout kernels for the n x h tensors',
  '  (bit-identical to the cpu kernels), and recycling of large output buffers (fresh memory costs a page fault',
  '  per 4 KiB page). Loading it also routes the float64',
  '  solves of `src/linalg` to LAPACK (`dsyevd`, `dpotrf`, `dtrsm`, `dgemm`); pure TypeScript stays the fallback.',
  '- `auto` order: tensorflow, webgpu, blas, wasm, cpu. Environment: `EXACT_GN_BLAS=0` disables the addon,',
  '  `EXACT_GN_BLAS_ADDON` points at another build, `EXACT_GN_BLAS_POOL_MB` caps the recycled buffers (default',
  '  512), `OPENBLAS_NUM_THREADS` / `OPENBLAS_CORETYPE` are OpenBLAS\'s own (when `OPENBLAS_CORETYPE` is unset on a',
  '  CPU with AVX-512, SkylakeX kernels are chosen: OpenBLAS 0.3.21 does not know AMD Zen 4/5).',
  '- The GN step keeps each block\'s input and features from the forward pass instead of rebuilding them through',
  '  the inverse while they fit `EXACT_GN_KEEP_ACTIVATIONS_MB` (default 1024; MNIST needs 131 MB, CIFAR-10 393 MB;',
  '  `0` = always rebuild, the paper\'s memory-lean way). Same result up to float32 rounding.',
  '- Adam and SGD take their gradients from the parameter-only VJP (block 0\'s input cotangent, two n x h',
  '  products, is skipped). `npx tsx scripts/bench-vjp.ts` times forward + VJP both ways side by side at MNIST',
  '  paper scale: parameter-only / full = 0.88, 0.90, 0.91 and 1.04 in four runs on blas (machine loaded by a',
  '  training run; medians of 7-11).',
];

// ----------------------------------------------------------------------------------------------
// Child: one job

async function runJob(job: Job): Promise<JobResult> {
  const { useBackend, tf } = await import('../src/backend/index.js');
  const { RevMLP } = await import('../src/model/revmlp.js');
  const { createOptimizer } = await import('../src/optim/optimizers.js');
  const size = SIZES[job.size]!;
  const info = await useBackend(job.backend);
  const { x, labels, data } = await batch(size, tf);
  const model = RevMLP.init({ inputDim: size.d, hidden: size.h, blocks: size.L, classes: size.k, seed: 42 });
  const opt = createOptimizer({ name: job.task, lr: LR[job.task] });
  const res: JobResult = { job, ok: true, summary: info.summary, data, times: [], rssMB: [], tensors: [], tfMB: [] };
  const losses: number[] = [];
  for (let i = 0; i < job.warmup + job.steps; i++) {
    const t0 = performance.now();
    const r = opt.step(model, x, labels);
    const dt = (performance.now() - t0) / 1000;
    losses.push(r.loss);
    if (i === 0 && r.gn) res.solves = r.gn.map((b) => `b${b.block}: f ${b.f.method} rank ${b.f.rank}, g ${b.g.method} rank ${b.g.rank}`).join('; ');
    if (i >= job.warmup) res.times!.push(dt);
    const mem = tf.memory();
    res.rssMB!.push(process.memoryUsage().rss / 2 ** 20);
    res.tensors!.push(mem.numTensors);
    res.tfMB!.push(mem.numBytes / 2 ** 20);
  }
  res.median = median(res.times!);
  res.lossFirst = losses[0];
  res.lossLast = losses[losses.length - 1];
  res.maxRssMB = process.resourceUsage().maxRSS / 1024;
  res.gflop = await countGflop(tf, () => opt.step(model, x, labels));
  if (job.phases && job.task === 'gn') res.phases = await gnPhases(tf, model, x, labels, size);
  opt.dispose();
  model.dispose();
  x.dispose();
  return res;
}

type Tf = typeof import('../src/backend/index.js')['tf'];

/** The first n MNIST training images (normalized), or N(0, 1) inputs with random labels. */
async function batch(size: Size, tf: Tf): Promise<{ x: import('@tensorflow/tfjs-core').Tensor2D; labels: Int32Array; data: string }> {
  if (size.data === 'mnist') {
    try {
      const { loadMnist } = await import('../src/data/index.js');
      const { train } = loadMnist({ limitTrain: size.n, limitTest: 1 });
      return { x: tf.tensor2d(train.x, [size.n, size.d]), labels: Int32Array.from(train.y), data: `first ${size.n} MNIST training images` };
    } catch (e) {
      console.error(`bench: MNIST unavailable (${(e as Error).message}); using N(0,1) inputs`);
    }
  }
  const { Rng } = await import('../src/util/rng.js');
  const rng = new Rng(7);
  const labels = new Int32Array(size.n);
  for (let i = 0; i < size.n; i++) labels[i] = rng.int(size.k);
  return { x: tf.tensor2d(rng.normalArray(size.n * size.d, 1), [size.n, size.d]), labels, data: `N(0,1) inputs, random labels (n=${size.n})` };
}

/** GEMM-equivalent GFLOP of one call: 2 m n k summed over every matrix product (tf.profile). */
async function countGflop(tf: Tf, fn: () => unknown): Promise<number> {
  const prof = await tf.profile(() => {
    fn();
  });
  let flops = 0;
  for (const k of prof.kernels) {
    if (k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul') continue;
    const a = k.inputShapes[0]!;
    const out = k.outputShapes[0]!;
    const m = out[out.length - 2]!;
    const n = out[out.length - 1]!;
    const batch = out.slice(0, -2).reduce((p, v) => p * v, 1);
    const aBatch = a.slice(0, -2).reduce((p, v) => p * v, 1);
    const kk = a.reduce((p, v) => p * v, 1) / (aBatch * m);
    flops += 2 * batch * m * n * kk;
  }
  return flops / 1e9;
}

/**
 * One GN update under tf.profile, its kernels sorted into phases by shape (forward: up to the logits
 * product; Gram: n x n products and their bias add; S^T C: h x m products and the bias sums; the rest
 * of the kernels: pull-back and JVPs), host = wall time minus kernel time (float64 solves, transfers,
 * target), then the update applied as the optimizer does.
 */
async function gnPhases(tf: Tf, model: import('../src/model/revmlp.js').RevMLP, x: import('@tensorflow/tfjs-core').Tensor2D, labels: Int32Array, size: Size): Promise<Record<string, number>> {
  const { gnUpdate } = await import('../src/gn/step.js');
  const { zipParams, disposeParams } = await import('../src/model/revmlp.js');
  const { tidy } = await import('../src/backend/index.js');
  let update: import('../src/model/revmlp.js').Params | null = null;
  const t0 = performance.now();
  const prof = await tf.profile(() => {
    update = gnUpdate(model, x, labels).update;
  });
  const wall = performance.now() - t0;
  const ph: Record<string, number> = { forward: 0, 'pull-back + JVPs': 0, Gram: 0, 'S^T C': 0, host: 0, apply: 0 };
  let inForward = true;
  let kernels = 0;
  for (const k of prof.kernels) {
    const ms = k.kernelTimeMs as number;
    kernels += ms;
    const out = k.outputShapes[0] ?? [];
    const isMatMul = k.name === 'BatchMatMul';
    if (inForward) {
      ph.forward! += ms;
      if (isMatMul && out[out.length - 1] === size.k) inForward = false;
    } else if ((isMatMul || k.name === 'Add') && out.length === 2 && out[0] === size.n && out[1] === size.n) {
      ph.Gram! += ms;
    } else if ((isMatMul && out[0] === size.h) || (k.name === 'Sum' && out.length === 1)) {
      ph['S^T C']! += ms;
    } else {
      ph['pull-back + JVPs']! += ms;
    }
  }
  ph.host = wall - kernels;
  const t1 = performance.now();
  const next = tidy(() => zipParams(model.params, update!, (w, d) => tf.sub(w, tf.mul(d, LR.gn))));
  model.setParams(next);
  ph.apply = performance.now() - t1;
  disposeParams(update!);
  for (const key of Object.keys(ph)) ph[key] = ph[key]! / 1000;
  return ph;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ----------------------------------------------------------------------------------------------
// Parent: plan, spawn, report

interface Args {
  quick: boolean;
  write: boolean;
  backends: string[];
  torch: boolean;
  cifar: boolean;
  memSteps: number | null;
  reps: number | null;
  threads: number | null;
  apt: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, write: false, backends: ['blas', 'wasm', 'cpu'], torch: true, cifar: true, memSteps: null, reps: null, threads: null, apt: true };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i]!;
    const num = (): number => {
      const x = Number(argv[++i]);
      if (!Number.isInteger(x) || x < 1) throw new Error(`${v} needs a positive integer, got ${argv[i]}`);
      return x;
    };
    if (v === '--quick') a.quick = true;
    else if (v === '--write') a.write = true;
    else if (v === '--no-torch') a.torch = false;
    else if (v === '--no-cifar') a.cifar = false;
    else if (v === '--no-apt') a.apt = false;
    else if (v === '--backends') a.backends = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (v === '--mem-steps') a.memSteps = num();
    else if (v === '--reps') a.reps = num();
    else if (v === '--threads') a.threads = num();
    else throw new Error(`unknown argument ${v}; see the header of scripts/bench.ts`);
  }
  return a;
}

function childEnv(args: Args): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.EXACT_GN_BACKEND;
  if (args.threads) env.OPENBLAS_NUM_THREADS = String(args.threads);
  return env;
}

function spawnJob(job: Job, args: Args): JobResult {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--child', JSON.stringify(job)], {
    cwd: ROOT,
    env: childEnv(args),
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status === 0 && line) return JSON.parse(line) as JobResult;
  const why = (r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-3).join(' | ') || `exit ${r.status} ${r.signal ?? ''}`;
  return { job, ok: false, error: why };
}

/** Makes sure /usr/bin/python3 can import torch (apt install when allowed); null or the reason not. */
function ensureTorch(args: Args): string | null {
  const probe = (): boolean => spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  if (probe()) return null;
  if (!args.apt) return 'python3-torch is not installed (--no-apt given): apt-get install python3-torch';
  const root = process.getuid?.() === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!root && !sudo) return 'python3-torch is not installed and installing it needs root or password-less sudo';
  console.log('bench: installing python3-torch with apt (one time) ...');
  const pre = root ? [] : ['sudo', '-n'];
  const run = (cmd: string[]): boolean => spawnSync(pre[0] ?? cmd[0]!, [...pre.slice(1), ...(pre.length ? cmd : cmd.slice(1))], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!run(['apt-get', 'update', '-qq']) || !run(['apt-get', 'install', '-y', '-qq', 'python3-torch'])) return 'apt-get install python3-torch failed';
  return probe() ? null : 'python3-torch installed but `import torch` still fails';
}

/** One PyTorch task of one invocation. */
interface TorchTask {
  ok: boolean;
  error?: string;
  median_s?: number;
  times_s?: number[];
  rss_mb?: number[];
  torch?: string;
  threads?: number;
  maxRss?: number;
}

/** Pooled results of several jobs of one (size, backend, task). */
interface Agg {
  error?: string;
  median: number;
  n: number;
  gflop: number;
  maxRss: number;
}

function aggregate(rs: JobResult[]): Agg | null {
  if (!rs.length) return null;
  const ok = rs.filter((r) => r.ok);
  if (!ok.length) return { error: rs[0]!.error ?? 'failed', median: NaN, n: 0, gflop: NaN, maxRss: NaN };
  const times = ok.flatMap((r) => r.times!);
  return { median: median(times), n: times.length, gflop: ok[0]!.gflop!, maxRss: Math.max(...ok.map((r) => r.maxRssMB!)) };
}

interface TorchResult {
  ok: boolean;
  error?: string;
  torch?: string;
  threads?: number;
  tasks?: Record<string, { median_s: number; times_s: number[]; rss_mb: number[]; loss_first: number; loss_last: number }>;
  max_rss_mb?: number;
}

/** The same batch as the JS side, through raw files; then bench_torch.py. */
async function runTorch(size: Size, tasks: string[], reps: number, repsPaper: number, args: Args): Promise<TorchResult> {
  const warmupPaper = size.name === 'mnist' ? 0 : 1; // a paper-scale SVD step takes minutes
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-bench-'));
  try {
    const cfg: Record<string, unknown> = { d: size.d, h: size.h, L: size.L, n: size.n, k: size.k, tasks, reps, repsPaper, warmup: 1, warmupPaper };
    if (args.threads) cfg.threads = args.threads;
    if (size.data === 'mnist') {
      try {
        const { loadMnist } = await import('../src/data/index.js');
        const { train } = loadMnist({ limitTrain: size.n, limitTest: 1 });
        writeFileSync(join(dir, 'x.f32'), Buffer.from(train.x.buffer, train.x.byteOffset, train.x.byteLength));
        writeFileSync(join(dir, 'y.i32'), Buffer.from(Int32Array.from(train.y).buffer));
        cfg.x = join(dir, 'x.f32');
        cfg.y = join(dir, 'y.i32');
      } catch {
        // bench_torch.py draws N(0, 1) inputs itself
      }
    }
    // Passive OpenMP waiting: with 2 threads on a busy machine, spinning made PyTorch 2-15x slower.
    const env = { OMP_WAIT_POLICY: 'PASSIVE', ...childEnv(args) };
    const r = spawnSync(PYTHON, [join(ROOT, 'scripts', 'bench_torch.py'), JSON.stringify(cfg)], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    try {
      const out = JSON.parse(line) as TorchResult & { error?: string };
      return out.error ? { ok: false, error: out.error } : { ...out, ok: true };
    } catch {
      return { ok: false, error: (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ') || `exit ${r.status}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------- report

const fmtS = (s: number | undefined): string => (s === undefined || !Number.isFinite(s) ? '-' : s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2));
const fmtR = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '-');

function memLine(r: JobResult): string {
  const rss = r.rssMB ?? [];
  const q = Math.max(1, Math.min(5, Math.floor(rss.length / 3)));
  const head = rss.slice(0, q);
  const tail = rss.slice(-q);
  const avg = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  const tensors = r.tensors ?? [];
  const flat = new Set(tensors.slice(1)).size <= 1 ? `tensors flat at ${tensors[tensors.length - 1]}` : `tensors ${tensors[1]} -> ${tensors[tensors.length - 1]} (GROWING)`;
  return `${rss.length} steps: RSS ${avg(head).toFixed(0)} -> ${avg(tail).toFixed(0)} MB (first/last ${q} avg), peak ${(r.maxRssMB ?? NaN).toFixed(0)} MB; tf.memory ${(r.tfMB?.[r.tfMB.length - 1] ?? NaN).toFixed(0)} MB, ${flat}`;
}

function machine(): string {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
    cpu += flags.includes('avx512f') ? ' (AVX-512)' : flags.includes('avx2') ? ' (AVX2)' : '';
  } catch {
    /* not Linux */
  }
  let os = process.platform;
  try {
    os = (readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? os) as NodeJS.Platform;
  } catch {
    /* keep platform */
  }
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os}, Node ${process.version}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    try {
      const res = await runJob(JSON.parse(argv[1]!) as Job);
      process.stdout.write(`${JSON.stringify(res)}\n`);
    } catch (e) {
      console.error((e as Error).stack ?? String(e));
      process.exit(1);
    }
    return;
  }
  const args = parseArgs(argv);
  const load0 = loadavg();
  const started = new Date();
  const reps = args.reps ?? (args.quick ? 2 : 3);
  const memPaper = args.memSteps ?? (args.quick ? 0 : 50);
  const lines: string[] = [];
  const say = (s = ''): void => {
    console.log(s);
    lines.push(s);
  };
  const { blasAddon, blasAddonError } = await import('../src/backend/blas.js');
  const addon = blasAddon();
  const blasNote = addon ? addon.config() : `not built (${blasAddonError()})`;
  const backends = args.backends.filter((b) => b !== 'blas' || addon);

  // Torch first (apt may take a while).
  const torchWhy = args.torch ? ensureTorch(args) : 'disabled (--no-torch)';

  // Ours and PyTorch's version of each step run back to back, in rounds, so both see the same load.
  const results: JobResult[] = [];
  const torchRuns: { size: string; task: string; r: TorchTask }[] = [];
  const sizes = args.quick ? ['small'] : ['small', 'mnist'];
  const torchFor: Record<Task, string[]> = { gn: ['gn-gram', 'gn-paper'], adam: ['adam'], sgd: ['sgd'] };
  for (const sizeName of sizes) {
    const size = SIZES[sizeName]!;
    const paper = sizeName === 'mnist';
    const rounds = args.quick ? 1 : 2;
    console.log(`\n--- ${size.label} ---`);
    for (let round = 0; round < rounds; round++) {
      for (const task of ['gn', 'adam', 'sgd'] as const) {
        for (const backend of backends) {
          if (backend === 'cpu' && paper) continue; // ~1 GFLOP/s: reduced size only
          if (round > 0 && backend !== 'blas') continue; // the slow backends: one round
          const job: Job = { backend, task, size: sizeName, warmup: 1, steps: reps, phases: round === 0 && task === 'gn' && backend !== 'cpu' };
          process.stdout.write(`[${round + 1}/${rounds}] ${backend} ${task} ... `);
          const r = spawnJob(job, args);
          results.push(r);
          console.log(r.ok ? `${fmtS(r.median)} s/step (${r.summary})` : `FAILED: ${r.error}`);
        }
        if (torchWhy) continue;
        for (const tt of torchFor[task]) {
          if (tt === 'gn-paper' && paper && round > 0) continue; // minutes per step: one round
          process.stdout.write(`[${round + 1}/${rounds}] pytorch ${tt} ... `);
          const t = await runTorch(size, [tt], reps, tt === 'gn-paper' && paper ? 1 : reps, args);
          const r: TorchTask = t.ok ? { ...t.tasks![tt]!, ok: true, torch: t.torch, threads: t.threads, maxRss: t.max_rss_mb } : { ok: false, error: t.error };
          torchRuns.push({ size: sizeName, task: tt, r });
          console.log(r.ok ? `${fmtS(r.median_s)} s/step` : `FAILED: ${r.error}`);
        }
      }
    }
    if (paper && memPaper > 0 && backends.includes('blas')) {
      process.stdout.write(`blas gn memory check (${memPaper} steps) ... `);
      const r = spawnJob({ backend: 'blas', task: 'gn', size: sizeName, warmup: 1, steps: memPaper, phases: false, memory: true }, args);
      results.push(r);
      console.log(r.ok ? `${fmtS(r.median)} s/step` : `FAILED: ${r.error}`);
    }
  }
  let cifar: JobResult | null = null;
  if (args.cifar && !args.quick && backends.includes('blas')) {
    process.stdout.write('\n--- CIFAR-10 paper scale: blas gn ... ');
    cifar = spawnJob({ backend: 'blas', task: 'gn', size: 'cifar', warmup: 0, steps: 2, phases: true }, args);
    console.log(cifar.ok ? `${fmtS(cifar.median)} s/step` : `FAILED: ${cifar.error}`);
  }

  // ----- report
  const torchOk = torchRuns.find((t) => t.r.ok)?.r;
  say('# Benchmarks');
  say();
  for (const l of PREAMBLE) say(l);
  say();
  say('## Results');
  say();
  say(`Generated by \`npx tsx scripts/bench.ts ${argv.join(' ')}\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC.`);
  say();
  say(`- Machine: ${machine()}; load average (1/5/15 min) at start ${load0.map((v) => v.toFixed(1)).join(' ')}, at end ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  say(`- OpenBLAS (blas backend): ${blasNote}; OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(auto)'}; threads: ${args.threads ?? 'OpenBLAS default (all cores)'}`);
  say(`- PyTorch: ${torchWhy ? `skipped: ${torchWhy}` : torchOk ? `${torchOk.torch}, ${torchOk.threads} threads, same OpenBLAS (${PYTHON}), OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? 'PASSIVE'}` : 'failed'}`);
  say(`- Method: each task in a fresh process: 1 warm-up step, then ${reps} timed steps; ours and PyTorch's version of a step run back to back, ${args.quick ? 1 : 2} round(s) on blas/PyTorch (1 on wasm/cpu; the paper's SVD step 1 step at paper scale); times are medians over all timed steps. GFLOP = GEMM-equivalent (2mnk over every matrix product of one step, counted with tf.profile; the Gram products run as ssyrk, half of that).`);
  say();
  for (const sizeName of sizes) {
    const size = SIZES[sizeName]!;
    say(`### ${size.label}`);
    say();
    const first = results.find((r) => r.job.size === sizeName && r.ok);
    if (first?.data) say(`Data: ${first.data}.`);
    say();
    say('| backend | step | s/step (median) | timed steps | GFLOP/step | GFLOP/s | peak RSS MB |');
    say('|---|---|---|---|---|---|---|');
    const ours = (backend: string, task: Task): Agg | null => aggregate(results.filter((r) => r.job.size === sizeName && r.job.backend === backend && r.job.task === task && !r.job.memory));
    for (const backend of backends) {
      for (const task of ['gn', 'adam', 'sgd'] as const) {
        const a = ours(backend, task);
        if (!a) continue;
        if (a.error) say(`| ${backend} | ${task.toUpperCase()} | failed: ${a.error.replace(/\|/g, '/')} | | | | |`);
        else say(`| ${backend} | ${task.toUpperCase()} | ${fmtS(a.median)} | ${a.n} | ${a.gflop.toFixed(1)} | ${(a.gflop / a.median).toFixed(1)} | ${a.maxRss.toFixed(0)} |`);
      }
    }
    const tMed = (task: string): number => median(torchRuns.filter((t) => t.size === sizeName && t.task === task && t.r.ok).flatMap((t) => t.r.times_s!));
    for (const task of ['gn-paper', 'gn-gram', 'adam', 'sgd']) {
      const runs = torchRuns.filter((t) => t.size === sizeName && t.task === task);
      if (!runs.length) continue;
      const okRuns = runs.filter((t) => t.r.ok);
      if (!okRuns.length) say(`| pytorch | ${task} | failed: ${runs[0]!.r.error?.replace(/\|/g, '/')} | | | | |`);
      else say(`| pytorch | ${task} | ${fmtS(tMed(task))} | ${okRuns.reduce((n, t) => n + t.r.times_s!.length, 0)} | | | ${Math.max(...okRuns.map((t) => t.r.maxRss ?? 0)).toFixed(0)} |`);
    }
    say();
    if (torchRuns.some((t) => t.size === sizeName && t.r.ok)) {
      say('Ratios ours / PyTorch (time per step, lower is better):');
      say();
      say('| backend | GN / paper SVD step (target <= 0.5) | GN / Gram step in PyTorch (target <= 1.5) | Adam / Adam (target <= 1.5) | SGD / SGD (target <= 1.5) |');
      say('|---|---|---|---|---|');
      for (const backend of backends) {
        const m = (task: Task): number => ours(backend, task)?.median ?? NaN;
        if (!Number.isFinite(m('gn'))) continue;
        say(`| ${backend} | ${fmtR(m('gn') / tMed('gn-paper'))} | ${fmtR(m('gn') / tMed('gn-gram'))} | ${fmtR(m('adam') / tMed('adam'))} | ${fmtR(m('sgd') / tMed('sgd'))} |`);
      }
      say();
    }
    const withPhases = results.filter((r) => r.ok && r.job.size === sizeName && r.phases);
    if (withPhases.length) {
      say('GN step by phase (one profiled step, seconds; host = float64 solves, transfers and target):');
      say();
      const keys = Object.keys(withPhases[0]!.phases!);
      say(`| backend | ${keys.join(' | ')} |`);
      say(`|---|${keys.map(() => '---').join('|')}|`);
      for (const r of withPhases) say(`| ${r.job.backend} | ${keys.map((k) => fmtS(r.phases![k])).join(' | ')} |`);
      say();
    }
    say('Memory (RSS after each step; tf.memory() after the last):');
    say();
    for (const r of results.filter((x) => x.ok && x.job.size === sizeName)) say(`- ${r.job.backend} ${r.job.task}${r.job.memory ? ' (memory check)' : ''}: ${memLine(r)}`);
    for (const t of torchRuns.filter((x) => x.size === sizeName && x.r.ok)) say(`- pytorch ${t.task}: RSS ${t.r.rss_mb![0]!.toFixed(0)} -> ${t.r.rss_mb![t.r.rss_mb!.length - 1]!.toFixed(0)} MB over ${t.r.rss_mb!.length} steps`);
    const solves = results.find((r) => r.ok && r.job.size === sizeName && r.solves)?.solves;
    if (solves) {
      say();
      say(`Pseudo-inverse solves of the first GN step: ${solves}.`);
    }
    say();
  }
  if (cifar) {
    say(`### ${SIZES.cifar!.label}`);
    say();
    if (cifar.ok) {
      say(`blas: ${fmtS(cifar.median)} s per GN step (median of ${cifar.times!.length}, no warm-up), ${cifar.gflop!.toFixed(0)} GFLOP, ${(cifar.gflop! / cifar.median!).toFixed(1)} GFLOP/s, peak RSS ${cifar.maxRssMB!.toFixed(0)} MB.`);
      say();
      if (cifar.phases) say(`Phases (s): ${Object.entries(cifar.phases).map(([k, v]) => `${k} ${fmtS(v)}`).join(', ')}.`);
      say();
      if (cifar.solves) say(`Solves: ${cifar.solves}.`);
    } else say(`blas: failed: ${cifar.error}`);
    say();
  }
  if (args.write) {
    const path = join(ROOT, 'docs', 'benchmarks.md');
    writeFileSync(path, `${lines.join('\n')}\n`);
    console.log(`\nwrote ${path}`);
  }
}

await main();

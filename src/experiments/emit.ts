/**
 * A plan as a scheduler's job array: a SLURM batch script (`sbatch --array`) and a Kubernetes
 * Indexed Job (with the plan in a ConfigMap). Both run `exact-gn run --plan PLAN --index I` for
 * every entry, ask for the resources of the largest entry's estimate, and are safe to requeue:
 * a run resumes from its last resume checkpoint, a finished run is a cache hit, and the run's lock
 * makes a duplicate wait (or take over from a task that died). The YAML is written by hand, with
 * every scalar quoted as JSON (a JSON string is a YAML double-quoted scalar).
 */
import { ConfigError, show } from '../util/errors.js';
import type { Plan } from './plan.js';

export interface EmitOptions {
  /** Absolute path of the plan file (SLURM: read from the shared filesystem). */
  planPath: string;
  /** Absolute runs folder shared by all tasks (SLURM). */
  runsDir: string;
  /** Absolute path of the exact-gn checkout (SLURM: `$EXACT_GN_HOME/bin/exact-gn.js`). */
  home: string;
  /** Absolute path the SLURM script is written to (named in its messages). */
  scriptPath?: string;
  /** Folder of the SLURM task logs (must exist before sbatch; the plan command creates it). */
  logDir?: string;
  /** At most this many tasks at once (SLURM: `%P`, default unlimited; Kubernetes: parallelism, default min(entries, 16)). */
  parallel?: number;
  /** CPU cores per task. Default 4. */
  cpus?: number;
  /** SLURM time limit ('D-HH:MM:SS' or 'HH:MM:SS'); default from the estimate, at most 24 h. */
  time?: string;
  partition?: string;
  account?: string;
  /** Kubernetes: the container image with exact-gn built in /app (docs/scale-out.md). */
  image?: string;
  /** Kubernetes: the ReadWriteMany PersistentVolumeClaim that holds runs/ (and data/). */
  pvc?: string;
  namespace?: string;
  /** CIFAR-10 folder on the cluster (SLURM; Kubernetes uses /shared/data/cifar-10-batches-bin). */
  cifar10Dir?: string;
}

/** Memory to ask for: the largest entry's estimate plus 25%, in MiB rounded up to 256. */
export function memoryRequestMiB(plan: Plan): number {
  return Math.ceil((plan.totals.maxMemoryMB * 1.25) / 256) * 256;
}

/** Seconds of the longest entry on the plan's device (GPU entries without an estimate use the CPU one). */
function longestSeconds(plan: Plan): number {
  return Math.max(...plan.entries.map((e) => (plan.device === 'gpu' ? e.estimate.gpuSeconds ?? e.estimate.cpuSeconds : e.estimate.cpuSeconds)));
}

/** The SLURM time limit from the estimate: longest entry x 1.5 + 15 min, rounded up to 15 min, at most 24 h. */
export function slurmTime(plan: Plan): string {
  const quarter = 15 * 60;
  const s = Math.min(24 * 3600, Math.ceil((longestSeconds(plan) * 1.5 + quarter) / quarter) * quarter);
  const d = Math.floor(s / 86400);
  const hh = String(Math.floor((s % 86400) / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  return `${d}-${hh}:${mm}:00`;
}

/** Quotes a string for bash (single quotes). */
function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function positiveInt(v: number | undefined, name: string): void {
  if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new ConfigError(name, `must be a positive integer, got ${show(v)}`);
}

function summary(plan: Plan): string[] {
  const t = plan.totals;
  return [
    `${t.runs} runs (${t.figureRuns} asked for by the figures, shared runs once), profile ${plan.profile}, rule ${plan.rule}, seeds ${plan.seeds.join(', ')}`,
    `figures: ${plan.figures.join(', ')}`,
    `estimate (docs/benchmarks.md, 2-core blas machine): ${t.cpuHours} CPU hours in all, longest run ${t.longestCpuHours} h, ` +
      `GPU ${t.gpuHours === null ? 'not measured' : `${t.gpuHours} h`}; peak memory ${t.maxMemoryMB} MB; ${t.diskGB} GB in the runs folder`,
    `made ${plan.created} by: ${plan.command}`,
  ];
}

/**
 * The SLURM array script of a plan: `sbatch` it; task I trains entry I.
 *
 * @example
 * writeFileSync('plan.sbatch', slurmScript(plan, { planPath: '/home/me/plan.json', runsDir: '/scratch/me/runs', home: '/home/me/exact-gn' }));
 */
export function slurmScript(plan: Plan, opts: EmitOptions): string {
  positiveInt(opts.parallel, '--parallel');
  positiveInt(opts.cpus, '--cpus');
  if (opts.time !== undefined && !/^(\d+-)?\d{1,3}:\d{2}:\d{2}$/.test(opts.time)) throw new ConfigError('--time', `must be HH:MM:SS or D-HH:MM:SS, got ${show(opts.time)}`);
  const cpus = opts.cpus ?? 4;
  const last = plan.entries.length - 1;
  const logDir = opts.logDir ?? `${opts.runsDir}/slurm-logs`;
  const script = opts.scriptPath ?? 'this script';
  const lines = [
    '#!/bin/bash',
    '# exact-gn: the runs of a report as a SLURM job array. Made by `exact-gn plan --emit slurm`.',
    ...summary(plan).map((l) => `#   ${l}`),
    `# Submit:  sbatch ${script}`,
    `# Report:  exact-gn reproduce --plan ${opts.planPath} --runs ${opts.runsDir} --no-train`,
    '# Task I trains plan entry I into the shared runs folder. A task is safe to rerun, requeue or duplicate:',
    '# a finished run is a cache hit, an interrupted one resumes, and the run\'s lock makes a second task wait.',
    '#',
    '# One task per plan entry (write --array=0-N%K to run at most K at once):',
    `#SBATCH --job-name=exact-gn-${plan.profile}`,
    `#SBATCH --array=0-${last}${opts.parallel ? `%${opts.parallel}` : ''}`,
    '# OpenBLAS threads (OPENBLAS_NUM_THREADS below); the estimates are for 2 cores, more is faster:',
    `#SBATCH --cpus-per-task=${cpus}`,
    '# The largest entry\'s peak memory estimate plus 25%:',
    `#SBATCH --mem=${memoryRequestMiB(plan)}M`,
    '# The longest entry\'s estimate x 1.5 + 15 min, at most 24 h; a task that reaches it requeues itself and resumes:',
    `#SBATCH --time=${opts.time ?? slurmTime(plan)}`,
    '# Preempted, or its node failed: the task goes back to the queue, and its run resumes:',
    '#SBATCH --requeue',
    '# A requeued task appends to its log:',
    '#SBATCH --open-mode=append',
    '# Five minutes before the time limit, USR1 to this script, which requeues the task:',
    '#SBATCH --signal=B:USR1@300',
    `#SBATCH --output=${logDir}/%A_%a.out`,
    ...(plan.device === 'gpu' ? ['# One GPU per task (the webgpu backend):', '#SBATCH --gres=gpu:1'] : []),
    ...(opts.partition ? [`#SBATCH --partition=${opts.partition}`] : []),
    ...(opts.account ? [`#SBATCH --account=${opts.account}`] : []),
    'set -uo pipefail',
    '',
    `HOME_DEFAULT=${sh(opts.home)}`,
    `RUNS_DEFAULT=${sh(opts.runsDir)}`,
    `EXACT_GN_HOME="\${EXACT_GN_HOME:-$HOME_DEFAULT}"`,
    `PLAN=${sh(opts.planPath)}`,
    `SCRIPT=${sh(script)}`,
    'export EXACT_GN_RUNS_DIR="${EXACT_GN_RUNS_DIR:-$RUNS_DEFAULT}"',
    `export OPENBLAS_NUM_THREADS="\${SLURM_CPUS_PER_TASK:-${cpus}}"`,
    ...(plan.device === 'gpu' ? ['export EXACT_GN_BACKEND="${EXACT_GN_BACKEND:-webgpu}"'] : []),
    ...(opts.cifar10Dir ? [`CIFAR_DEFAULT=${sh(opts.cifar10Dir)}`, 'export EXACT_GN_CIFAR10_DIR="${EXACT_GN_CIFAR10_DIR:-$CIFAR_DEFAULT}"'] : []),
    'NODE="${NODE:-node}"',
    'INDEX="${SLURM_ARRAY_TASK_ID:?is unset: submit this script with sbatch (it is a job array)}"',
    'TASK="${SLURM_ARRAY_JOB_ID:-local}_${INDEX}"',
    '',
    'requeue() {',
    '  echo "exact-gn: time limit near: requeueing task ${TASK}; its run resumes from the last resume checkpoint" >&2',
    '  scontrol requeue "${TASK}" || echo "exact-gn: scontrol requeue failed: resubmit with sbatch --array=${INDEX} ${SCRIPT}" >&2',
    '}',
    'trap requeue USR1',
    '',
    'echo "exact-gn: task ${TASK} on $(hostname): entry ${INDEX} of ${PLAN}, runs in ${EXACT_GN_RUNS_DIR}" >&2',
    '"$NODE" "$EXACT_GN_HOME/bin/exact-gn.js" run --plan "$PLAN" --index "$INDEX" --runs "$EXACT_GN_RUNS_DIR" &',
    'child=$!',
    'rc=0',
    'while :; do',
    '  wait "$child"',
    '  rc=$?',
    '  # a trapped signal ends wait early (status > 128) while the run goes on: wait again',
    '  kill -0 "$child" 2>/dev/null || break',
    'done',
    'exit "$rc"',
    '',
  ];
  return lines.join('\n');
}

/** A YAML scalar: numbers and booleans as they are, strings as JSON (a valid YAML double-quoted scalar). */
function y(v: string | number | boolean): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** A Kubernetes name from `s`: lower case letters, digits and '-', at most `max` characters. */
function k8sName(s: string, max = 52): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max).replace(/-+$/, '');
}

/**
 * The Kubernetes manifest of a plan: a ConfigMap holding the plan and an Indexed Job whose pod I
 * trains entry I into a shared volume. `kubectl apply -f` it.
 *
 * @example
 * writeFileSync('plan.k8s.yaml', k8sManifest(plan, { planPath, runsDir, home, image: 'registry.example.org/exact-gn:0.1.0', pvc: 'exact-gn-shared' }));
 */
export function k8sManifest(plan: Plan, opts: EmitOptions): string {
  positiveInt(opts.parallel, '--parallel');
  positiveInt(opts.cpus, '--cpus');
  const n = plan.entries.length;
  const cpus = opts.cpus ?? 4;
  const parallel = Math.min(n, opts.parallel ?? 16);
  const image = opts.image ?? 'exact-gn:latest';
  const pvc = opts.pvc ?? 'exact-gn-shared';
  const tag = plan.entries.map((e) => e.key).join('').slice(0, 8);
  const name = k8sName(`exact-gn-${plan.profile}-${tag}`);
  const mem = `${memoryRequestMiB(plan)}Mi`;
  const gpu = plan.device === 'gpu';
  const ns = opts.namespace ? [`  namespace: ${y(opts.namespace)}`] : [];
  // Compact: with `kubectl apply` the whole object is also stored in an annotation (at most 256 KiB).
  const planJson = [`    ${JSON.stringify(plan)}`];
  const lines = [
    '# exact-gn: the runs of a report as a Kubernetes Indexed Job. Made by `exact-gn plan --emit k8s`.',
    ...summary(plan).map((l) => `#   ${l}`),
    '# Apply:   kubectl create -f THIS_FILE   (or kubectl apply --server-side -f THIS_FILE)',
    '# Report:  exact-gn reproduce --plan plan.json --runs <the volume\'s runs/ folder> --no-train',
    `# Needs: the image ${image} (exact-gn built in /app, see docs/scale-out.md) and a ReadWriteMany`,
    `# PersistentVolumeClaim ${pvc}, mounted at /shared: runs go to /shared/runs, CIFAR-10 is read from /shared/data/cifar-10-batches-bin.`,
    '---',
    '# The plan itself: every pod reads its entry from it.',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${y(`${name}-plan`)}`,
    ...ns,
    'data:',
    '  plan.json: |',
    ...planJson,
    '---',
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    `  name: ${y(name)}`,
    ...ns,
    '  labels:',
    '    app.kubernetes.io/name: "exact-gn"',
    'spec:',
    '  # Pod I gets JOB_COMPLETION_INDEX = I (and the job-completion-index annotation) and trains plan entry I.',
    '  completionMode: Indexed',
    '  # One completion per plan entry; the Job is done when every index has succeeded once.',
    `  completions: ${n}`,
    '  # Pods at once (exact-gn plan --parallel K).',
    `  parallelism: ${parallel}`,
    '  # Real failures (not preemption, see podFailurePolicy) allowed across all indexes before the Job fails.',
    `  backoffLimit: ${Math.max(6, 2 * n)}`,
    '  podFailurePolicy:',
    '    rules:',
    '    # Preemption, eviction, node drain or shutdown: not counted against backoffLimit; the pod is',
    '    # recreated and its run resumes from its last resume checkpoint.',
    '    - action: Ignore',
    '      onPodConditions:',
    '      - type: DisruptionTarget',
    '    # Exit code 2 is a bad plan or argument: retrying cannot help, so fail the Job at once.',
    '    - action: FailJob',
    '      onExitCodes:',
    '        containerName: "run"',
    '        operator: In',
    '        values: [2]',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app.kubernetes.io/name: "exact-gn"',
    '    spec:',
    '      # Required by podFailurePolicy: a failed pod is replaced by a new pod with the same index.',
    '      restartPolicy: Never',
    '      containers:',
    '      - name: "run"',
    `        image: ${y(image)}`,
    '        workingDir: "/app"',
    '        command: ["node", "/app/bin/exact-gn.js"]',
    '        # $(EXACT_GN_PLAN_INDEX) is expanded by Kubernetes from the env below.',
    '        args: ["run", "--plan", "/plan/plan.json", "--index", "$(EXACT_GN_PLAN_INDEX)", "--runs", "/shared/runs"]',
    '        env:',
    '        - name: EXACT_GN_PLAN_INDEX',
    '          valueFrom:',
    '            fieldRef:',
    '              fieldPath: "metadata.annotations[\'batch.kubernetes.io/job-completion-index\']"',
    '        - name: EXACT_GN_RUNS_DIR',
    '          value: "/shared/runs"',
    '        - name: EXACT_GN_CIFAR10_DIR',
    '          value: "/shared/data/cifar-10-batches-bin"',
    '        - name: OPENBLAS_NUM_THREADS',
    `          value: ${y(String(cpus))}`,
    ...(gpu ? ['        - name: EXACT_GN_BACKEND', '          value: "webgpu"', '        - name: NVIDIA_DRIVER_CAPABILITIES', '          value: "all"'] : []),
    '        resources:',
    '          # From the plan\'s estimate: the largest entry\'s peak memory plus 25%.',
    '          requests:',
    `            cpu: ${y(String(cpus))}`,
    `            memory: ${y(mem)}`,
    '          limits:',
    `            memory: ${y(mem)}`,
    ...(gpu ? ['            nvidia.com/gpu: 1'] : []),
    '        volumeMounts:',
    '        - name: plan',
    '          mountPath: "/plan"',
    '          readOnly: true',
    '        - name: shared',
    '          mountPath: "/shared"',
    '      volumes:',
    '      - name: plan',
    '        configMap:',
    `          name: ${y(`${name}-plan`)}`,
    '      - name: shared',
    '        persistentVolumeClaim:',
    `          claimName: ${y(pvc)}`,
    '',
  ];
  return lines.join('\n');
}

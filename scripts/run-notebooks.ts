/**
 * Executes the notebooks headless with Jupyter + the project's tslab kernel, exports each to HTML,
 * and checks them. Usage (from the repository root):
 *
 *   npx tsx scripts/run-notebooks.ts [notebooks/x.ipynb ...] [--timeout 3600] [--out out/notebooks]
 *                                    [--profile quick] [--no-html]
 *   npx tsx scripts/run-notebooks.ts --check-clean [notebooks/x.ipynb ...]
 *
 * Without files: every notebooks/*.ipynb, in name order, one after another. Each notebook runs with
 * `jupyter nbconvert --to notebook --execute` (kernel tslab, cwd notebooks/, EXACT_GN_PROFILE from
 * --profile, default quick) into out/notebooks/<name>.ipynb, then `--to html` beside it. A notebook
 * fails on any cell error (the cell is named), on a figure cell without a plot (see
 * scripts/notebook-lib.ts for the convention), or when nbconvert itself fails (timeout, dead
 * kernel). With HTML on, each is also exported sanitized (`--HTMLExporter.sanitize_html=True`:
 * scripts stripped, as a notebook reopened untrusted shows it) to <name>.untrusted.html, which
 * must still hold every figure as a static image. Ends with `notebooks: N passed, M failed`;
 * exit status 1 when any failed.
 * `--check-clean` only checks that committed notebooks have no outputs or execution counts, and
 * that each equals what its TypeScript source in notebooks/src builds to (scripts/notebooks.ts).
 * Needs `bash scripts/setup-jupyter.sh` once and a built package (`npx tsc -p tsconfig.build.json`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KERNEL_NAME, cellLabel, cleanProblems, executedProblems, figureOutputCount, readNotebook, untrustedHtmlProblems } from './notebook-lib.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The Jupyter scripts/setup-jupyter.sh chose (on PATH first, else Debian's), else Debian's.
const JUPYTER = existsSync(join(ROOT, '.jupyter-local', 'bin', 'jupyter')) ? join(ROOT, '.jupyter-local', 'bin', 'jupyter') : '/usr/bin/jupyter';
const PREFIX = join(ROOT, '.jupyter-local');

interface Args {
  files: string[];
  checkClean: boolean;
  timeout: number;
  out: string;
  profile: string;
  html: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { files: [], checkClean: false, timeout: 3600, out: join(ROOT, 'out', 'notebooks'), profile: 'quick', html: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--check-clean') args.checkClean = true;
    else if (a === '--timeout') {
      args.timeout = Number(value());
      if (!(args.timeout > 0)) fail(`--timeout must be a positive number of seconds, got ${argv[i]}`);
    } else if (a === '--out') args.out = resolve(value());
    else if (a === '--profile') {
      args.profile = value();
      if (args.profile !== 'quick' && args.profile !== 'medium' && args.profile !== 'paper') fail(`--profile must be quick, medium or paper, got ${args.profile}`);
    }
    else if (a === '--no-html') args.html = false;
    else if (a === '-h' || a === '--help') {
      console.log('usage: npx tsx scripts/run-notebooks.ts [--check-clean] [--timeout s] [--out dir] [--profile quick|medium|paper] [--no-html] [notebook.ipynb ...]');
      process.exit(0);
    } else if (a.startsWith('--')) fail(`unknown option ${a}`);
    else args.files.push(resolve(a));
  }
  if (args.files.length === 0) {
    const dir = join(ROOT, 'notebooks');
    args.files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort().map((f) => join(dir, f)) : [];
  }
  for (const f of args.files) if (!existsSync(f)) fail(`no such notebook: ${f}`);
  return args;
}

function fail(message: string): never {
  console.error(`run-notebooks: ${message}`);
  process.exit(2);
}

/** Environment of the jupyter processes: project-local kernels and data, quiet debugger, profile. */
function jupyterEnv(profile: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    JUPYTER_PATH: join(PREFIX, 'share', 'jupyter'),
    JUPYTER_DATA_DIR: join(PREFIX, 'share', 'jupyter'),
    JUPYTER_CONFIG_DIR: join(PREFIX, 'config'),
    JUPYTER_RUNTIME_DIR: join(PREFIX, 'runtime'),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
    EXACT_GN_PROFILE: profile,
    // One runs cache for every notebook (and the report), so figures that share runs train them once.
    EXACT_GN_RUNS_DIR: process.env.EXACT_GN_RUNS_DIR ?? join(ROOT, 'runs'),
  };
}

function checkSetup(env: NodeJS.ProcessEnv): void {
  if (!existsSync(JUPYTER)) fail(`${JUPYTER} is missing; run: bash scripts/setup-jupyter.sh`);
  const r = spawnSync(JUPYTER, ['kernelspec', 'list', '--json'], { env, encoding: 'utf8' });
  const specs = r.status === 0 ? (JSON.parse(r.stdout) as { kernelspecs?: Record<string, unknown> }).kernelspecs ?? {} : {};
  if (!(KERNEL_NAME in specs)) fail(`the ${KERNEL_NAME} kernel is not registered under ${PREFIX}; run: bash scripts/setup-jupyter.sh`);
  const dist = join(ROOT, 'dist', 'index.js');
  if (!existsSync(dist)) fail('dist/index.js is missing: notebooks import the built package; run: npx tsc -p tsconfig.build.json');
  const newest = newestMtime(join(ROOT, 'src'));
  if (newest > statSync(dist).mtimeMs) {
    console.warn('run-notebooks: warning: src/ has files newer than dist/index.js; rebuild with npx tsc -p tsconfig.build.json');
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function nbconvert(args: string[], env: NodeJS.ProcessEnv, cwd: string): { ok: boolean; log: string } {
  const r = spawnSync(JUPYTER, ['nbconvert', ...args], { env, cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
  return { ok: r.status === 0, log };
}

/** Runs one notebook; returns its problems (empty when it passed). */
function runOne(file: string, args: Args, env: NodeJS.ProcessEnv): string[] {
  const name = basename(file);
  const executed = join(args.out, name);
  const exec = nbconvert(
    [
      '--to', 'notebook', '--execute', file,
      '--output-dir', args.out,
      '--config', join(ROOT, 'scripts', 'nbconvert-config.py'),
      `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
      `--ExecutePreprocessor.timeout=${args.timeout}`,
      '--ExecutePreprocessor.startup_timeout=120',
    ],
    env,
    dirname(file),
  );
  if (!exec.ok || !existsSync(executed)) {
    const why = exceptionLine(exec.log);
    return [`nbconvert failed${locateCell(file, exec.log)}: ${why || `\n${tail(exec.log, 20)}`}`];
  }
  const nb = readNotebook(executed);
  const problems = executedProblems(nb);
  if (args.html) {
    const html = nbconvert(['--to', 'html', executed, '--output-dir', args.out], env, args.out);
    if (!html.ok) problems.push(`HTML export failed:\n${tail(html.log, 15)}`);
    // The untrusted view: scripts stripped, HTML sanitized. The figures must survive as images.
    const stem = basename(name, '.ipynb');
    const untrusted = nbconvert(['--to', 'html', executed, '--output-dir', args.out, '--output', `${stem}.untrusted`, '--HTMLExporter.sanitize_html=True'], env, args.out);
    const file = join(args.out, `${stem}.untrusted.html`);
    if (!untrusted.ok || !existsSync(file)) problems.push(`sanitized (untrusted) HTML export failed:\n${tail(untrusted.log, 15)}`);
    else problems.push(...untrustedHtmlProblems(readFileSync(file, 'utf8'), figureOutputCount(nb)).map((p) => `${relative(ROOT, file)}: ${p}`));
  }
  return problems;
}

/**
 * " in cell N (...)" when nbconvert's message quotes a cell: "the following cell:" (errors) or
 * "a preview of the cell contents:" (timeouts, as a Python list of lines), between dashed lines.
 */
function locateCell(file: string, log: string): string {
  const m = /(?:following cell|preview of the cell contents):\n-+\n([\s\S]*?)\n-+\n/.exec(log);
  if (m === null) return '';
  const first = ((m[1] as string).split('\n')[0] ?? '').replace(/^\[?['"]/, '').replace(/(\\n)?['"],?\]?$/, '').trim();
  if (first === '') return '';
  const nb = readNotebook(file);
  const i = nb.cells.findIndex((c) => c.cell_type === 'code' && (Array.isArray(c.source) ? c.source.join('') : c.source).includes(first));
  return i < 0 ? '' : ` in ${cellLabel(nb, i)}`;
}

/** The last exception line of a Python traceback (e.g. "nbclient.exceptions.CellTimeoutError: ..."). */
function exceptionLine(log: string): string {
  const lines = log.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^[\w.]+(Error|Exception|Timeout)\b[^:]*:/.test(lines[i] as string)) return lines.slice(i).join(' ').trim();
  }
  return '';
}

function tail(text: string, lines: number): string {
  return text.trim().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args.files.length === 0) fail('no notebooks found in notebooks/');
  let passed = 0;
  let failed = 0;
  if (args.checkClean) {
    for (const file of args.files) {
      const problems = cleanProblems(readNotebook(file));
      if (problems.length === 0) passed++;
      else {
        failed++;
        console.error(`FAIL ${relative(ROOT, file)} is not clean (clear outputs before committing, e.g. jupyter nbconvert --clear-output --inplace):\n${problems.map((p) => `    ${p}`).join('\n')}`);
      }
    }
    console.log(`notebooks clean: ${passed} passed, ${failed} failed`);
    const sync = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'notebooks.ts'), 'check'], { cwd: ROOT, stdio: 'inherit' });
    process.exit(failed === 0 && sync.status === 0 ? 0 : 1);
  }
  const env = jupyterEnv(args.profile);
  checkSetup(env);
  mkdirSync(args.out, { recursive: true });
  console.log(`run-notebooks: ${args.files.length} notebook(s), profile ${args.profile}, output ${relative(ROOT, args.out) || '.'}`);
  const start = Date.now();
  for (const file of args.files) {
    const t0 = Date.now();
    const problems = runOne(file, args, env);
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    if (problems.length === 0) {
      passed++;
      console.log(`ok   ${relative(ROOT, file)} (${seconds}s)`);
    } else {
      failed++;
      console.log(`FAIL ${relative(ROOT, file)} (${seconds}s)`);
      for (const p of problems) {
        const lines = p.split('\n');
        const shown = lines.slice(0, 25).join('\n      ');
        console.log(`  - ${shown}${lines.length > 25 ? `\n      ... (${lines.length - 25} more lines)` : ''}`);
      }
    }
  }
  console.log(`total ${((Date.now() - start) / 1000).toFixed(1)}s`);
  console.log(`notebooks: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main();

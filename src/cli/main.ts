/**
 * The `exact-gn` command line. Each command prints one line of result (or progress on stderr); a
 * bad argument or file exits non-zero with a one-line reason and writes nothing.
 */
import { createRequire } from 'node:module';
import { useBackend } from '../backend/index.js';
import { ExactGnError } from '../util/errors.js';
import { initCommand, stepCommand } from './model-commands.js';
import { formatHelp } from './help.js';

/** The package's version (package.json sits two folders up from src/cli and dist/cli). */
export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Commands that compute nothing, so their result line names no backend. */
const NO_BACKEND_LINE = new Set(['presets', 'data', 'plan']);

type Command = (argv: readonly string[]) => string | Promise<string>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  init: {
    run: initCommand,
    usage: 'exact-gn init --input-dim D --hidden H|none --blocks L --classes K [--no-bias] [--init-std S] [--seed N] --out FILE',
  },
  step: {
    run: stepCommand,
    usage:
      'exact-gn step --checkpoint IN --batch BATCH --optimizer gn|sgd|adam --lr X [--rule block|half-coupling] ' +
      '[--target ce-identity|ce-hessian|ce-damped|mse] [--pinv truncated|none|damped|transpose] [--rtol R] [--atol A] [--damping LAMBDA] --out OUT',
  },
};

/** Adds a command (used by the experiment and report layers). */
export function registerCommand(name: string, run: Command, usage: string): void {
  COMMANDS[name] = { run, usage };
}

function usage(): string {
  return [
    `exact-gn ${VERSION}: exact Gauss-Newton in reversible networks (Buffelli et al., NeurIPS 2024)`,
    'usage:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage}`),
    '  exact-gn --version',
    '`exact-gn COMMAND --help` describes every option of a command.',
    'backend: EXACT_GN_BACKEND=auto|tensorflow|webgpu|blas|wasm|cpu (default auto; every result line names the backend that ran)',
  ].join('\n');
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest[0] !== undefined && COMMANDS[rest[0]]) {
    process.stdout.write(`${formatHelp(rest[0], COMMANDS[rest[0]]!.usage)}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`exact-gn ${VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`exact-gn: unknown command ${JSON.stringify(name)}; commands are ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${formatHelp(name, cmd.usage)}\n`);
    return 0;
  }
  try {
    const backend = await useBackend();
    const out = await cmd.run(rest);
    // The result line names the backend that ran (stdout, so a failure stays one line on stderr).
    if (out) process.stdout.write(`${out}${NO_BACKEND_LINE.has(name) ? '' : ` [backend: ${backend.summary}]`}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ExactGnError) {
      process.stderr.write(`exact-gn ${name}: ${e.message.split('\n')[0]}\n`);
      return e.code === 'E_CONFIG' ? 2 : 1;
    }
    throw e;
  }
}

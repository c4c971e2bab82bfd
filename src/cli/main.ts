/**
 * The `exact-gn` command line. Each command prints one line of result (or progress on stderr); a
 * bad argument or file exits non-zero with a one-line reason and writes nothing.
 */
import { useBackend } from '../backend/index.js';
import { ExactGnError } from '../util/errors.js';
import { fileError } from '../io/fs-errors.js';
import { initCommand, stepCommand } from './model-commands.js';

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
  return ['usage:', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`), 'backend: EXACT_GN_BACKEND=auto|tensorflow|webgpu|wasm|cpu'].join('\n');
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`exact-gn: unknown command ${JSON.stringify(name)}; commands are ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help')) {
    process.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    await useBackend();
    const out = await cmd.run(rest);
    if (out) process.stdout.write(`${out}\n`);
    return 0;
  } catch (e) {
    // A file-system error that slipped past the library's own checks is still the user's disk,
    // not a bug: one line naming the path and what to do, like every FileError.
    const err = e instanceof ExactGnError ? e : asFileError(e);
    if (err instanceof ExactGnError) {
      process.stderr.write(`exact-gn ${name}: ${err.message.split('\n')[0]}\n`);
      return err.code === 'E_CONFIG' ? 2 : 1;
    }
    throw e;
  }
}

/** A Node.js system error with a path (ENOENT, ENOSPC, ...) as a FileError; anything else unchanged. */
function asFileError(e: unknown): unknown {
  const sys = e as NodeJS.ErrnoException | null;
  if (sys === null || typeof sys !== 'object' || typeof sys.code !== 'string' || typeof sys.path !== 'string') return e;
  const action = /^(open|read|stat|scandir|readdir)/.test(sys.syscall ?? '') && sys.code === 'ENOENT' ? 'read' : 'write';
  return fileError(e, sys.path, action);
}

#!/usr/bin/env node
// The exact-gn command line (built code in dist/; run `npm run build` after changing src/).
// When Dawn (WebGPU) may load, the command runs in a child process whose stderr is filtered:
// dawn.node prints its "... artificially reduced ..." limit warnings straight to file descriptor 2.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dawnMayLoad, StderrFilter } from '../dist/cli/stderr-filter.js';

const args = process.argv.slice(2);
const quick = args.length === 0 || ['--help', '-h', 'help', '--version', '-V', 'version'].includes(args[0]) || args.includes('--help');

if (process.env.EXACT_GN_STDERR_FILTERED !== '1' && !quick && dawnMayLoad(process.env)) {
  const env = { ...process.env, EXACT_GN_STDERR_FILTERED: '1' };
  // The child's stderr is a pipe: tell it whether ours is a terminal, so progress bars still redraw.
  if (process.stderr.isTTY) env.EXACT_GN_STDERR_COLUMNS = String(process.stderr.columns ?? 120);
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], { stdio: ['inherit', 'inherit', 'pipe'], env });
  const filter = new StderrFilter();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    const text = filter.push(chunk);
    if (text) process.stderr.write(text);
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('close', (code, signal) => {
    const rest = filter.end();
    if (rest) process.stderr.write(rest);
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  if (process.env.EXACT_GN_STDERR_COLUMNS) {
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    Object.defineProperty(process.stderr, 'columns', { value: Number(process.env.EXACT_GN_STDERR_COLUMNS) || 120, configurable: true });
  }
  const { main } = await import('../dist/cli/main.js');
  await import('../dist/cli/commands.js');
  main(args).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`exact-gn: internal error: ${err && err.stack ? err.stack : err}\n`);
      process.exit(70);
    },
  );
}

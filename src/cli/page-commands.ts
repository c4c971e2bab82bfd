/** `exact-gn page --out DIR`: the lecture page (src/page/build.ts). */
import { buildPage } from '../page/build.js';
import { ConfigError } from '../util/errors.js';
import { registerCommand } from './main.js';
import { numberFlag, parseArgs, stringFlag } from './args.js';

async function pageCommand(argv: readonly string[]): Promise<string> {
  const p = parseArgs(argv, { out: { type: 'string', required: true }, train: { type: 'string' }, test: { type: 'string' } }, 'page');
  if (p.positionals.length > 0) throw new ConfigError('page', `unexpected argument ${JSON.stringify(p.positionals[0])}; usage: exact-gn page --out DIR [--train N] [--test N]`);
  const res = await buildPage({
    out: stringFlag(p, 'out')!,
    ...(p.flags.train !== undefined ? { trainImages: numberFlag(p, 'train', { integer: true, min: 1 })! } : {}),
    ...(p.flags.test !== undefined ? { testImages: numberFlag(p, 'test', { integer: true, min: 1 })! } : {}),
  });
  const mb = (res.totalBytes / 2 ** 20).toFixed(1);
  return `page: ${res.index} (${res.files.length} files, ${mb} MiB, ${res.bundle} bundle); open it in a browser (file:// works): add ?backend=webgpu|wasm&preset=h512|h2048`;
}

registerCommand('page', pageCommand, 'exact-gn page --out DIR [--train N] [--test N]   (the lecture page: a static site, exact GN live in the browser)');

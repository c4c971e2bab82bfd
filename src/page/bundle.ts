/**
 * Bundles the lecture page's browser code (src/page/browser/app.ts and the library modules it
 * imports) into one minified app.js with esbuild, the tfjs wasm binaries inlined as base64. Runs at
 * `npm run build` (scripts/build-page.ts writes dist/page/app.js, which the published package
 * ships) and on demand in a source checkout (src/page/build.ts). The bundle must not pull in a Node
 * builtin: the build fails naming the module that did.
 *
 * @example
 * const { bytes } = await bundlePageApp('dist/page/app.js');
 */
import { existsSync, mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExactGnError } from '../util/errors.js';

/** The browser entry point, when this package has its sources (a checkout, not an installed package). */
export function pageEntry(): string | null {
  const entry = fileURLToPath(new URL('../../src/page/browser/app.ts', import.meta.url));
  return existsSync(entry) ? entry : null;
}

/** Where `npm run build` puts the prebuilt bundle (shipped in the package's dist/). */
export function prebuiltBundlePath(): string {
  return fileURLToPath(new URL('../../dist/page/app.js', import.meta.url));
}

interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<{ outputFiles?: { text: string; contents: Uint8Array }[]; metafile?: { inputs: Record<string, unknown> } }>;
}

/** Bundles app.js into `outFile`; returns its size and the modules it contains. */
export async function bundlePageApp(outFile: string): Promise<{ bytes: number; inputs: string[] }> {
  const entry = pageEntry();
  if (!entry) throw new ExactGnError('E_PAGE', 'the page sources (src/page/browser/app.ts) are not in this package; use the prebuilt dist/page/app.js');
  let esbuild: EsbuildLike;
  try {
    const name = 'esbuild'; // a devDependency: only a source checkout bundles
    esbuild = (await import(name)) as EsbuildLike;
  } catch (e) {
    throw new ExactGnError('E_PAGE', `esbuild is not installed (${(e as Error).message.split('\n')[0]}); run npm ci in the checkout`);
  }
  let result: Awaited<ReturnType<EsbuildLike['build']>>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: ['chrome113', 'firefox121', 'safari17'],
      minify: true,
      legalComments: 'eof',
      loader: { '.wasm': 'base64' },
      metafile: true,
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
    });
  } catch (e) {
    // esbuild's message lists each error with file and line (e.g. a Node builtin the browser cannot resolve).
    throw new ExactGnError('E_PAGE', `bundling the page failed: ${(e as Error).message.split('\n').slice(0, 4).join(' ')}`);
  }
  const out = result.outputFiles?.[0];
  if (!out) throw new ExactGnError('E_PAGE', 'esbuild produced no output for the page bundle');
  const inputs = Object.keys(result.metafile?.inputs ?? {});
  const builtin = inputs.find((p) => p.startsWith('node:') || /(^|\/)(fs|path|os|crypto|module|url|zlib|child_process)$/.test(p));
  if (builtin) throw new ExactGnError('E_PAGE', `the page bundle pulls in the Node builtin ${builtin}: a library module the page imports must not`);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileAtomic(outFile, out.contents);
  return { bytes: out.contents.length, inputs };
}

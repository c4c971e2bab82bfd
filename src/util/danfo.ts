/**
 * danfojs-node, the optional DataFrame library: an optional peer dependency of exact-gn (its own
 * install fetches `xlsx` from a CDN and builds `@tensorflow/tfjs-node`, so it is never pulled in
 * for you). Loaded on first use; when it is missing, the error says how to install it.
 */
import { ExactGnError } from './errors.js';

/** The version exact-gn is tested with. */
export const DANFOJS_VERSION = '1.2.0';

/**
 * What to add to a project to get DataFrames: the package plus the overrides that make it install
 * from the npm registry alone, on exact-gn's tfjs (no CDN, no libtensorflow download).
 */
export const DANFOJS_INSTALL =
  `npm install danfojs-node@${DANFOJS_VERSION}, with this in your package.json first: ` +
  '"overrides": { "danfojs-node": { "xlsx": "0.18.5", "@tensorflow/tfjs-node": "npm:@tensorflow/tfjs@4.22.0" } }';

/** danfojs-node is not installed (or failed to load). */
export class MissingPackageError extends ExactGnError {
  readonly packageName: string;
  constructor(packageName: string, message: string) {
    super('E_MISSING_PACKAGE', message);
    this.packageName = packageName;
  }
}

type Danfo = typeof import('danfojs-node');
let loaded: Promise<Danfo> | null = null;

/**
 * Imports danfojs-node once; throws a MissingPackageError naming the install command when it is
 * not installed. Every DataFrame helper of the library goes through here.
 *
 * @example
 * const { DataFrame } = await loadDanfo();
 */
export function loadDanfo(what = 'DataFrames'): Promise<Danfo> {
  loaded ??= import('danfojs-node').catch((e: unknown) => {
    loaded = null;
    const err = e as NodeJS.ErrnoException;
    const missing = err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND';
    const first = String(err.message ?? e).split('\n')[0];
    throw new MissingPackageError(
      'danfojs-node',
      `${what} need the optional package danfojs-node, which ${missing ? 'is not installed' : `failed to load (${first})`}. ` +
        `Install it: ${DANFOJS_INSTALL}. Plain rows need nothing (resultsRows, widenRows).`,
    );
  });
  return loaded;
}

/**
 * What every environment shares about backends, free of Node builtins (the Node picker in ./index.ts
 * and the browser picker of the lecture page, src/page/browser/backend.ts, both build on it):
 * the tfjs module, the loader registry, and the loop that tries candidates best first and reports
 * what was chosen and why the better ones were skipped.
 *
 * @example
 * import { registerBackendLoader, selectBackend } from './core.js';
 * registerBackendLoader('cpu', async () => '');
 * const info = await selectBackend('auto', ['webgpu', 'wasm', 'cpu']);
 * console.log(info.summary); // e.g. "wasm (SIMD, 1 thread)"
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { BackendError } from '../util/errors.js';

export { tf };

/** Names accepted by `useBackend` (Node) and the page's backend picker. */
export type BackendName = 'auto' | 'tensorflow' | 'webgpu' | 'blas' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow', 'webgpu', 'blas', 'wasm', 'cpu'];

/** What was chosen, and why the better ones were not. */
export interface BackendInfo {
  /** tfjs backend name now active (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  readonly name: string;
  /** What was asked for (after the environment override). */
  readonly requested: BackendName;
  /** One human-readable line: backend plus details (adapter, SIMD, threads). */
  readonly summary: string;
  /** Reasons the better candidates were skipped (empty when the first choice worked). */
  readonly skipped: readonly string[];
}

/** Loads a backend's code and resolves to a detail string for the summary; throws a reason. */
export type BackendLoader = () => Promise<string>;
type Concrete = Exclude<BackendName, 'auto'>;
const loaders: Partial<Record<Concrete, BackendLoader>> = {};
let current: BackendInfo | null = null;

/** The backend chosen by the last selection, or null before any. */
export function backendInfo(): BackendInfo | null {
  return current;
}

/** Registers (or replaces) the loader of a backend. */
export function registerBackendLoader(name: Concrete, loader: BackendLoader): void {
  loaders[name] = loader;
}

/**
 * Activates `requested` (or, for `auto`, the first of `order` that loads) and returns what was
 * chosen. A named backend that cannot load throws a BackendError saying why.
 */
export async function selectBackend(requested: BackendName, order: readonly Concrete[], source = ''): Promise<BackendInfo> {
  if (!BACKEND_NAMES.includes(requested)) {
    throw new BackendError(`unknown backend ${JSON.stringify(requested)}${source}; use one of ${BACKEND_NAMES.join(', ')}`);
  }
  if (current && (current.requested === requested || current.name === requested) && tf.getBackend() === current.name) {
    return current;
  }
  const candidates: readonly Concrete[] = requested === 'auto' ? order : [requested];
  const skipped: string[] = [];
  for (const candidate of candidates) {
    const loader = loaders[candidate];
    if (!loader) {
      skipped.push(`${candidate}: not available in this build`);
      continue;
    }
    let detail: string;
    try {
      detail = await loader();
      const ok = await tf.setBackend(candidate);
      if (!ok) throw new Error('tf.setBackend returned false');
      await tf.ready();
    } catch (e) {
      skipped.push(`${candidate}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
      continue;
    }
    current = { name: tf.getBackend(), requested, summary: describe(candidate, detail), skipped };
    return current;
  }
  throw new BackendError(`could not load backend ${JSON.stringify(requested)}: ${skipped.join('; ')}`);
}

function describe(name: string, detail: string): string {
  if (name === 'wasm') {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    return `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : '1 thread'})`;
  }
  return detail ? `${name} (${detail})` : name;
}

/**
 * `tf.tidy` for results typed as interfaces (Params, traces): tensors anywhere inside the returned
 * object or array are kept, every other tensor made inside `fn` is disposed.
 */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as unknown as T;
}

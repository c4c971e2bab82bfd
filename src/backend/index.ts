/**
 * Picks the TensorFlow.js backend at run time, best first:
 *   native `tensorflow` (tfjs-node / tfjs-node-gpu, only when the user installed the real package)
 *   -> `webgpu` (npm `webgpu` (Dawn) + `@tensorflow/tfjs-backend-webgpu`, when installed and an
 *      adapter exists) -> `blas` (cpu kernels + OpenBLAS matmuls, when the optional addon in native/
 *      is built: bash scripts/build-native.sh) -> `wasm` (SIMD, the CPU default) -> `cpu`.
 * `EXACT_GN_BACKEND` overrides the requested name. Whatever is chosen is reported.
 *
 * @example
 * import { useBackend } from 'exact-gn';
 * const info = await useBackend();      // 'auto', or EXACT_GN_BACKEND
 * console.log(info.summary);            // e.g. "wasm (SIMD, 1 thread)"
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import { BackendError } from '../util/errors.js';
import { loadBlasBackend } from './blas.js';

export { tf };

/** Names accepted by {@link useBackend}. */
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

const require = createRequire(import.meta.url);
let current: BackendInfo | null = null;

/** The backend chosen by the last {@link useBackend} call, or null before any. */
export function backendInfo(): BackendInfo | null {
  return current;
}

/** Extra backend loaders (the WebGPU module registers itself here), tried in `auto` order. */
type Loader = () => Promise<string>; // resolves to a detail string, throws a reason
const loaders: Partial<Record<Exclude<BackendName, 'auto'>, Loader>> = {};

/** Registers a loader for a backend (used by optional backend modules such as WebGPU). */
export function registerBackendLoader(name: Exclude<BackendName, 'auto'>, loader: Loader): void {
  loaders[name] = loader;
}

/** True when the module resolves to a package whose own package.json carries that exact name. */
function realPackage(name: string): boolean {
  try {
    const pkg = require(`${name}/package.json`) as { name?: string };
    return pkg.name === name;
  } catch {
    return false;
  }
}

loaders.tensorflow = async () => {
  // danfojs-node's dependency on tfjs-node is aliased to plain tfjs in this project, so resolving
  // the name is not enough: the package must really be tfjs-node (or -gpu).
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    if (!realPackage(name)) continue;
    try {
      require(name);
    } catch (e) {
      throw new Error(`${name} is installed but failed to load: ${(e as Error).message.split('\n')[0]}`);
    }
    return name;
  }
  throw new Error('@tensorflow/tfjs-node is not installed (optional; see README)');
};

// Dawn + tfjs-backend-webgpu, imported only when `webgpu` is tried (see ./webgpu.ts for env knobs).
loaders.webgpu = async () => (await import('./webgpu.js')).loadWebGpu();

loaders.wasm = async () => {
  await import('@tensorflow/tfjs-backend-wasm');
  return '';
};

registerBackendLoader('blas', loadBlasBackend); // OpenBLAS addon (native/, optional): throws why when not built

loaders.cpu = async () => '';

/**
 * Activates a tfjs backend and returns what was chosen. `auto` tries tensorflow, webgpu, blas, wasm, cpu
 * in that order; a named backend that cannot load throws a BackendError saying why.
 */
export async function useBackend(name?: BackendName | string): Promise<BackendInfo> {
  const env = process.env.EXACT_GN_BACKEND;
  const requested = (env !== undefined && env !== '' ? env : name ?? 'auto') as BackendName;
  if (!BACKEND_NAMES.includes(requested)) {
    throw new BackendError(
      `unknown backend ${JSON.stringify(requested)}${env ? ' (from EXACT_GN_BACKEND)' : ''}; use one of ${BACKEND_NAMES.join(', ')}`,
    );
  }
  if (current && (current.requested === requested || current.name === requested) && tf.getBackend() === current.name) {
    return current;
  }
  const order: Exclude<BackendName, 'auto'>[] =
    requested === 'auto' ? ['tensorflow', 'webgpu', 'blas', 'wasm', 'cpu'] : [requested];
  const skipped: string[] = [];
  for (const candidate of order) {
    const loader = loaders[candidate];
    if (!loader) {
      skipped.push(`${candidate}: not available in this build (import 'exact-gn/webgpu' or install its packages)`);
      continue;
    }
    let detail: string;
    try {
      detail = await loader();
      const ok = await tf.setBackend(candidate);
      if (!ok) throw new Error('tf.setBackend returned false');
      await tf.ready();
    } catch (e) {
      skipped.push(`${candidate}: ${(e as Error).message.split('\n')[0]}`);
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

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
import { createRequire } from 'node:module';
import { envVar } from '../util/env.js';
import { registerBackendLoader, selectBackend, type BackendInfo, type BackendName } from './core.js';
import { loadBlasBackend } from './blas.js';

export { tf, tidy, backendInfo, registerBackendLoader, BACKEND_NAMES } from './core.js';
export type { BackendInfo, BackendName, BackendLoader } from './core.js';

const require = createRequire(import.meta.url);

/** True when the module resolves to a package whose own package.json carries that exact name. */
function realPackage(name: string): boolean {
  try {
    const pkg = require(`${name}/package.json`) as { name?: string };
    return pkg.name === name;
  } catch {
    return false;
  }
}

registerBackendLoader('tensorflow', async () => {
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
});

// Dawn + tfjs-backend-webgpu, imported only when `webgpu` is tried (see ./webgpu.ts for env knobs).
registerBackendLoader('webgpu', async () => (await import('./webgpu.js')).loadWebGpu());

registerBackendLoader('wasm', async () => {
  await import('@tensorflow/tfjs-backend-wasm');
  return '';
});

registerBackendLoader('blas', loadBlasBackend); // OpenBLAS addon (native/, optional): throws why when not built

registerBackendLoader('cpu', async () => '');

/** The order `auto` tries in Node, best first. */
const NODE_ORDER = ['tensorflow', 'webgpu', 'blas', 'wasm', 'cpu'] as const;

/**
 * Activates a tfjs backend and returns what was chosen. `auto` tries tensorflow, webgpu, blas, wasm, cpu
 * in that order; a named backend that cannot load throws a BackendError saying why.
 */
export async function useBackend(name?: BackendName | string): Promise<BackendInfo> {
  const env = envVar('EXACT_GN_BACKEND');
  const requested = (env !== undefined && env !== '' ? env : name ?? 'auto') as BackendName;
  return selectBackend(requested, NODE_ORDER, env ? ' (from EXACT_GN_BACKEND)' : '');
}

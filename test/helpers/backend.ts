// Every test file calls this once: it activates the backend under test (EXACT_GN_BACKEND, default
// wasm) so the same suite runs on wasm and on cpu.
import { useBackend, type BackendInfo } from '../../src/backend/index.js';

export async function setupBackend(): Promise<BackendInfo> {
  return useBackend(process.env.EXACT_GN_BACKEND ?? 'wasm');
}

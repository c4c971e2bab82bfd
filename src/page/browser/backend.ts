/**
 * The lecture page's backend picker: the browser counterpart of src/backend/index.ts, on the same
 * selection loop (src/backend/core.ts). `auto` tries, best first:
 *   webgpu  the browser's own WebGPU (the laptop's GPU), through @tensorflow/tfjs-backend-webgpu;
 *           as in Node, a software adapter (SwiftShader, a fallback adapter) is refused unless
 *           asked for by name (?backend=webgpu): it is slower than wasm;
 *   wasm    @tensorflow/tfjs-backend-wasm with its binaries inlined into the bundle as base64 and
 *           handed over as blob: URLs, so the page works from file:// (where fetch() is refused)
 *           and from any static host alike; single-threaded (threads need cross-origin isolation,
 *           which neither file:// nor a plain static host gives);
 *   cpu     plain JavaScript.
 * The float64 host solves (src/linalg) run in pure TypeScript here: the native addon is Node-only.
 */
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';
import { registerBackendLoader, selectBackend, tf, type BackendInfo, type BackendName } from '../../backend/core.js';
import { base64ToBytes } from '../../util/base64.js';

/** The order `auto` tries in a browser. */
export const BROWSER_ORDER = ['webgpu', 'wasm', 'cpu'] as const;
export type BrowserBackend = 'auto' | (typeof BROWSER_ORDER)[number];

/** What the page reports about the WebGPU adapter (null before webgpu was tried). */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  description: string;
  software: boolean;
}
let adapterReport: AdapterReport | null = null;

/** The adapter found by the last webgpu attempt. */
export function webgpuAdapter(): AdapterReport | null {
  return adapterReport;
}

// Minimal structural types of the WebGPU entry points used (TypeScript's DOM library has none).
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/i;

function webgpuLoader(allowSoftware: boolean): () => Promise<string> {
  return async () => {
    const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
    if (!gpu) {
      throw new Error(
        window.isSecureContext
          ? 'this browser has no WebGPU (navigator.gpu is missing: use a recent Chrome, Edge or Safari, or enable WebGPU in its flags)'
          : 'WebGPU needs a secure context: open the page from file:// or https:// (or http://localhost)',
      );
    }
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('the browser offers no WebGPU adapter (navigator.gpu.requestAdapter() returned null: no usable GPU or driver)');
    const info = adapter.info ?? {};
    const text = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ');
    const software = adapter.isFallbackAdapter === true || (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || SOFTWARE.test(text);
    adapterReport = { vendor: info.vendor ?? '', architecture: info.architecture ?? '', description: info.description ?? '', software };
    if (software && !allowSoftware) {
      throw new Error(`the only WebGPU adapter is a software one (${text || 'fallback adapter'}), slower than wasm; ask for it with ?backend=webgpu`);
    }
    return `${text || 'unnamed adapter'}${software ? '; software' : ''}`;
  };
}

let wasmPathsSet = false;

async function wasmLoader(): Promise<string> {
  if (!wasmPathsSet) {
    // Threads would need SharedArrayBuffer (cross-origin isolation): off, so the threaded binary is never asked for.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const url = (b64: string, name: string): string => URL.createObjectURL(new Blob([base64ToBytes(b64, name)], { type: 'application/wasm' }));
    const simd = url(wasmSimd, 'tfjs-backend-wasm-simd.wasm');
    setWasmPaths({
      'tfjs-backend-wasm.wasm': url(wasmPlain, 'tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': simd,
      'tfjs-backend-wasm-threaded-simd.wasm': simd, // never chosen: threads are off
    });
    wasmPathsSet = true;
  }
  return '';
}

/**
 * Activates the page's backend: `requested` (from ?backend=...) or `auto`.
 *
 * @example
 * const info = await useBrowserBackend(new URLSearchParams(location.search).get('backend') ?? 'auto');
 * console.log(info.summary); // "webgpu (nvidia ampere ...)" or "wasm (SIMD, 1 thread)"
 */
export async function useBrowserBackend(requested: string): Promise<BackendInfo> {
  const name = requested as BackendName;
  registerBackendLoader('webgpu', webgpuLoader(name === 'webgpu'));
  registerBackendLoader('wasm', wasmLoader);
  registerBackendLoader('cpu', async () => '');
  if (name !== 'auto' && !(BROWSER_ORDER as readonly string[]).includes(name)) {
    throw new Error(`unknown backend ${JSON.stringify(requested)} in the page address; use one of auto, ${BROWSER_ORDER.join(', ')}`);
  }
  return selectBackend(name, BROWSER_ORDER, ' (from the page address)');
}

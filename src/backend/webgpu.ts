/**
 * The `webgpu` backend in Node: Dawn (npm `webgpu`, a prebuilt `dawn.node`) provides
 * `navigator.gpu`, then `@tensorflow/tfjs-backend-webgpu` registers itself on top of it.
 * src/backend/index.ts imports this module lazily (only when `webgpu` is tried), so plain users
 * never load Dawn.
 *
 * Adapter choice (first that yields a usable adapter wins):
 *   - `EXACT_GN_WEBGPU_FLAGS`: Dawn flags, separated by spaces (e.g. `backend=opengl
 *     enable-dawn-features=...`), used as given (one candidate);
 *   - `EXACT_GN_WEBGPU_BACKEND`: comma list of Dawn backends (`vulkan`, `opengl`, `opengles`,
 *     `default`), tried in order; the GL ones are requested with `featureLevel: "compatibility"`;
 *   - neither: only when a GPU device node exists (/dev/nvidia*, /dev/dri, /dev/dxg), the platform
 *     default (Vulkan on Linux, when libvulkan.so.1 exists), then `opengl` (when libEGL.so does).
 * Software adapters (llvmpipe, lavapipe, SwiftShader) are refused unless the adapter was asked
 * for explicitly (either variable above) or `EXACT_GN_WEBGPU_SOFTWARE=1`: a software GPU is
 * slower than wasm, so `auto` falls through to wasm (in ~1 ms without a GPU: Dawn is not even
 * loaded). For headless GL, EGL_PLATFORM is set to `surfaceless` when unset and no display exists.
 * `EXACT_GN_WEBGPU_CPU_FORWARD=0` makes every op run on the GPU (tfjs otherwise runs small ops
 * whose inputs are on the host on the CPU).
 *
 * Node has no OffscreenCanvas, so tfjs-backend-webgpu's `dataSync()` cannot work as shipped. It is
 * replaced by a synchronous readback: copy to a staging buffer, `mapAsync`, then drive Dawn's
 * event processing by hand until the map completes (dawn.node schedules that processing with
 * `globalThis.setImmediate`, which this module wraps). `data()` (async) works unchanged.
 *
 * @example
 * import { useBackend } from 'exact-gn';
 * // EXACT_GN_WEBGPU_BACKEND=opengl EXACT_GN_BACKEND=webgpu node app.js   (software GL, CI)
 * const info = await useBackend('webgpu');
 * console.log(info.summary); // "webgpu (opengl compatibility: llvmpipe ... Mesa 22.3.6; software)"
 */
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tf, registerBackendLoader } from './index.js';
import { gpuDevicePresent } from './devices.js';

/** One way of asking Dawn for an adapter. */
export interface WebGpuCandidate {
  /** Short name for reports: the Dawn backend (`vulkan`, `opengl`, ...), `default` or `flags`. */
  readonly label: string;
  /** Flags for the `webgpu` package's `create()`. */
  readonly flags: readonly string[];
  /** WebGPU feature level requested (`compatibility` for Dawn's GL backends). */
  readonly featureLevel: 'core' | 'compatibility';
  /** Accept a software adapter from this candidate. */
  readonly allowSoftware: boolean;
}

/** The adapter the backend runs on. */
export interface WebGpuAdapterReport {
  /** Candidate label that produced it. */
  readonly backend: string;
  readonly featureLevel: 'core' | 'compatibility';
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** True for CPU renderers (llvmpipe, lavapipe, SwiftShader). */
  readonly software: boolean;
  /** One line: backend, feature level, vendor/architecture/device, description. */
  readonly summary: string;
}

/** Where the adapter search looks; defaults come from the environment. */
export interface WebGpuOptions {
  /** Dawn flags, one candidate (EXACT_GN_WEBGPU_FLAGS). */
  flags: readonly string[] | null;
  /** Dawn backends to try in order (EXACT_GN_WEBGPU_BACKEND). */
  backends: readonly string[] | null;
  /** Accept software adapters even from the default candidates (EXACT_GN_WEBGPU_SOFTWARE=1). */
  allowSoftware: boolean;
  /** Give up on one requestAdapter call after this long. */
  timeoutMs: number;
}

// ---------------------------------------------------------------------------------------------
// Minimal structural types for the parts of Dawn and tfjs-backend-webgpu used here (their own
// typings pull the WebGPU DOM types into the whole program, so the modules are imported untyped).

interface DawnAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface DawnAdapter {
  readonly info?: DawnAdapterInfo;
  readonly isFallbackAdapter?: boolean;
}
interface DawnGpu {
  requestAdapter(options?: Record<string, unknown>): Promise<DawnAdapter | null>;
}
interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}
interface StagingBuffer {
  readonly size: number;
  readonly mapState: 'unmapped' | 'pending' | 'mapped';
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}
interface TensorData {
  values: tf.backend_util.BackendValues | null;
  dtype: tf.DataType;
  resource: StagingBuffer | null;
  complexTensorInfos?: { real: { dataId: object }; imag: { dataId: object } };
}
interface WebGpuBackendLike {
  tensorMap: { get(dataId: object): TensorData };
  bufferManager: { acquireBuffer(size: number, usage: number): StagingBuffer; releaseBuffer(b: StagingBuffer): void };
  commandEncoder: { copyBufferToBuffer(src: StagingBuffer, so: number, dst: StagingBuffer, dO: number, size: number): void };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: tf.backend_util.BackendValues): tf.backend_util.BackendValues;
  readSync(dataId: object): tf.backend_util.BackendValues;
}

// ---------------------------------------------------------------------------------------------
// Configuration.

const GL_BACKENDS = new Set(['opengl', 'opengles']);
const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software/i;

/** Splits EXACT_GN_WEBGPU_FLAGS-style text into flags. */
function splitList(text: string | undefined, sep: RegExp): string[] | null {
  const items = (text ?? '').split(sep).map((s) => s.trim()).filter((s) => s !== '');
  return items.length > 0 ? items : null;
}

/**
 * Options from the environment, overridden by `input`.
 *
 * @example
 * const o = webgpuOptions({ backends: ['vulkan', 'opengl'] }); // env flags still apply
 */
export function webgpuOptions(input: Partial<WebGpuOptions> = {}): WebGpuOptions {
  const env = process.env;
  return {
    flags: splitList(env.EXACT_GN_WEBGPU_FLAGS, /\s+/),
    backends: splitList(env.EXACT_GN_WEBGPU_BACKEND, /[\s,]+/),
    allowSoftware: env.EXACT_GN_WEBGPU_SOFTWARE === '1',
    timeoutMs: 20_000,
    ...input,
  };
}

function backendFlag(flags: readonly string[]): string | null {
  const f = flags.find((s) => s.startsWith('backend='));
  return f === undefined ? null : f.slice('backend='.length);
}

/**
 * True when the dynamic loader can find `file` (LD_LIBRARY_PATH, then /etc/ld.so.cache), checked
 * without loading it: Dawn prints a warning for every library it fails to open.
 *
 * @example
 * sharedLibraryPresent('libvulkan.so.1'); // false on a machine without the Vulkan loader
 */
export function sharedLibraryPresent(file: string): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== '');
  if (dirs.some((d) => existsSync(`${d}/${file}`))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes(`${file}\0`);
  } catch {
    return ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib'].some((d) => existsSync(`${d}/${file}`));
  }
}

export { gpuDevicePresent }; // in ./devices.ts (no tfjs import: the CLI asks it before loading tfjs)

/**
 * The adapter requests to try, in order, with the reasons some defaults were left out.
 *
 * @example
 * const { candidates } = webgpuCandidates(webgpuOptions({ backends: ['opengl'] }));
 * // [{ label: 'opengl', flags: ['backend=opengl'], featureLevel: 'compatibility', allowSoftware: true }]
 */
export function webgpuCandidates(o: WebGpuOptions): { candidates: WebGpuCandidate[]; skipped: string[] } {
  const level = (backend: string | null): 'core' | 'compatibility' =>
    backend !== null && GL_BACKENDS.has(backend) ? 'compatibility' : 'core';
  if (o.flags) {
    const extra = o.backends && backendFlag(o.flags) === null ? [`backend=${o.backends[0]}`] : [];
    const flags = [...o.flags, ...extra];
    return { candidates: [{ label: backendFlag(flags) ?? 'flags', flags, featureLevel: level(backendFlag(flags)), allowSoftware: true }], skipped: [] };
  }
  if (o.backends) {
    const candidates = o.backends.map((b) => ({
      label: b,
      flags: b === 'default' ? [] : [`backend=${b}`],
      featureLevel: level(b),
      allowSoftware: true,
    }));
    return { candidates, skipped: [] };
  }
  if (!o.allowSoftware && !gpuDevicePresent()) {
    return { candidates: [], skipped: ['no GPU device (/dev/dri, /dev/nvidia*, /dev/dxg); set EXACT_GN_WEBGPU_BACKEND to try anyway'] };
  }
  const skipped: string[] = [];
  const candidates: WebGpuCandidate[] = [];
  // The platform default backend: Vulkan on Linux (Metal, D3D12 elsewhere).
  const label = process.platform === 'linux' ? 'vulkan' : 'default';
  if (sharedLibraryPresent('libvulkan.so.1')) candidates.push({ label, flags: [], featureLevel: 'core', allowSoftware: o.allowSoftware });
  else skipped.push('vulkan: libvulkan.so.1 not found (install libvulkan1 and the GPU driver)');
  if (sharedLibraryPresent('libEGL.so')) candidates.push({ label: 'opengl', flags: ['backend=opengl'], featureLevel: 'compatibility', allowSoftware: o.allowSoftware });
  else skipped.push('opengl: libEGL.so not found (install libegl1 and libegl-dev)');
  return { candidates, skipped };
}

// ---------------------------------------------------------------------------------------------
// Dawn: loading, adapter search.

let dawn: DawnModule | null = null;
/** The Dawn instance in use: kept referenced for the life of the process (dawn.node requires it). */
let chosenGpu: DawnGpu | null = null;
let chosen: WebGpuAdapterReport | null = null;

async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  const name = 'webgpu'; // a variable: keeps the package's DOM typings out of the program
  let mod: DawnModule;
  try {
    mod = (await import(name)) as DawnModule;
  } catch (e) {
    throw new Error(`npm package "webgpu" (Dawn) is not installed or failed to load: ${firstLine(e)}`);
  }
  for (const [key, value] of Object.entries(mod.globals)) {
    if (!(key in globalThis)) Object.defineProperty(globalThis, key, { value, writable: true, configurable: true });
  }
  hookSetImmediate();
  dawn = mod;
  return mod;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, expiry]).finally(() => clearTimeout(timer));
}

function report(c: WebGpuCandidate, a: DawnAdapter): WebGpuAdapterReport {
  const info = a.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  const software = info.isFallbackAdapter === true || a.isFallbackAdapter === true || SOFTWARE.test(`${vendor} ${device} ${description}`);
  const who = [vendor, architecture, device].filter((s) => s !== '').join(' ') || 'unknown adapter';
  const summary = `${c.label} ${c.featureLevel}: ${who}${description ? `, ${description}` : ''}${software ? '; software' : ''}`;
  return { backend: c.label, featureLevel: c.featureLevel, vendor, architecture, device, description, software, summary };
}

async function tryCandidate(mod: DawnModule, c: WebGpuCandidate, o: WebGpuOptions): Promise<{ gpu: DawnGpu; adapter: WebGpuAdapterReport }> {
  const gl = backendFlag(c.flags);
  if (gl !== null && GL_BACKENDS.has(gl) && !process.env.EGL_PLATFORM && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    process.env.EGL_PLATFORM = 'surfaceless'; // headless Mesa/NVIDIA EGL
  }
  const gpu = mod.create([...c.flags]);
  const adapter = await withTimeout(
    gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel: c.featureLevel }),
    o.timeoutMs,
    'requestAdapter',
  );
  if (!adapter) throw new Error('no adapter');
  const r = report(c, adapter);
  if (r.device === 'null-backend') throw new Error('only the null backend (no computation) is available');
  if (r.software && !c.allowSoftware) {
    throw new Error(`only a software adapter (${r.device || r.description}); set EXACT_GN_WEBGPU_BACKEND=${c.label} to use it anyway`);
  }
  return { gpu, adapter: r };
}

/**
 * Finds an adapter without activating anything (used by `loadWebGpu` and scripts/setup-webgpu.sh).
 * Throws an Error listing why each candidate failed.
 *
 * @example
 * const a = await findWebGpuAdapter(webgpuOptions({ backends: ['opengl'] }));
 * console.log(a.summary);
 */
export async function findWebGpuAdapter(o: WebGpuOptions = webgpuOptions()): Promise<WebGpuAdapterReport> {
  const found = await search(o);
  return found.adapter;
}

async function search(o: WebGpuOptions): Promise<{ gpu: DawnGpu; adapter: WebGpuAdapterReport; candidate: WebGpuCandidate }> {
  const { candidates, skipped } = webgpuCandidates(o);
  const reasons = [...skipped];
  const mod = candidates.length > 0 ? await loadDawn() : null; // dawn.node is 21 MB: load it only to use it
  for (const c of candidates) {
    try {
      return { ...(await tryCandidate(mod!, c, o)), candidate: c };
    } catch (e) {
      reasons.push(`${c.label}: ${firstLine(e)}`);
    }
  }
  throw new Error(`no WebGPU adapter (${reasons.join('; ')})`);
}

/**
 * The adapter in use, or null before a successful {@link loadWebGpu}.
 *
 * @example
 * await useBackend('webgpu');
 * console.log(webgpuAdapter()?.device); // e.g. "NVIDIA H200"
 */
export function webgpuAdapter(): WebGpuAdapterReport | null {
  return chosen;
}

// ---------------------------------------------------------------------------------------------
// navigator.gpu and the tfjs backend.

let candidateInUse: WebGpuCandidate | null = null;

/** tfjs-backend-webgpu asks `navigator.gpu` for an adapter with its own options: answer with ours. */
function installNavigator(gpu: DawnGpu, c: WebGpuCandidate): void {
  const shim = {
    requestAdapter: (opts: Record<string, unknown> = {}) =>
      gpu.requestAdapter({ ...opts, powerPreference: 'high-performance', featureLevel: c.featureLevel }),
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: new Set<string>(),
  };
  const g = globalThis as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: shim, configurable: true, writable: true });
  else {
    const nav = { gpu: shim, userAgent: `Node.js/${process.versions.node.split('.')[0]}` };
    Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
  }
}

let backendModule: { WebGPUBackend: { prototype: WebGpuBackendLike } } | null = null;

async function loadTfjsWebGpu(): Promise<void> {
  if (backendModule) return;
  const name = '@tensorflow/tfjs-backend-webgpu';
  let mod: Record<string, unknown>;
  try {
    mod = (await import(name)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`npm package "${name}" is not installed or failed to load: ${firstLine(e)}`);
  }
  const cls = (mod.WebGPUBackend ?? (mod.default as Record<string, unknown> | undefined)?.WebGPUBackend) as
    | { prototype: WebGpuBackendLike }
    | undefined;
  if (!cls) throw new Error(`${name} does not export WebGPUBackend`);
  if (!tf.findBackendFactory('webgpu')) throw new Error(`${name} did not register (navigator.gpu missing at import)`);
  cls.prototype.readSync = readSyncNode;
  applyTfjsFlags();
  backendModule = { WebGPUBackend: cls };
}

/**
 * tfjs-backend-webgpu flags worth exposing: `EXACT_GN_WEBGPU_CPU_FORWARD=0` turns off its habit of
 * running small ops whose inputs live on the host on the CPU backend (so every kernel, however
 * small, runs on the GPU: what the CI emulation wants to test).
 */
function applyTfjsFlags(): void {
  const forward = process.env.EXACT_GN_WEBGPU_CPU_FORWARD;
  if (forward === '0' || forward === '1') tf.env().set('WEBGPU_CPU_FORWARD', forward === '1');
}

/**
 * Loader for src/backend/index.ts: finds an adapter, installs `navigator.gpu`, imports
 * tfjs-backend-webgpu (which registers `webgpu`), and returns the adapter line for the summary.
 * Throws with the reason when there is no usable adapter (`auto` then tries the next backend).
 *
 * @example
 * registerBackendLoader('webgpu', loadWebGpu);
 */
export async function loadWebGpu(options: Partial<WebGpuOptions> = {}): Promise<string> {
  if (chosen && backendModule) return chosen.summary;
  const found = await search(webgpuOptions(options));
  chosenGpu = found.gpu;
  candidateInUse = found.candidate;
  installNavigator(chosenGpu, candidateInUse);
  await loadTfjsWebGpu();
  chosen = found.adapter;
  return chosen.summary;
}

registerBackendLoader('webgpu', () => loadWebGpu());

// ---------------------------------------------------------------------------------------------
// Synchronous readback.

/** Dawn's pending "process events" callbacks, captured from setImmediate so they can run now. */
const pendingTicks = new Set<{ fn: () => void; done: boolean }>();
let hooked = false;

function isAnonymousNative(fn: unknown): fn is () => void {
  return typeof fn === 'function' && fn.name === '' && Function.prototype.toString.call(fn).includes('[native code]');
}

/**
 * dawn.node schedules `wgpuInstanceProcessEvents` with `globalThis.setImmediate(nativeFn)`. The
 * wrapper keeps a handle on those callbacks so a synchronous wait can run them early; each runs
 * at most once (early, or from the event loop as usual). Everything else passes through.
 */
function hookSetImmediate(): void {
  if (hooked) return;
  hooked = true;
  const original = globalThis.setImmediate;
  const wrapped = function (fn: unknown, ...args: unknown[]) {
    if (args.length === 0 && isAnonymousNative(fn)) {
      const tick = { fn, done: false };
      pendingTicks.add(tick);
      return original(() => runTick(tick));
    }
    return (original as (f: unknown, ...a: unknown[]) => NodeJS.Immediate)(fn, ...args);
  };
  const custom = (original as unknown as Record<symbol, unknown>)[promisify.custom];
  if (custom !== undefined) Object.defineProperty(wrapped, promisify.custom, { value: custom });
  globalThis.setImmediate = wrapped as typeof setImmediate;
}

function runTick(tick: { fn: () => void; done: boolean }): void {
  if (tick.done) return;
  tick.done = true;
  pendingTicks.delete(tick);
  tick.fn();
}

/** How long a synchronous readback may wait for the GPU before giving up. */
const SYNC_READ_TIMEOUT_MS = 600_000;
/** How long without any Dawn event-processing callback counts as "Dawn will not answer". */
const SYNC_READ_STALL_MS = 2_000;
const napLock = new Int32Array(new SharedArrayBuffer(4));

/**
 * Maps `buffer` for reading, blocking the thread: runs Dawn's pending event-processing callbacks
 * until the map completes (each run polls the GPU and schedules the next). Throws when the map
 * fails, when no callback shows up for SYNC_READ_STALL_MS, or after SYNC_READ_TIMEOUT_MS.
 */
function mapReadSync(buffer: StagingBuffer): void {
  const MAP_READ = (globalThis as unknown as { GPUMapMode: { READ: number } }).GPUMapMode.READ;
  buffer.mapAsync(MAP_READ).catch(() => undefined); // a failure shows as mapState 'unmapped'
  const start = performance.now();
  let lastTick = start;
  let ran = false; // a callback ran since the last clock check
  let spins = 0;
  let why = '';
  while (buffer.mapState === 'pending') {
    const ticks = [...pendingTicks];
    for (const t of ticks) runTick(t);
    ran ||= ticks.length > 0;
    if (++spins % 256 !== 0) continue;
    const now = performance.now();
    if (ran) lastTick = now;
    else if (now - lastTick > SYNC_READ_STALL_MS) {
      why = 'dawn.node scheduled no event processing (has its setImmediate use changed?)';
      break;
    } else Atomics.wait(napLock, 0, 0, 1); // nothing to run: do not burn the core
    ran = false;
    if (now - start > SYNC_READ_TIMEOUT_MS) {
      why = `the GPU did not finish within ${SYNC_READ_TIMEOUT_MS / 1000} s`;
      break;
    }
  }
  if (buffer.mapState !== 'mapped') {
    throw new Error(
      `webgpu dataSync: mapping the staging buffer failed (state ${buffer.mapState} after ${Math.round(performance.now() - start)} ms${why ? `: ${why}` : ''}); use await tensor.data() instead`,
    );
  }
}

/** tfjs-backend-webgpu's `readSync`, made to work in Node (its own needs OffscreenCanvas). */
function readSyncNode(this: WebGpuBackendLike, dataId: object): tf.backend_util.BackendValues {
  const data = this.tensorMap.get(dataId);
  if (data.values != null || data.dtype === 'string') return data.values as tf.backend_util.BackendValues;
  if (data.dtype === 'complex64') {
    const parts = data.complexTensorInfos!;
    const re = this.readSync(parts.real.dataId) as Float32Array;
    const im = this.readSync(parts.imag.dataId) as Float32Array;
    return this.convertAndCacheOnCPU(dataId, tf.backend_util.mergeRealAndImagArrays(re, im));
  }
  const source = data.resource!;
  const usage = (globalThis as unknown as { GPUBufferUsage: { COPY_DST: number; MAP_READ: number } }).GPUBufferUsage;
  const staging = this.bufferManager.acquireBuffer(source.size, usage.COPY_DST | usage.MAP_READ);
  this.ensureCommandEncoderReady();
  this.endComputePassEncoder();
  this.commandEncoder.copyBufferToBuffer(source, 0, staging, 0, source.size);
  this.submitQueue();
  mapReadSync(staging); // on failure the staging buffer is not returned to the pool
  const bytes = staging.getMappedRange().slice(0);
  staging.unmap();
  this.bufferManager.releaseBuffer(staging);
  return this.convertAndCacheOnCPU(dataId, tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype));
}

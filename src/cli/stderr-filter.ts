/**
 * Keeps Dawn's start-up noise off the user's terminal. dawn.node writes lines such as
 * `Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit
 * dynamic offset allocation limit.` straight to file descriptor 2, where JavaScript cannot catch
 * them, so bin/exact-gn.js runs the command in a child process whose stderr goes through
 * {@link StderrFilter} whenever Dawn may load ({@link dawnMayLoad}). No tfjs import here: the
 * parent process stays small.
 */
import { gpuDevicePresent } from '../backend/devices.js';

/** A line Dawn prints when it lowers an adapter limit: harmless and repeated per device. */
export const DAWN_NOISE = /^Warning: \w+ artificially reduced from \d+ to \d+/;

/**
 * True when this command may load Dawn (the `webgpu` backend may be tried): EXACT_GN_BACKEND is
 * unset, `auto` or `webgpu`, and a GPU device exists or a WebGPU adapter was asked for explicitly.
 *
 * @example
 * dawnMayLoad({ EXACT_GN_BACKEND: 'wasm' }); // false
 */
export function dawnMayLoad(env: NodeJS.ProcessEnv = process.env, gpuPresent: () => boolean = gpuDevicePresent): boolean {
  const backend = env.EXACT_GN_BACKEND ?? '';
  if (backend !== '' && backend !== 'auto' && backend !== 'webgpu') return false;
  if (backend === 'webgpu' || (env.EXACT_GN_WEBGPU_BACKEND ?? '') !== '' || (env.EXACT_GN_WEBGPU_FLAGS ?? '') !== '') return true;
  return gpuPresent();
}

/**
 * A streaming line filter: `push` returns the text to pass on now, `end` the rest. Whole lines
 * matching `drop` are removed; a partial line is passed on at once (progress bars redraw with
 * `\r`), unless it may be the start of a dropped line, which waits for its end.
 *
 * @example
 * const f = new StderrFilter();
 * f.push('Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16.\nok\n'); // 'ok\n'
 */
export class StderrFilter {
  private held = '';
  constructor(private readonly drop: RegExp = DAWN_NOISE, private readonly prefix = 'Warning: ') {}

  push(chunk: string): string {
    let text = this.held + chunk;
    this.held = '';
    let out = '';
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      const line = text.slice(0, nl + 1);
      text = text.slice(nl + 1);
      if (!this.drop.test(line)) out += line;
    }
    if (text !== '') {
      const mayBeNoise = this.prefix.startsWith(text) || (text.startsWith(this.prefix) && !text.includes('\r'));
      if (mayBeNoise) this.held = text;
      else out += text;
    }
    return out;
  }

  end(): string {
    const rest = this.held;
    this.held = '';
    return this.drop.test(rest) ? '' : rest;
  }
}

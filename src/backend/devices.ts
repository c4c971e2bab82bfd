/** Whether this machine has a GPU device node: cheap, no tfjs or Dawn loaded. */
import { existsSync, readdirSync } from 'node:fs';

/**
 * True when a GPU device node exists (DRM render node, NVIDIA, WSL), or off Linux.
 *
 * @example
 * if (!gpuDevicePresent()) console.log('no GPU: auto will use wasm');
 */
export function gpuDevicePresent(): boolean {
  if (process.platform !== 'linux') return true;
  if (existsSync('/dev/dxg') || existsSync('/dev/nvidia0') || existsSync('/dev/nvidiactl')) return true;
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD') || f.startsWith('card'));
  } catch {
    return false;
  }
}

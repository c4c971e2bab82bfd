/**
 * Base64 of bytes, the same in Node and in browsers (atob/btoa are global in both). Used where
 * binary data must travel inside a script: the lecture page's data subset and wasm binaries.
 *
 * @example
 * base64ToBytes(bytesToBase64(Uint8Array.of(0, 255))); // Uint8Array [0, 255]
 */
import { DataError } from './errors.js';

/** Base64 text of `bytes` (chunked, so megabytes do not overflow the call stack). */
export function bytesToBase64(bytes: Uint8Array): string {
  const CHUNK = 0x8000;
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** Bytes of base64 text; a DataError naming `what` when the text is not base64. */
export function base64ToBytes(text: string, what = 'base64 data'): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new DataError(`${what} is not valid base64 (${text.length} characters starting ${JSON.stringify(text.slice(0, 16))})`);
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

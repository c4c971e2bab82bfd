/** Content checksums for data files and checkpoints. */
import { createHash } from 'node:crypto';

/**
 * The SHA-256 of `bytes` (or of a string's UTF-8 bytes) as 64 lowercase hex digits.
 *
 * @example
 * sha256Hex('abc'); // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

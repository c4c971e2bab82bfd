/** File formats and durable writes: safetensors checkpoints, atomic writes, JSONL logs, run locks. */
export {
  encodeSafetensors,
  decodeSafetensors,
  readSafetensors,
  writeSafetensors,
  MAX_HEADER_BYTES,
  type NamedTensor,
  type SafetensorsDtype,
  type SafetensorsContents,
} from './safetensors.js';
export { sha256Hex } from './checksum.js';
export { writeFileAtomic, appendLineDurable, appendJsonl, readJsonl, truncateTornTail, tempPathFor, removeOrphanTempFiles, type JsonlContents } from './atomic.js';
export { acquireLock, acquireLockAsync, readLockHolder, isPidAlive, LockedError, type Lock, type LockHolder, type LockOptions } from './lock.js';

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
export { writeFileAtomic, appendLineDurable, appendJsonl, readJsonl, truncateTornTail, tempPathFor, removeOrphanTempFiles, ensureFolder, type JsonlContents } from './atomic.js';
export { fileError, checkWritableFile, checkWritableFolder, type FileAction } from './fs-errors.js';
export { acquireLock, acquireLockAsync, readLockHolder, isPidAlive, LockedError, type Lock, type LockHolder, type LockOptions } from './lock.js';

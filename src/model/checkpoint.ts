/**
 * Model checkpoints as safetensors (float32, little endian), readable by PyTorch's `safetensors`:
 *   blocks.{l}.f.W [d/2, h], blocks.{l}.f.b [d/2], blocks.{l}.f.V [h, d/2] (the same with g),
 *   readout.U [d, k], l from 0; the model config as JSON in `__metadata__.config`.
 * Extra tensors (optimizer state, under `optim.`) and metadata (run position) may ride along.
 * Every byte is covered by a SHA-256: `__metadata__.data_sha256` (the tensor data) and
 * `__metadata__.header_sha256` (the header: the config and every metadata value, e.g. a resume
 * point's row count). Loading verifies both, checks the config against MODEL_LIMITS (so the work
 * is bounded before anything is allocated: tensors are built only once every name and shape the
 * config asks for is in the file), validates names and shapes, and names the file in every error.
 *
 * @example
 * saveCheckpoint('model.safetensors', model);
 * const { model: again } = loadCheckpoint('model.safetensors');
 */
import { CheckpointError, ExactGnError, NumericalError, show } from '../util/errors.js';
import { decodeSafetensors, encodeSafetensors, readSafetensors, type NamedTensor } from '../io/safetensors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { featureWidth, modelConfig, type RevMLPConfig } from './config.js';
import { RevMLP, type HostTensors } from './revmlp.js';
import { paramsToHost } from './reference.js';

/** Format of the files written now: both digests are required. */
export const CHECKPOINT_FORMAT = 'exact-gn-checkpoint/2';
/** Files of format 1 (before the header digest) are still read; their digests are checked when present. */
const LEGACY_FORMAT = 'exact-gn-checkpoint/1';

/** Extra float32 tensors carried by a checkpoint (e.g. optimizer state). */
export type ExtraTensors = Map<string, { data: Float32Array; shape: number[] }>;

export interface CheckpointContents {
  model: RevMLP;
  /** Tensors that are not part of the model (optimizer state, ...). */
  extra: ExtraTensors;
  /** `__metadata__` without the config and format keys. */
  metadata: Record<string, string>;
}

/** Expected checkpoint tensor names and shapes for a config. */
export function checkpointShapes(cfg: RevMLPConfig): Map<string, number[]> {
  const half = cfg.inputDim / 2;
  const h = featureWidth(cfg);
  const out = new Map<string, number[]>();
  for (let l = 0; l < cfg.blocks; l++) {
    for (const side of ['f', 'g']) {
      out.set(`blocks.${l}.${side}.W`, [half, h]);
      if (cfg.bias) out.set(`blocks.${l}.${side}.b`, [half]);
      if (cfg.hidden !== null) out.set(`blocks.${l}.${side}.V`, [h, half]);
    }
  }
  out.set('readout.U', [cfg.inputDim, cfg.classes]);
  return out;
}

/** Encodes a model (and extras) to safetensors bytes. A non-finite parameter is a NumericalError (nothing encoded). */
export function encodeCheckpoint(model: RevMLP, extra: ExtraTensors = new Map(), metadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, w] of paramsToHost(model.params)) {
    const data = Float32Array.from(w);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      // loadCheckpoint refuses non-finite values, so such a file could never be read back.
      if (v - v !== 0) throw new NumericalError(`model parameter ${name} holds ${v} at index ${i}: the model has diverged (lower the learning rate); no checkpoint is written`);
    }
    tensors[name] = { dtype: 'F32', shape: shapeOf(model.config, name), data };
  }
  model.fixed.forEach((b, l) => {
    for (const side of ['f', 'g'] as const) {
      const V = b[side].V;
      if (V) tensors[`blocks.${l}.${side}.V`] = { dtype: 'F32', shape: V.shape, data: V.dataSync() as Float32Array };
    }
  });
  tensors['readout.U'] = { dtype: 'F32', shape: model.U.shape, data: model.U.dataSync() as Float32Array };
  for (const [name, t] of extra) {
    if (tensors[name]) throw new CheckpointError(`extra tensor ${name} collides with a model tensor`);
    tensors[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  }
  return encodeSafetensors(tensors, { ...metadata, format: CHECKPOINT_FORMAT, config: JSON.stringify(model.config) }, { checksum: true });
}

/** Writes a checkpoint atomically (temp file, fsync, rename): a crash leaves the old file or the new one. */
export function saveCheckpoint(path: string, model: RevMLP, extra?: ExtraTensors, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeCheckpoint(model, extra, metadata));
}

/** Reads and validates a checkpoint file. Throws CheckpointError naming the file and the problem. */
export function loadCheckpoint(path: string): CheckpointContents {
  return fromContents(readSafetensors(path), path);
}

/** Decodes checkpoint bytes (see {@link loadCheckpoint}). */
export function decodeCheckpoint(bytes: Uint8Array, file?: string): CheckpointContents {
  return fromContents(decodeSafetensors(bytes, file), file);
}

/**
 * Verifies a checkpoint file without building the model: both SHA-256 digests, the format, the
 * config (within MODEL_LIMITS) and every tensor's name, shape and finiteness. Throws the same
 * CheckpointError loadCheckpoint would, naming the file; returns the model config.
 *
 * @example
 * verifyCheckpoint('runs/3f9c0a1b2c3d4e5f/checkpoints/epoch-0002.safetensors').blocks; // 2
 */
export function verifyCheckpoint(path: string): RevMLPConfig {
  return validated(readSafetensors(path), path).cfg;
}

function fromContents(contents: ReturnType<typeof decodeSafetensors>, file?: string): CheckpointContents {
  const { cfg, host, extra, metadata } = validated(contents, file);
  try {
    return { model: RevMLP.fromHost(cfg, host), extra, metadata };
  } catch (e) {
    if (e instanceof ExactGnError) throw new CheckpointError(e.message, file);
    throw e;
  }
}

function validated(contents: ReturnType<typeof decodeSafetensors>, file?: string): { cfg: RevMLPConfig; host: HostTensors; extra: ExtraTensors; metadata: Record<string, string> } {
  const { tensors, metadata, verified } = contents;
  const fail = (msg: string): never => {
    throw new CheckpointError(msg, file);
  };
  if (metadata.config === undefined) fail('no model config in __metadata__.config: not an exact-gn checkpoint (write it with `exact-gn init` or saveCheckpoint)');
  if (metadata.format !== CHECKPOINT_FORMAT && metadata.format !== LEGACY_FORMAT) {
    fail(`unknown checkpoint format ${show(metadata.format)} in __metadata__.format (this version reads ${CHECKPOINT_FORMAT} and ${LEGACY_FORMAT}); the file is corrupt or from a newer exact-gn`);
  }
  if (metadata.format === CHECKPOINT_FORMAT && !(verified.includes('data') && verified.includes('header'))) {
    fail(`a ${CHECKPOINT_FORMAT} file must carry data_sha256 and header_sha256, but ${verified.length === 0 ? 'neither' : `only ${verified[0]}_sha256`} is there: the header is corrupt or was edited; delete the file and rerun the step that writes it`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata.config!);
  } catch (e) {
    return fail(`__metadata__.config is not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  let cfg: RevMLPConfig;
  try {
    cfg = modelConfig(parsed as RevMLPConfig, 'config');
  } catch (e) {
    if (e instanceof ExactGnError) return fail(`invalid model config in __metadata__: ${e.message}`);
    throw e;
  }
  const shapes = checkpointShapes(cfg);
  const host: HostTensors = new Map();
  for (const [name, shape] of shapes) {
    const t = tensors[name];
    if (!t) fail(`missing tensor ${name} (expected shape [${shape.join(', ')}] for the config in the file)`);
    if (t!.dtype !== 'F32') fail(`tensor ${name} has dtype ${t!.dtype}, expected F32`);
    if (t!.shape.join() !== shape.join()) fail(`tensor ${name} has shape [${t!.shape.join(', ')}], expected [${shape.join(', ')}]`);
    const data = t!.data as Float32Array;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) fail(`tensor ${name} holds a non-finite value (${data[i]}) at index ${i}`);
    }
    host.set(name, data);
  }
  const extra: ExtraTensors = new Map();
  for (const [name, t] of Object.entries(tensors)) {
    if (shapes.has(name)) continue;
    if (!name.startsWith('optim.') && !name.startsWith('extra.')) fail(`unexpected tensor ${name}: not part of a model with this config`);
    if (t.dtype !== 'F32') fail(`tensor ${name} has dtype ${t.dtype}, expected F32`);
    const data = t.data as Float32Array;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) fail(`tensor ${name} holds a non-finite value (${data[i]}) at index ${i}`);
    }
    extra.set(name, { data, shape: t.shape });
  }
  const rest: Record<string, string> = { ...metadata };
  delete rest.config;
  delete rest.format;
  return { cfg, host, extra, metadata: rest };
}

function shapeOf(cfg: RevMLPConfig, name: string): number[] {
  return checkpointShapes(cfg).get(name)!;
}

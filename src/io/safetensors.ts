/**
 * The safetensors file format: an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
 * header, then the data buffer. The header maps each tensor name to
 * `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the start of the data
 * buffer) and may hold `"__metadata__": {string: string}`. Data is little-endian and row-major.
 *
 * The decoder validates every field and throws only CheckpointError (naming the file and the
 * problem) on any input, so a corrupt or truncated checkpoint is always reported, never loaded.
 * With `{ checksum: true }` the encoder also records two SHA-256 digests in the metadata:
 * `data_sha256` of the data buffer, and `header_sha256` of the first 8 + N bytes (length and
 * header, with the 64 digits of `header_sha256` itself read as zeros), so together they cover every
 * byte of the file: a flipped bit in a tensor or in the metadata (a row count, an epoch, the model
 * config) is caught. The decoder verifies each digest that is present (and then leaves it out of
 * the returned metadata, listing it in `verified`). Duplicate keys anywhere in the header are
 * refused (JSON.parse would silently keep the last one). Other readers (PyTorch's safetensors)
 * see two more metadata strings.
 */
import { readFileSync } from 'node:fs';
import { CheckpointError, ConfigError } from '../util/errors.js';
import { writeFileAtomic } from './atomic.js';
import { sha256Hex } from './checksum.js';

/** The dtypes exact-gn reads and writes. */
export type SafetensorsDtype = 'F32' | 'I32' | 'F64' | 'U8';

/** One tensor of a safetensors file: dtype, shape and row-major data (a copy, always aligned). */
export interface NamedTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array | Float64Array | Uint8Array;
}

/** A decoded safetensors file. */
export interface SafetensorsContents {
  tensors: Record<string, NamedTensor>;
  metadata: Record<string, string>;
  /** The digests that were present and verified: 'data' (data_sha256), 'header' (header_sha256). */
  verified: ('data' | 'header')[];
}

/** Largest header accepted: anything bigger is corruption, not a checkpoint. */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

/** Metadata key holding the SHA-256 (64 lowercase hex digits) of the data buffer. */
export const DATA_SHA256_KEY = 'data_sha256';

/** Metadata key holding the SHA-256 of the length prefix and header (its own digits read as '0'). */
export const HEADER_SHA256_KEY = 'header_sha256';

const ZERO_DIGEST = '0'.repeat(64);

/** Encoder options. */
export interface EncodeOptions {
  /** Record the SHA-256 of the data (`data_sha256`) and of the header (`header_sha256`); verified by the decoder. Default false. */
  checksum?: boolean;
}
const TENSOR_FIELDS = ['dtype', 'shape', 'data_offsets'];

type TypedArrayCtor = Float32ArrayConstructor | Int32ArrayConstructor | Float64ArrayConstructor | Uint8ArrayConstructor;

interface DtypeInfo {
  itemSize: number;
  ctor: TypedArrayCtor;
  get(view: DataView, byteOffset: number): number;
  set(view: DataView, byteOffset: number, value: number): void;
}

const DTYPES: Record<SafetensorsDtype, DtypeInfo> = {
  F32: { itemSize: 4, ctor: Float32Array, get: (v, o) => v.getFloat32(o, true), set: (v, o, x) => v.setFloat32(o, x, true) },
  I32: { itemSize: 4, ctor: Int32Array, get: (v, o) => v.getInt32(o, true), set: (v, o, x) => v.setInt32(o, x, true) },
  F64: { itemSize: 8, ctor: Float64Array, get: (v, o) => v.getFloat64(o, true), set: (v, o, x) => v.setFloat64(o, x, true) },
  U8: { itemSize: 1, ctor: Uint8Array, get: (v, o) => v.getUint8(o), set: (v, o, x) => v.setUint8(o, x) },
};

/** Dtypes of the safetensors spec that this library does not load (named in the error message). */
const OTHER_SPEC_DTYPES = new Set(['BOOL', 'I8', 'I16', 'U16', 'U32', 'I64', 'U64', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2']);

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, value);
}

/** Defines `obj[key] = value` as an own enumerable property, safe for keys like `__proto__`. */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A short quoted form of a (possibly huge or hostile) name for error messages. */
function quote(name: string): string {
  const s = JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
  return s;
}

/** A short description of a JSON value for error messages; never throws, never recurses deeply. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const flat = value.length <= 8 && value.every((v) => v === null || typeof v !== 'object');
    return flat ? JSON.stringify(value) : `an array of ${value.length} items`;
  }
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return quote(value);
  return String(value);
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function isDimList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

function validateForEncoding(name: string, t: NamedTensor): void {
  const field = `tensors[${quote(name)}]`;
  if (name === METADATA_KEY) throw new ConfigError(field, `"${METADATA_KEY}" is reserved for the metadata; rename the tensor`);
  if (t === null || typeof t !== 'object') throw new ConfigError(field, `expected {dtype, shape, data}, got ${describe(t)}`);
  if (!isDtype(t.dtype)) throw new ConfigError(`${field}.dtype`, `unsupported dtype ${describe(t.dtype)}; use one of ${Object.keys(DTYPES).join(', ')}`);
  if (!isDimList(t.shape)) throw new ConfigError(`${field}.shape`, `expected an array of non-negative integers, got ${describe(t.shape)}`);
  const info = DTYPES[t.dtype];
  if (!(t.data instanceof info.ctor)) {
    throw new ConfigError(`${field}.data`, `dtype ${t.dtype} needs a ${info.ctor.name}, got ${t.data?.constructor?.name ?? describe(t.data)}`);
  }
  const expected = product(t.shape);
  if (t.data.length !== expected) {
    throw new ConfigError(`${field}.data`, `shape ${JSON.stringify(t.shape)} needs ${expected} elements, got ${t.data.length}`);
  }
}

function validateMetadata(metadata: Record<string, string>): string[] {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ConfigError('metadata', `expected an object of strings, got ${describe(metadata)}`);
  }
  const keys = Object.keys(metadata).sort(byUtf8);
  for (const k of keys) {
    if (typeof metadata[k] !== 'string') {
      throw new ConfigError(`metadata[${quote(k)}]`, `safetensors metadata values must be strings, got ${describe(metadata[k])}; JSON.stringify it first`);
    }
  }
  return keys;
}

/** Compares strings by their UTF-8 bytes (not UTF-16 code units), like Rust's `String` order. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Widest dtype first, so data stays aligned; this matches the reference writer's dtype order. */
const DTYPE_RANK: Record<SafetensorsDtype, number> = { F64: 0, F32: 1, I32: 2, U8: 3 };

/** Tensor names in file order: by dtype rank, then by name. Validates each tensor. */
function canonicalOrder(tensors: Record<string, NamedTensor>): string[] {
  const names = Object.keys(tensors);
  for (const name of names) validateForEncoding(name, tensors[name]!);
  return names.sort((a, b) => DTYPE_RANK[tensors[a]!.dtype] - DTYPE_RANK[tensors[b]!.dtype] || byUtf8(a, b));
}

/** Pads the header with spaces so that the data buffer starts at a multiple of 8 bytes. */
function paddedHeader(json: string): Uint8Array {
  const raw = new TextEncoder().encode(json);
  const padded = new Uint8Array(Math.ceil(raw.length / 8) * 8).fill(0x20);
  padded.set(raw);
  return padded;
}

function writeData(out: Uint8Array, at: number, t: NamedTensor): void {
  if (HOST_IS_LITTLE_ENDIAN) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    return;
  }
  const info = DTYPES[t.dtype];
  const view = new DataView(out.buffer, out.byteOffset + at, t.data.byteLength);
  for (let i = 0; i < t.data.length; i++) info.set(view, i * info.itemSize, t.data[i]!);
}

/**
 * Encodes tensors (and optional string metadata) as a safetensors file. The layout is canonical,
 * so the same tensors always give the same bytes: metadata keys sorted, tensors ordered by dtype
 * (F64, F32, I32, U8, widest first, so every tensor's data is aligned to its item size) and then by
 * name (UTF-8 byte order), the order the reference `safetensors` writer uses. Throws ConfigError
 * on a bad tensor.
 *
 * @example
 * const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }, { step: '10' });
 * decodeSafetensors(bytes).tensors.w.data; // Float32Array [1, 2]
 */
export function encodeSafetensors(tensors: Record<string, NamedTensor>, metadata: Record<string, string> = {}, options: EncodeOptions = {}): Uint8Array {
  if (tensors === null || typeof tensors !== 'object') throw new ConfigError('tensors', `expected an object of named tensors, got ${describe(tensors)}`);
  const names = canonicalOrder(tensors);
  for (const key of [DATA_SHA256_KEY, HEADER_SHA256_KEY]) {
    if (metadata !== null && typeof metadata === 'object' && Object.prototype.hasOwnProperty.call(metadata, key)) {
      throw new ConfigError(`metadata[${quote(key)}]`, 'is reserved for the checksum that { checksum: true } writes; rename that metadata key');
    }
  }
  // The digests have a fixed length, so the header's length is known before anything is hashed:
  // lay out placeholders, write the data, hash it, then hash the header and patch its digest in.
  const meta = options.checksum ? { ...metadata, [DATA_SHA256_KEY]: ZERO_DIGEST, [HEADER_SHA256_KEY]: ZERO_DIGEST } : metadata;
  const headerFor = (m: Record<string, string>): Uint8Array => paddedHeader(headerJson(tensors, names, m));
  let header = headerFor(meta);
  const dataBytes = names.reduce((a, name) => a + tensors[name]!.data.byteLength, 0);
  const out = new Uint8Array(8 + header.length + dataBytes);
  let at = 8 + header.length;
  for (const name of names) {
    writeData(out, at, tensors[name]!);
    at += tensors[name]!.data.byteLength;
  }
  if (options.checksum) {
    header = headerFor({ ...meta, [DATA_SHA256_KEY]: sha256Hex(out.subarray(8 + header.length)) });
  }
  const view = new DataView(out.buffer);
  view.setUint32(0, header.length, true);
  view.setUint32(4, 0, true);
  out.set(header, 8);
  if (options.checksum) {
    const digestAt = headerDigestOffset(out, header.length);
    if (digestAt < 0) throw new ConfigError('metadata', 'the header digest could not be placed (a metadata value imitates its key); rename that value');
    const digest = sha256Hex(out.subarray(0, 8 + header.length));
    out.set(new TextEncoder().encode(digest), digestAt);
  }
  return out;
}

const HEADER_DIGEST_MARK = new TextEncoder().encode(`${JSON.stringify(HEADER_SHA256_KEY)}:"`);

/**
 * The byte offset of the 64 digits of header_sha256 in `bytes` (whose header is `n` bytes), or
 * -1 unless its key occurs exactly once in the header, written as this encoder writes it.
 */
function headerDigestOffset(bytes: Uint8Array, n: number): number {
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + 8, n);
  const first = header.indexOf(HEADER_DIGEST_MARK);
  if (first < 0 || header.indexOf(HEADER_DIGEST_MARK, first + 1) >= 0) return -1;
  const at = first + HEADER_DIGEST_MARK.length;
  return at + 64 < n && header[at + 64] === 0x22 ? 8 + at : -1;
}

/** Checks header_sha256 (the caller knows it is recorded); `fail`s naming what is corrupt. */
function verifyHeaderDigest(bytes: Uint8Array, n: number, recorded: string, fail: Fail): void {
  if (!/^[0-9a-f]{64}$/.test(recorded)) fail(`"${HEADER_SHA256_KEY}" must be 64 lowercase hex digits, got ${describe(recorded)}; the header is corrupt`);
  const at = headerDigestOffset(bytes, n);
  if (at < 0 || Buffer.from(bytes.buffer, bytes.byteOffset + at, 64).toString('latin1') !== recorded) {
    fail(`"${HEADER_SHA256_KEY}" is not where this library writes it; the header was edited or is corrupt`);
  }
  const copy = Uint8Array.from(bytes.subarray(0, 8 + n));
  copy.fill(0x30, at, at + 64);
  const actual = sha256Hex(copy);
  if (actual !== recorded) {
    fail(`the header's SHA-256 is ${actual.slice(0, 12)}…, but the header recorded ${recorded.slice(0, 12)}…: the header (its metadata, e.g. a row count, an epoch or the model config) is corrupt (a flipped or overwritten byte); delete the file and rerun the step that writes it`);
  }
}

/**
 * The first key that occurs twice in one object of the JSON text `text` (which JSON.parse has
 * accepted), or null. Keys are compared after unescaping, so "a" and "\u0061" are the same key.
 */
export function duplicateJsonKey(text: string): string | null {
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) j++, (escaped = true);
        else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) stack.push({ keys: new Set(), expectKey: true });
    else if (c === 0x5b) stack.push({ keys: null, expectKey: false });
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
  return null;
}

/** The header JSON: sorted metadata, then the tensors in `names` order with consecutive offsets. */
function headerJson(tensors: Record<string, NamedTensor>, names: readonly string[], metadata: Record<string, string>): string {
  const metaKeys = validateMetadata(metadata);
  const parts: string[] = [];
  if (metaKeys.length > 0) {
    const meta = metaKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',');
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${meta}}`);
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  return `{${parts.join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** Thrown inside the decoder; converted to a CheckpointError naming the file. */
type Fail = (message: string) => never;

function readHeaderLength(bytes: Uint8Array, fail: Fail): number {
  if (bytes.length < 8) {
    fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length; it is truncated or not a safetensors file`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER_BYTES) {
    const n = (BigInt(hi) << 32n) | BigInt(lo);
    fail(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit; this is not a safetensors file or its first 8 bytes are corrupt`);
  }
  if (8 + lo > bytes.length) {
    fail(`header length ${lo} runs past the end of the file (${bytes.length} bytes); the file is truncated or corrupt`);
  }
  return lo;
}

function parseHeaderJson(bytes: Uint8Array, n: number, fail: Fail): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8; the file is corrupt or not a safetensors file');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message.slice(0, 200) : 'parse error';
    return fail(`header is not valid JSON (${why}); the file is corrupt or not a safetensors file`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    fail(`header must be a JSON object, got ${describe(parsed)}`);
  }
  const dup = duplicateJsonKey(text);
  if (dup !== null) fail(`header holds the key ${quote(dup)} twice (a reader would silently keep only one); the file is corrupt or was edited`);
  return parsed as Record<string, unknown>;
}

function parseMetadata(value: unknown, fail: Fail): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) fail(`"${METADATA_KEY}" must be an object of strings, got ${describe(value)}`);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`"${METADATA_KEY}" value for key ${quote(k)} must be a string, got ${describe(v)}`);
    setOwn(out, k, v as string);
  }
  return out;
}

function parseTensorEntry(name: string, value: unknown, fail: Fail): TensorEntry {
  const where = `tensor ${quote(name)}`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(`${where}: expected {dtype, shape, data_offsets}, got ${describe(value)}`);
  }
  const rec = value as Record<string, unknown>;
  for (const k of Object.keys(rec)) if (!TENSOR_FIELDS.includes(k)) fail(`${where}: unexpected field ${quote(k)}`);
  for (const k of TENSOR_FIELDS) if (!Object.prototype.hasOwnProperty.call(rec, k)) fail(`${where}: missing field "${k}"`);
  const { dtype, shape, data_offsets: offsets } = rec;
  if (!isDtype(dtype)) {
    const known = typeof dtype === 'string' && OTHER_SPEC_DTYPES.has(dtype);
    fail(`${where}: ${known ? 'unsupported' : 'unknown'} dtype ${describe(dtype)}; exact-gn reads ${Object.keys(DTYPES).join(', ')}`);
  }
  if (!isDimList(shape)) fail(`${where}: shape must be an array of non-negative integers, got ${describe(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !isDimList(offsets)) {
    fail(`${where}: data_offsets must be two non-negative integers [begin, end], got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] are out of order (begin > end)`);
  const dims = shape as number[];
  const itemSize = DTYPES[dtype as SafetensorsDtype].itemSize;
  const need = product(dims) * itemSize;
  if (end - begin !== need) {
    fail(`${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtype} shape ${JSON.stringify(dims)} needs ${need}`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: dims, begin, end };
}

/** Checks that the tensors tile the data buffer exactly: no gap, no overlap, nothing missing or extra. */
function checkCoverage(entries: TensorEntry[], dataLength: number, fail: Fail): void {
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous: TensorEntry | undefined;
  for (const e of byOffset) {
    if (e.begin < expected) {
      fail(`tensor ${quote(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap tensor ${quote(previous!.name)} [${previous!.begin}, ${previous!.end}]`);
    }
    if (e.begin > expected) fail(`tensor ${quote(e.name)}: data_offsets start at ${e.begin}, leaving a gap after byte ${expected} of the data buffer`);
    if (e.end > dataLength) {
      fail(`tensor ${quote(e.name)}: data_offsets [${e.begin}, ${e.end}] run past the end of the data (${dataLength} bytes); the file is truncated`);
    }
    expected = e.end;
    previous = e;
  }
  if (expected < dataLength) {
    fail(`${dataLength - expected} unexpected bytes after the last tensor (data ends at ${expected}); the file is corrupt or was appended to`);
  }
}

function copyTensor(bytes: Uint8Array, dataStart: number, e: TensorEntry): NamedTensor {
  const info = DTYPES[e.dtype];
  const n = (e.end - e.begin) / info.itemSize;
  const data = new info.ctor(n);
  const from = dataStart + e.begin;
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(data.buffer).set(bytes.subarray(from, from + (e.end - e.begin)));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + from, e.end - e.begin);
    for (let i = 0; i < n; i++) data[i] = info.get(view, i * info.itemSize);
  }
  return { dtype: e.dtype, shape: [...e.shape], data };
}

/**
 * Decodes a safetensors file, validating everything (lengths, UTF-8, JSON, dtypes, shapes,
 * offsets, that the tensors exactly cover the data). Throws only CheckpointError, naming `file`
 * when given. Tensor data is copied into fresh, aligned typed arrays.
 *
 * @example
 * const { tensors, metadata } = decodeSafetensors(encodeSafetensors({ b: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }));
 * tensors.b.shape; // [0]
 */
export function decodeSafetensors(bytes: Uint8Array, file?: string): SafetensorsContents {
  const fail: Fail = (message) => {
    throw new CheckpointError(`not a valid safetensors file: ${message}`, file);
  };
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array of file bytes, got ${describe(bytes)}`);
  const n = readHeaderLength(bytes, fail);
  const header = parseHeaderJson(bytes, n, fail);
  const metadata = Object.prototype.hasOwnProperty.call(header, METADATA_KEY) ? parseMetadata(header[METADATA_KEY], fail) : {};
  // The header digest first: a flipped header byte is reported as such, not as whatever it broke.
  const verified: SafetensorsContents['verified'] = [];
  const headerDigest = metadata[HEADER_SHA256_KEY];
  if (headerDigest !== undefined) {
    verifyHeaderDigest(bytes, n, headerDigest, fail);
    delete metadata[HEADER_SHA256_KEY];
    verified.push('header');
  }
  const entries: TensorEntry[] = [];
  for (const [key, value] of Object.entries(header)) if (key !== METADATA_KEY) entries.push(parseTensorEntry(key, value, fail));
  const dataStart = 8 + n;
  checkCoverage(entries, bytes.length - dataStart, fail);
  const recorded = metadata[DATA_SHA256_KEY];
  if (recorded !== undefined) {
    const actual = sha256Hex(bytes.subarray(dataStart));
    if (actual !== recorded) {
      fail(`the data buffer's SHA-256 is ${actual.slice(0, 12)}…, but the header recorded ${recorded.slice(0, 12)}…: the tensor data is corrupt (a flipped or overwritten byte); delete the file and rerun the step that writes it`);
    }
    delete metadata[DATA_SHA256_KEY]; // verified; it describes these bytes, not the tensors' meaning
    verified.push('data');
  }
  const tensors: Record<string, NamedTensor> = {};
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) setOwn(tensors, e.name, copyTensor(bytes, dataStart, e));
  return { tensors, metadata, verified };
}

/**
 * Reads and decodes a safetensors file. Throws CheckpointError (naming the file) when it is
 * missing, unreadable or invalid.
 *
 * @example
 * const { tensors } = readSafetensors('runs/mnist/checkpoint-100.safetensors');
 */
export function readSafetensors(path: string): SafetensorsContents {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found; check the path or rerun the step that writes it' : `cannot read the file (${code ?? String(e)})`;
    throw new CheckpointError(why, path);
  }
  return decodeSafetensors(bytes, path);
}

/**
 * Encodes tensors and writes them atomically (temp file, fsync, rename): a crash leaves either the
 * old file or the complete new one, never a torn checkpoint.
 *
 * @example
 * writeSafetensors('/tmp/w.safetensors', { w: { dtype: 'F64', shape: [1], data: new Float64Array([0.5]) } }, { step: '1' });
 */
export function writeSafetensors(path: string, tensors: Record<string, NamedTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  writeSafetensors,
  sha256Hex,
  type NamedTensor,
} from '../../src/io/index.js';
import { CheckpointError, ConfigError } from '../../src/util/errors.js';

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

const ascii = (s: string): number[] => [...Buffer.from(s, 'utf8')];

/** Builds a file by hand per the spec: u64 LE header length, header bytes, data bytes. */
function rawFile(header: string | number[], data: number[] = [], headerLength?: number): Uint8Array {
  const h = typeof header === 'string' ? ascii(header) : header;
  const n = headerLength ?? h.length;
  const len = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff, 0, 0, 0, 0];
  return new Uint8Array([...len, ...h, ...data]);
}

function bytesOf(t: NamedTensor): Buffer {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Same dtype, shape, and bit-identical data (so NaN payloads and -0 count). */
function assertSameTensors(actual: Record<string, NamedTensor>, expected: Record<string, NamedTensor>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const name of Object.keys(expected)) {
    const a = actual[name]!;
    const e = expected[name]!;
    assert.equal(a.dtype, e.dtype, name);
    assert.deepEqual(a.shape, e.shape, name);
    assert.equal(a.data.constructor, e.data.constructor, name);
    assert.ok(bytesOf(a).equals(bytesOf(e)), `data of ${name} differs`);
  }
}

function rejects(bytes: Uint8Array, pattern: RegExp, file = 'ckpt.safetensors'): void {
  assert.throws(
    () => decodeSafetensors(bytes, file),
    (e: unknown) => {
      assert.ok(e instanceof CheckpointError, `expected CheckpointError, got ${String(e)}`);
      assert.equal(e.code, 'E_CHECKPOINT');
      assert.equal(e.file, file);
      assert.ok(e.message.includes(file), e.message);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

const ALL_DTYPES: Record<string, NamedTensor> = {
  f32: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1.5, -2, 0, -0, Infinity, NaN]) },
  f64: { dtype: 'F64', shape: [3], data: new Float64Array([Math.PI, -Number.MAX_VALUE, Number.MIN_VALUE]) },
  i32: { dtype: 'I32', shape: [2, 1], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1]) },
  u8: { dtype: 'U8', shape: [4], data: new Uint8Array([0, 1, 128, 255]) },
  scalar: { dtype: 'F32', shape: [], data: new Float32Array([7]) },
  empty: { dtype: 'F64', shape: [0, 5], data: new Float64Array(0) },
  empty_u8: { dtype: 'U8', shape: [0], data: new Uint8Array(0) },
};

// ---------------------------------------------------------------------------------------------
// round trips and the real format
// ---------------------------------------------------------------------------------------------

test('every dtype, scalars, empty tensors and metadata round-trip bit-exactly', () => {
  const meta = { step: '12', config: '{"lr":0.1}', 'ünïcode ✓': 'välue' };
  const bytes = encodeSafetensors(ALL_DTYPES, meta);
  const { tensors, metadata } = decodeSafetensors(bytes);
  assertSameTensors(tensors, ALL_DTYPES);
  assert.deepEqual(metadata, meta);
  assert.ok(Object.is(tensors.f32!.data[3], -0));
  assert.ok(Number.isNaN(tensors.f32!.data[5]));
});

test('no tensors and no metadata is a valid (tiny) file', () => {
  const bytes = encodeSafetensors({});
  assert.deepEqual([...bytes], [8, 0, 0, 0, 0, 0, 0, 0, ...ascii('{}      ')]);
  assert.deepEqual(decodeSafetensors(bytes), { tensors: {}, metadata: {}, verified: [] });
});

test('encoding matches a file written by hand from the spec, byte for byte', () => {
  const header = '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1,1],"data_offsets":[8,12]}}';
  const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
  assert.equal(padded.length % 8, 0);
  // 1.0f = 0x3f800000, -2.5f = 0xc0200000, -2 = 0xfffffffe, all little-endian
  const data = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, 0xfe, 0xff, 0xff, 0xff];
  const fixture = rawFile(padded, data);
  assert.equal(fixture[0], padded.length);
  const tensors: Record<string, NamedTensor> = {
    b: { dtype: 'I32', shape: [1, 1], data: new Int32Array([-2]) },
    a: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2.5]) },
  };
  assert.deepEqual([...encodeSafetensors(tensors, { format: 'pt' })], [...fixture]);
  const decoded = decodeSafetensors(fixture);
  assertSameTensors(decoded.tensors, tensors);
  assert.deepEqual(decoded.metadata, { format: 'pt' });
});

test('files laid out the way other writers do it decode too', () => {
  // Offsets ordered by dtype alignment (not by name), no header padding, metadata last, spaces in
  // the JSON, non-ASCII names: all allowed by the format.
  const header = '{ "z_f64": {"data_offsets": [0, 8], "dtype": "F64", "shape": [1]}, "a_u8": {"shape": [3], "dtype": "U8", "data_offsets": [12, 15]},\n "é": {"dtype": "I32", "shape": [], "data_offsets": [8, 12]}, "__metadata__": {} }';
  const data = [0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 5, 0, 0, 0, 9, 8, 7]; // 1.0 as f64, 5 as i32, u8 9 8 7
  const { tensors, metadata } = decodeSafetensors(rawFile(header, data));
  assert.deepEqual(metadata, {});
  assert.deepEqual([...tensors.z_f64!.data], [1]);
  assert.deepEqual([...tensors['é']!.data], [5]);
  assert.deepEqual(tensors['é']!.shape, []);
  assert.deepEqual([...tensors.a_u8!.data], [9, 8, 7]);
  assert.deepEqual(Object.keys(tensors), ['a_u8', 'z_f64', 'é']);
});

test('decoding copies out of unaligned views into fresh aligned arrays', () => {
  const file = encodeSafetensors({ u: { dtype: 'U8', shape: [1], data: new Uint8Array([3]) }, w: { dtype: 'F64', shape: [2], data: new Float64Array([0.1, 0.2]) } });
  const big = new Uint8Array(file.length + 3);
  big.set(file, 1);
  const { tensors } = decodeSafetensors(big.subarray(1, 1 + file.length));
  const w = tensors.w!.data as Float64Array;
  assert.deepEqual([...w], [0.1, 0.2]);
  assert.equal(w.byteOffset, 0);
  big.fill(0);
  assert.deepEqual([...w], [0.1, 0.2], 'decoded data must not alias the input');
});

test('the layout is canonical: widest dtype first, then by name, data aligned', () => {
  const t = { x: ALL_DTYPES.u8!, b: ALL_DTYPES.f32!, '10': ALL_DTYPES.i32!, '9': ALL_DTYPES.f64!, a: ALL_DTYPES.scalar!, 'é': ALL_DTYPES.u8!, z: ALL_DTYPES.u8! };
  const a = encodeSafetensors(t, { y: '1', a: '2' });
  const reordered = Object.fromEntries(Object.entries(t).reverse());
  assert.deepEqual(a, encodeSafetensors(reordered, { a: '2', y: '1' }), 'same tensors, same bytes');
  const n = new DataView(a.buffer).getUint32(0, true);
  assert.equal(n % 8, 0, 'header padded to a multiple of 8');
  const text = Buffer.from(a.subarray(8, 8 + n)).toString('utf8');
  const keyOrder = [...text.matchAll(/"([^"]+)":\{/g)].map((m) => m[1]);
  // F64, then F32 (a < b), then I32, then U8 by UTF-8 bytes (x < z < é)
  assert.deepEqual(keyOrder, ['__metadata__', '9', 'a', 'b', '10', 'x', 'z', 'é']);
  assert.ok(text.startsWith('{"__metadata__":{"a":"2","y":"1"}'));
  const header = JSON.parse(text) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const size: Record<string, number> = { F64: 8, F32: 4, I32: 4, U8: 1 };
  for (const [name, e] of Object.entries(header)) {
    if (name !== '__metadata__') assert.equal((8 + n + e.data_offsets[0]) % size[e.dtype]!, 0, `${name} is aligned`);
  }
});

test('awkward names such as __proto__ stay plain own properties', () => {
  const t: Record<string, NamedTensor> = {};
  Object.defineProperty(t, '__proto__', { value: ALL_DTYPES.u8, enumerable: true });
  const { tensors } = decodeSafetensors(encodeSafetensors(t, JSON.parse('{"__proto__":"x"}') as Record<string, string>));
  assert.deepEqual(Object.keys(tensors), ['__proto__']);
  assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
});

test('encoding rejects inconsistent tensors with a ConfigError naming the tensor', () => {
  const bad: [Record<string, NamedTensor>, RegExp][] = [
    [{ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }, /tensors\["w"\]\.data.*needs 3 elements, got 2/],
    [{ w: { dtype: 'F32', shape: [2], data: new Float64Array(2) } }, /dtype F32 needs a Float32Array, got Float64Array/],
    [{ w: { dtype: 'F16' as 'F32', shape: [2], data: new Float32Array(2) } }, /unsupported dtype "F16"/],
    [{ w: { dtype: 'U8', shape: [-1], data: new Uint8Array(0) } }, /shape.*non-negative integers/],
    [{ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }, /reserved/],
  ];
  for (const [tensors, pattern] of bad) assert.throws(() => encodeSafetensors(tensors), (e: unknown) => e instanceof ConfigError && pattern.test(e.message));
  assert.throws(() => encodeSafetensors({}, { n: 3 as unknown as string }), (e: unknown) => e instanceof ConfigError && /metadata\["n"\].*must be strings/.test(e.message));
});

test('property: random tensors round-trip', () => {
  const shape = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
  const tensor = fc.tuple(fc.constantFrom('F32', 'I32', 'F64', 'U8'), shape, fc.integer()).map(([dtype, s, seed]): NamedTensor => {
    const n = s.reduce((a, b) => a * b, 1);
    const raw = Uint8Array.from({ length: n * 8 }, (_, i) => (seed * 31 + i * 17) & 0xff);
    const ctor = { F32: Float32Array, I32: Int32Array, F64: Float64Array, U8: Uint8Array }[dtype];
    return { dtype, shape: s, data: new ctor(raw.buffer, 0, n) } as NamedTensor;
  });
  fc.assert(
    fc.property(fc.dictionary(fc.string({ maxLength: 6 }), tensor, { maxKeys: 5 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), (tensors, meta) => {
      fc.pre(!('__metadata__' in tensors));
      const out = decodeSafetensors(encodeSafetensors(tensors, meta));
      assertSameTensors(out.tensors, tensors);
      assert.deepEqual(out.metadata, { ...meta });
    }),
    { numRuns: 300, seed: 7 },
  );
});

// ---------------------------------------------------------------------------------------------
// files on disk, checksum
// ---------------------------------------------------------------------------------------------

test('writeSafetensors/readSafetensors go through the disk atomically', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-st-'));
  try {
    const path = join(dir, 'ckpt.safetensors');
    writeSafetensors(path, ALL_DTYPES, { step: '1' });
    writeSafetensors(path, { u8: ALL_DTYPES.u8! }, { step: '2' });
    const { tensors, metadata } = readSafetensors(path);
    assertSameTensors(tensors, { u8: ALL_DTYPES.u8! });
    assert.deepEqual(metadata, { step: '2' });
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors'], 'no temp files left behind');
    assert.throws(() => readSafetensors(join(dir, 'missing.safetensors')), (e: unknown) => e instanceof CheckpointError && /missing\.safetensors: file not found/.test(e.message));
    writeFileSync(join(dir, 'bad.safetensors'), 'hello world, not a checkpoint');
    assert.throws(() => readSafetensors(join(dir, 'bad.safetensors')), (e: unknown) => e instanceof CheckpointError && e.file === join(dir, 'bad.safetensors'));
    assert.throws(() => readSafetensors(dir), (e: unknown) => e instanceof CheckpointError && /EISDIR/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sha256Hex matches the FIPS 180-2 test vectors', () => {
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex(new Uint8Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex(new Uint8Array([0x61, 0x62, 0x63])), sha256Hex('abc'));
});

// ---------------------------------------------------------------------------------------------
// rejection of bad files
// ---------------------------------------------------------------------------------------------

const SMALL = encodeSafetensors(
  { a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }, b: { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) } },
  { k: 'v' },
);

test('a file cut at every possible point is rejected with a CheckpointError', () => {
  for (let cut = 0; cut < SMALL.length; cut++) rejects(SMALL.subarray(0, cut), /truncated|shorter|runs past|not valid JSON/);
  assert.doesNotThrow(() => decodeSafetensors(SMALL.subarray(0, SMALL.length)));
});

test('each kind of corrupt header is rejected with a message saying what is wrong', () => {
  const t = (name: string, entry: string): string => `{"${name}":${entry}}`;
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(0), /0 bytes, shorter than the 8-byte header length/],
    [new Uint8Array([1, 0, 0]), /3 bytes, shorter/],
    [rawFile('{}', [], 1000), /header length 1000 runs past the end of the file \(10 bytes\)/],
    [new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 0x7b, 0x7d]), /header length 4294967296 exceeds/],
    [rawFile('{}', [], 200_000_000), /header length 200000000 exceeds the 100000000-byte limit/],
    [rawFile([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), /not valid UTF-8/],
    [rawFile('{"a":'), /not valid JSON/],
    [rawFile(''), /not valid JSON/],
    [rawFile('[]'), /must be a JSON object, got \[\]/],
    [rawFile('null'), /must be a JSON object, got null/],
    [rawFile('"x"'), /must be a JSON object/],
    [rawFile(t('w', '[1]')), /tensor "w": expected \{dtype, shape, data_offsets\}, got \[1\]/],
    [rawFile(t('w', '{"dtype":"F99","shape":[1],"data_offsets":[0,4]}'), [0, 0, 0, 0]), /tensor "w": unknown dtype "F99"/],
    [rawFile(t('w', '{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}'), [0, 0]), /unsupported dtype "BF16"; exact-gn reads F32, I32, F64, U8/],
    [rawFile(t('w', '{"dtype":7,"shape":[1],"data_offsets":[0,4]}'), [0, 0, 0, 0]), /unknown dtype 7/],
    [rawFile(t('w', '{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}')), /shape must be an array of non-negative integers, got \[-1\]/],
    [rawFile(t('w', '{"dtype":"U8","shape":[1.5],"data_offsets":[0,0]}')), /shape must be.*\[1\.5\]/],
    [rawFile(t('w', '{"dtype":"U8","shape":"2","data_offsets":[0,2]}'), [0, 0]), /shape must be/],
    [rawFile(t('w', '{"dtype":"U8","shape":[2],"data_offsets":[0]}'), [0, 0]), /data_offsets must be two non-negative integers/],
    [rawFile(t('w', '{"dtype":"U8","shape":[2],"data_offsets":[0,2.5]}'), [0, 0]), /data_offsets must be two/],
    [rawFile(t('w', '{"dtype":"U8","shape":[2],"data_offsets":[-2,0]}'), [0, 0]), /data_offsets must be two/],
    [rawFile(t('w', '{"dtype":"U8","shape":[0],"data_offsets":[2,0]}'), [0, 0]), /out of order/],
    [rawFile(t('w', '{"dtype":"F32","shape":[2],"data_offsets":[0,4]}'), [0, 0, 0, 0]), /hold 4 bytes but F32 shape \[2\] needs 8/],
    [rawFile(t('w', '{"dtype":"U8","shape":[2]}'), [0, 0]), /missing field "data_offsets"/],
    [rawFile(t('w', '{"dtype":"U8","shape":[2],"data_offsets":[0,2],"extra":1}'), [0, 0]), /unexpected field "extra"/],
    [rawFile('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', [0, 0, 0]), /tensor "b".*overlap tensor "a"/],
    [rawFile('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', [0, 0]), /overlap/],
    [rawFile('{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', [0, 0]), /gap after byte 0/],
    [rawFile(t('w', '{"dtype":"U8","shape":[4],"data_offsets":[0,4]}'), [1, 2]), /run past the end of the data \(2 bytes\); the file is truncated/],
    [rawFile(t('w', '{"dtype":"U8","shape":[1],"data_offsets":[0,1]}'), [1, 2, 3]), /2 unexpected bytes after the last tensor/],
    [rawFile('{}', [1]), /1 unexpected bytes/],
    [rawFile('{"__metadata__":{"a":1}}'), /"__metadata__" value for key "a" must be a string, got 1/],
    [rawFile('{"__metadata__":["a"]}'), /"__metadata__" must be an object of strings/],
  ];
  for (const [bytes, pattern] of cases) rejects(bytes, pattern);
});

test('hostile headers (huge names, deep nesting) are reported briefly, never crash', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  rejects(rawFile(`{"w":${deep}}`), /tensor "w": expected .*got an array of 1 items/);
  rejects(rawFile(`{"w":{"dtype":"U8","shape":${deep},"data_offsets":[0,0]}}`), /shape must be/);
  rejects(rawFile(`{"__metadata__":{"k":${deep}}}`), /must be a string, got an array/);
  const longName = 'n'.repeat(100_000);
  assert.throws(() => decodeSafetensors(rawFile(`{"${longName}":1}`)), (e: unknown) => e instanceof CheckpointError && e.message.length < 400);
});

// ---------------------------------------------------------------------------------------------
// fuzzing: arbitrary and mutated bytes either decode or throw CheckpointError, quickly
// ---------------------------------------------------------------------------------------------

function decodeOrCheckpointError(bytes: Uint8Array): boolean {
  try {
    decodeSafetensors(bytes, 'fuzz.safetensors');
    return true;
  } catch (e) {
    if (e instanceof CheckpointError) return true;
    throw e;
  }
}

test('fuzz: random bytes and random JSON headers', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodeOrCheckpointError), { numRuns: 2000, seed: 1 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.uint8Array({ maxLength: 40 }), (h, d) => decodeOrCheckpointError(rawFile([...h], [...d]))),
    { numRuns: 2000, seed: 2 },
  );
  fc.assert(fc.property(fc.json(), fc.uint8Array({ maxLength: 32 }), (json, d) => decodeOrCheckpointError(rawFile(json, [...d]))), { numRuns: 2000, seed: 3 });
  const entry = fc.record({
    dtype: fc.oneof(fc.constantFrom('F32', 'I32', 'F64', 'U8', 'I64', 'BF16'), fc.jsonValue()),
    shape: fc.oneof(fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 3 }), fc.jsonValue()),
    data_offsets: fc.oneof(fc.tuple(fc.integer({ min: -1, max: 40 }), fc.integer({ min: -1, max: 40 })), fc.jsonValue()),
  });
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c', '__metadata__'), entry, { maxKeys: 3 }), fc.uint8Array({ maxLength: 40 }), (header, d) =>
      decodeOrCheckpointError(rawFile(JSON.stringify(header), [...d]))),
    { numRuns: 2000, seed: 4 },
  );
});

test('fuzz: mutated valid files (bit flips, truncation, splices, header-length edits)', () => {
  const base = encodeSafetensors(ALL_DTYPES, { step: '3' });
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(base.length - 1), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(base.length) }),
    fc.record({ kind: fc.constant('splice' as const), at: fc.nat(base.length), del: fc.nat(16), ins: fc.uint8Array({ maxLength: 16 }) }),
    fc.record({ kind: fc.constant('length' as const), n: fc.oneof(fc.nat(base.length + 16), fc.nat(0xffffffff)), hi: fc.oneof(fc.constant(0), fc.nat(0xffffffff)) }),
  );
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (muts) => {
      let b = Uint8Array.from(base);
      for (const m of muts) {
        if (m.kind === 'flip') {
          if (m.at < b.length) b[m.at]! ^= 1 << m.bit;
        } else if (m.kind === 'truncate') b = b.subarray(0, m.at);
        else if (m.kind === 'splice') b = new Uint8Array([...b.subarray(0, m.at), ...m.ins, ...b.subarray(m.at + m.del)]);
        else if (b.length >= 8) {
          const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
          v.setUint32(0, m.n, true);
          v.setUint32(4, m.hi, true);
        }
      }
      return decodeOrCheckpointError(b);
    }),
    { numRuns: 2000, seed: 5 },
  );
});

test('checksum: data_sha256 is the SHA-256 of the data buffer; verified on decode, then left out', () => {
  const bytes = encodeSafetensors(ALL_DTYPES, { step: '3' }, { checksum: true });
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as { __metadata__: Record<string, string> };
  assert.equal(header.__metadata__.data_sha256, sha256Hex(bytes.subarray(8 + n)), 'the digest covers exactly the data buffer');
  // Same tensors and data as without the checksum; only the header differs.
  const plain = encodeSafetensors(ALL_DTYPES, { step: '3' });
  const m = new DataView(plain.buffer, plain.byteOffset).getUint32(0, true);
  assert.deepEqual(bytes.subarray(8 + n), plain.subarray(8 + m));
  const back = decodeSafetensors(bytes);
  assert.deepEqual(back.metadata, { step: '3' });
  assert.deepEqual(back.tensors, decodeSafetensors(plain).tensors);
  // Decode, change, encode again with the returned metadata: never a stale digest.
  assert.doesNotThrow(() => decodeSafetensors(encodeSafetensors(back.tensors, back.metadata)));
});

test('checksum: every single-bit flip in the data buffer is caught with a message saying so', () => {
  const bytes = encodeSafetensors(ALL_DTYPES, {}, { checksum: true });
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  for (let at = 8 + n; at < bytes.length; at++) {
    for (const bit of [0, 7]) {
      const b = Uint8Array.from(bytes);
      b[at]! ^= 1 << bit;
      assert.throws(() => decodeSafetensors(b, 'w.safetensors'), (e: unknown) => e instanceof CheckpointError &&
        /^w\.safetensors: .*SHA-256 is [0-9a-f]{12}…, but the header recorded [0-9a-f]{12}…: the tensor data is corrupt/.test((e as Error).message), `byte ${at} bit ${bit}`);
    }
  }
  // Without a recorded digest the same flips decode (the format has no checksum of its own).
  const plain = encodeSafetensors(ALL_DTYPES);
  const flipped = Uint8Array.from(plain);
  flipped[flipped.length - 1]! ^= 1;
  assert.doesNotThrow(() => decodeSafetensors(flipped));
});

test('checksum: data_sha256 is a reserved metadata key', () => {
  for (const checksum of [true, false]) {
    assert.throws(() => encodeSafetensors(ALL_DTYPES, { data_sha256: 'x' }, { checksum }), (e: unknown) => e instanceof ConfigError && /data_sha256.*reserved/.test((e as Error).message));
  }
});

// ---------------------------------------------------------------------------------------------
// issue 18: the header is covered too, and duplicate keys are refused
// ---------------------------------------------------------------------------------------------

test('checksum: header_sha256 covers the length and the header (its own digits read as zeros); verified, then left out', () => {
  const bytes = encodeSafetensors(ALL_DTYPES, { rows: '59', epoch: '3' }, { checksum: true });
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  const recorded = (JSON.parse(text) as { __metadata__: Record<string, string> }).__metadata__.header_sha256!;
  assert.match(recorded, /^[0-9a-f]{64}$/);
  const zeroed = Buffer.from(bytes.subarray(0, 8 + n));
  const at = zeroed.indexOf(recorded);
  zeroed.fill(0x30, at, at + 64);
  assert.equal(sha256Hex(zeroed), recorded, 'an independent recomputation gives the recorded digest');
  const back = decodeSafetensors(bytes);
  assert.deepEqual(back.metadata, { rows: '59', epoch: '3' });
  assert.deepEqual(back.verified, ['header', 'data']);
  // Canonical: the same input gives the same bytes.
  assert.deepEqual(encodeSafetensors(ALL_DTYPES, { rows: '59', epoch: '3' }, { checksum: true }), bytes);
});

test('checksum: every single-bit flip in the length or the header is caught (a row count 59 -> 19 included)', () => {
  const bytes = encodeSafetensors(ALL_DTYPES, { rows: '59', epoch: '3', config: '{"blocks":2}' }, { checksum: true });
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const keyAt = Buffer.from(bytes).indexOf('"header_sha256"');
  let flips = 0;
  for (let at = 0; at < 8 + n; at++) {
    for (let bit = 0; bit < 8; bit++) {
      const b = Uint8Array.from(bytes);
      b[at]! ^= 1 << bit;
      let verified: string[] | null = null;
      try {
        verified = decodeSafetensors(b, 'r.safetensors').verified;
      } catch (e) {
        assert.ok(e instanceof CheckpointError && e.file === 'r.safetensors', `byte ${at} bit ${bit}: ${String(e)}`);
      }
      // The one way through at this level: a flip that renames the digest's own key, so the file
      // reads as one without a header digest. Checkpoints require it (test/model/checkpoint.test.ts).
      if (verified !== null) {
        assert.ok(!verified.includes('header') && at > keyAt && at < keyAt + 14, `byte ${at} bit ${bit} decoded with ${verified.join(', ')}`);
      }
      flips++;
    }
  }
  assert.ok(flips > 8 * 300, `${flips} flips`);
  // The case of issue 18: one digit of "rows" changed, still valid JSON with the same length.
  const at = Buffer.from(bytes).indexOf('"rows":"59"') + 8;
  const edited = Uint8Array.from(bytes);
  edited[at] = '1'.charCodeAt(0);
  assert.equal(JSON.parse(new TextDecoder().decode(edited.subarray(8, 8 + n))).__metadata__.rows, '19');
  rejects(edited, /the header's SHA-256 is [0-9a-f]{12}…, but the header recorded [0-9a-f]{12}…: the header \(its metadata, e\.g\. a row count.*is corrupt/);
  // Without digests the same edit decodes (the format has no checksum of its own).
  const plain = encodeSafetensors(ALL_DTYPES, { rows: '59' });
  const p = Uint8Array.from(plain);
  p[Buffer.from(plain).indexOf('"rows":"59"') + 8] = '1'.charCodeAt(0);
  assert.equal(decodeSafetensors(p).metadata.rows, '19');
});

test('checksum: header_sha256 is reserved, and a moved or malformed digest is corrupt', () => {
  assert.throws(() => encodeSafetensors(ALL_DTYPES, { header_sha256: 'x' }, { checksum: true }), (e: unknown) => e instanceof ConfigError && /header_sha256.*reserved/.test((e as Error).message));
  // A hand-made header whose digest is spaced differently from this encoder's (not where it writes it).
  const spaced = rawFile(`{"__metadata__":{"header_sha256" : "${'a'.repeat(64)}"}}`);
  rejects(spaced, /"header_sha256" is not where this library writes it/);
  const short = rawFile('{"__metadata__":{"header_sha256":"abc"}}');
  rejects(short, /"header_sha256" must be 64 lowercase hex digits, got "abc"/);
});

test('duplicate keys anywhere in the header are refused, also when spelled with escapes', () => {
  const t = '{"dtype":"U8","shape":[1],"data_offsets":[0,1]}';
  for (const [header, key] of [
    [`{"w":${t},"w":${t}}`, 'w'],
    [`{"w":${t},"\\u0077":${t}}`, 'w'],
    ['{"__metadata__":{"rows":"59","rows":"19"},"w":' + t + '}', 'rows'],
    ['{"w":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 'dtype'],
    [`{"__metadata__":{},"__metadata__":{"a":"b"},"w":${t}}`, '__metadata__'],
  ] as const) {
    rejects(rawFile(header, [7]), new RegExp(`header holds the key "${key}" twice`));
  }
  // Equal keys in different objects, and strings that look like keys, are fine.
  const ok = rawFile(`{"__metadata__":{"w":"dtype","x":"{\\"a\\":1,\\"a\\":2}"},"w":${t}}`, [7]);
  assert.deepEqual(decodeSafetensors(ok).metadata, { w: 'dtype', x: '{"a":1,"a":2}' });
});

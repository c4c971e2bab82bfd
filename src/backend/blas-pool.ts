/**
 * Recycling of large float32 output buffers for the `blas` backend.
 *
 * Writing into freshly allocated memory costs a page fault per 4 KiB page (in sandboxed VMs this
 * alone took ~100 ms for one 1024 x 8000 tensor, as long as the product that fills it), and the
 * tfjs cpu backend allocates a new array for every kernel output and leaves the old ones to the
 * garbage collector. The pool keeps the arrays of disposed tensors, by length, and hands them to the
 * next kernel that needs one of that length.
 *
 * Safety: only arrays the pool itself allocated are recycled, only once no live tensor refers to
 * their ArrayBuffer (views made by slices are counted), and never once their contents escaped to
 * user code through dataSync/data (the cpu backend returns its own array there, not a copy).
 */

/** Arrays shorter than this are left to the garbage collector. */
const MIN_LENGTH = 1 << 16; // 256 KiB

export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<ArrayBuffer>();
  private readonly escaped = new WeakSet<ArrayBuffer>();
  /** Live references (tensor data entries) per owned buffer. */
  private readonly live = new Map<ArrayBuffer, number>();
  private pooledBytes = 0;
  /** Most bytes kept for reuse. */
  readonly capacityBytes: number;

  constructor(capacityBytes: number) {
    this.capacityBytes = capacityBytes;
  }

  /** A float32 array of `length` elements with UNDEFINED contents (the caller overwrites all). */
  acquire(length: number): Float32Array {
    if (length < MIN_LENGTH) return new Float32Array(length);
    const list = this.free.get(length);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= reused.byteLength;
      return reused;
    }
    const fresh = new Float32Array(length);
    this.owned.add(fresh.buffer as ArrayBuffer);
    return fresh;
  }

  /** A tensor entry now refers to `values`. */
  retain(values: unknown): void {
    const buf = ownedBuffer(values, this.owned);
    if (buf) this.live.set(buf, (this.live.get(buf) ?? 0) + 1);
  }

  /** A tensor entry referring to `values` was deleted; recycles the buffer when it was the last. */
  release(values: unknown): void {
    const buf = ownedBuffer(values, this.owned);
    if (!buf) return;
    const count = (this.live.get(buf) ?? 0) - 1;
    if (count > 0) {
      this.live.set(buf, count);
      return;
    }
    this.live.delete(buf);
    if (this.escaped.has(buf) || this.pooledBytes + buf.byteLength > this.capacityBytes) return;
    const whole = new Float32Array(buf);
    const list = this.free.get(whole.length);
    if (list) list.push(whole);
    else this.free.set(whole.length, [whole]);
    this.pooledBytes += buf.byteLength;
  }

  /** `values` was handed to user code: never recycle its buffer. */
  escape(values: unknown): void {
    const buf = ownedBuffer(values, this.owned);
    if (buf) this.escaped.add(buf);
  }

  /** Bytes now kept for reuse. */
  get bytes(): number {
    return this.pooledBytes;
  }

  /** Drops every kept array (the garbage collector frees them). */
  clear(): void {
    this.free.clear();
    this.pooledBytes = 0;
  }
}

function ownedBuffer(values: unknown, owned: WeakSet<ArrayBuffer>): ArrayBuffer | null {
  if (!(values instanceof Float32Array)) return null;
  const buf = values.buffer as ArrayBuffer;
  return owned.has(buf) ? buf : null;
}

/** An output array for a kernel: from the backend's pool when it has one (the blas backend). */
export function allocFloat32(backend: unknown, length: number): Float32Array {
  const pool = (backend as { pool?: BufferPool }).pool;
  return pool instanceof BufferPool ? pool.acquire(length) : new Float32Array(length);
}

/**
 * Pixel normalization (bytes -> (p/255 - mean)/std per channel) and raw pixel statistics.
 */
import { check } from '../util/errors.js';
import type { DatasetName } from './types.js';

/** Per-channel mean and std of pixel values scaled to [0, 1]. */
export interface ChannelStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** The normalization constants of the paper's training protocol (torchvision conventions). */
export const NORMALIZATION: Readonly<Record<DatasetName, ChannelStats>> = {
  mnist: { mean: [0.1307], std: [0.3081] },
  'fashion-mnist': { mean: [0.286], std: [0.353] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
};

/**
 * Converts n images of bytes, laid out [n][channels][pixelsPerChannel], to Float32
 * (p/255 - mean[c]) / std[c]. One lookup table per channel, so it is exact and fast.
 *
 * @example
 * normalizeBytes(new Uint8Array([0, 255]), { mean: [0.5], std: [0.5] }); // Float32Array [-1, 1]
 */
export function normalizeBytes(
  pixels: Uint8Array,
  stats: ChannelStats,
  pixelsPerChannel = pixels.length,
): Float32Array {
  const c = stats.mean.length;
  check(stats.std.length === c, 'stats', () => `mean has ${c} channels but std has ${stats.std.length}`);
  check(stats.std.every((s) => s > 0), 'stats.std', () => `std must be positive, got ${JSON.stringify(stats.std)}`);
  const record = c * pixelsPerChannel;
  check(pixels.length % record === 0, 'pixelsPerChannel', () => `${pixels.length} bytes are not a whole number of ${c} x ${pixelsPerChannel} images`);
  const luts = stats.mean.map((m, ch) => {
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = (v / 255 - m) / stats.std[ch]!;
    return lut;
  });
  const out = new Float32Array(pixels.length);
  for (let start = 0; start < pixels.length; start += record) {
    for (let ch = 0; ch < c; ch++) {
      const lut = luts[ch]!;
      const base = start + ch * pixelsPerChannel;
      for (let i = base; i < base + pixelsPerChannel; i++) out[i] = lut[pixels[i]!]!;
    }
  }
  return out;
}

/**
 * Mean and (population) std of raw pixel bytes scaled to [0, 1], per channel, in float64.
 * Layout [n][channels][pixelsPerChannel]; with one channel the layout does not matter.
 *
 * @example
 * pixelStats(new Uint8Array([0, 255]));  // { mean: [0.5], std: [0.5] }
 */
export function pixelStats(pixels: Uint8Array, channels = 1, pixelsPerChannel = pixels.length / channels): { mean: number[]; std: number[] } {
  check(Number.isInteger(pixelsPerChannel) && pixelsPerChannel > 0, 'pixelsPerChannel', () => `must be a positive integer, got ${pixelsPerChannel}`);
  const record = channels * pixelsPerChannel;
  check(pixels.length % record === 0, 'pixelsPerChannel', () => `${pixels.length} bytes are not a whole number of ${channels} x ${pixelsPerChannel} images`);
  // Exact integer histograms per channel, then moments in float64.
  const hist = Array.from({ length: channels }, () => new Float64Array(256));
  for (let start = 0; start < pixels.length; start += record) {
    for (let ch = 0; ch < channels; ch++) {
      const h = hist[ch]!;
      const base = start + ch * pixelsPerChannel;
      for (let i = base; i < base + pixelsPerChannel; i++) h[pixels[i]!]!++;
    }
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (const h of hist) {
    let n = 0;
    let s = 0;
    for (let v = 0; v < 256; v++) {
      n += h[v]!;
      s += h[v]! * (v / 255);
    }
    const m = s / n;
    let q = 0;
    for (let v = 0; v < 256; v++) q += h[v]! * (v / 255 - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt(q / n));
  }
  return { mean, std };
}

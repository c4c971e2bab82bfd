/**
 * RandomResizedCrop in the torchvision manner: per image, up to 10 attempts to draw a box whose
 * area is a uniform fraction (scale) of the image and whose log aspect ratio is uniform in
 * log(ratio); if none fits, a center crop clamped to the ratio range. The box is then resized
 * back with bilinear interpolation (half-pixel centers, align_corners = false). Works on
 * channel-major float images (normalized or not: both steps are affine per channel).
 */
import { check } from '../util/errors.js';
import type { Rng } from '../util/rng.js';

/** A crop box: top row i, left column j, height h, width w. */
export interface CropBox {
  i: number;
  j: number;
  h: number;
  w: number;
}

/** Options of {@link randomResizedCrop}. */
export interface RandomResizedCropOptions {
  /** Range of the box area as a fraction of the image area. Default [0.08, 1]. */
  scale?: [number, number];
  /** Range of the box aspect ratio w/h. Default [3/4, 4/3]. */
  ratio?: [number, number];
  /** Output size: a number (square) or [height, width]. Default the input size. */
  out?: number | [number, number];
}

/** Round half to even (Python's round), so box sizes match torchvision's. */
function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Draws one RandomResizedCrop box for an h x w image.
 *
 * @example
 * sampleCropBox(32, 32, new Rng(0)); // e.g. { i: 3, j: 10, h: 17, w: 20 }
 */
export function sampleCropBox(
  height: number,
  width: number,
  rng: Rng,
  scale: [number, number] = [0.08, 1],
  ratio: [number, number] = [3 / 4, 4 / 3],
): CropBox {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.range(scale[0], scale[1]);
    const aspect = Math.exp(rng.range(logLo, logHi));
    const w = roundEven(Math.sqrt(target * aspect));
    const h = roundEven(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { i: rng.int(height - h + 1), j: rng.int(width - w + 1), h, w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = roundEven(w / ratio[0]);
  else if (inRatio > ratio[1]) w = roundEven(h * ratio[1]);
  return { i: Math.floor((height - h) / 2), j: Math.floor((width - w) / 2), h, w };
}

/**
 * Bilinear resize of the box `box` of one channel-major image (c x h x w at `src[offset..]`)
 * to oh x ow, written to `dst[dstOffset..]`. Half-pixel centers, edges clamped.
 */
export function resizeBilinear(
  src: Float32Array,
  offset: number,
  c: number,
  h: number,
  w: number,
  box: CropBox,
  oh: number,
  ow: number,
  dst: Float32Array,
  dstOffset: number,
): void {
  const sy = box.h / oh;
  const sx = box.w / ow;
  // Precompute the column taps once per image.
  const x0 = new Int32Array(ow);
  const x1 = new Int32Array(ow);
  const fx = new Float64Array(ow);
  for (let ox = 0; ox < ow; ox++) {
    const x = Math.max(0, (ox + 0.5) * sx - 0.5);
    const xi = Math.min(Math.floor(x), box.w - 1);
    x0[ox] = box.j + xi;
    x1[ox] = box.j + Math.min(xi + 1, box.w - 1);
    fx[ox] = Math.min(x - xi, 1);
  }
  for (let ch = 0; ch < c; ch++) {
    const plane = offset + ch * h * w;
    const out = dstOffset + ch * oh * ow;
    for (let oy = 0; oy < oh; oy++) {
      const y = Math.max(0, (oy + 0.5) * sy - 0.5);
      const yi = Math.min(Math.floor(y), box.h - 1);
      const fy = Math.min(y - yi, 1);
      const r0 = plane + (box.i + yi) * w;
      const r1 = plane + (box.i + Math.min(yi + 1, box.h - 1)) * w;
      for (let ox = 0; ox < ow; ox++) {
        const a = src[r0 + x0[ox]!]!;
        const b = src[r0 + x1[ox]!]!;
        const cc = src[r1 + x0[ox]!]!;
        const d = src[r1 + x1[ox]!]!;
        const t = fx[ox]!;
        const top = a + (b - a) * t;
        const bottom = cc + (d - cc) * t;
        dst[out + oy * ow + ox] = top + (bottom - top) * fy;
      }
    }
  }
}

/**
 * Applies RandomResizedCrop to each of `n` channel-major images (c x h x w, row-major batch) and
 * returns a new Float32Array of n x c x oh x ow. Deterministic given `rng`'s state; images are
 * processed in order, each drawing its own box.
 *
 * @example
 * const rng = new Rng(42).fork('crop-epoch-0');
 * const x = randomResizedCrop(batch.x, batch.n, 3, 32, 32, rng); // same size as batch.x
 */
export function randomResizedCrop(
  images: Float32Array,
  n: number,
  c: number,
  h: number,
  w: number,
  rng: Rng,
  opts: RandomResizedCropOptions = {},
): Float32Array {
  const scale = opts.scale ?? [0.08, 1];
  const ratio = opts.ratio ?? [3 / 4, 4 / 3];
  const [oh, ow] = opts.out === undefined ? [h, w] : typeof opts.out === 'number' ? [opts.out, opts.out] : opts.out;
  check(images.length === n * c * h * w, 'images', () => `length ${images.length} is not n*c*h*w = ${n}*${c}*${h}*${w}`);
  check(scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1, 'scale', () => `must satisfy 0 < lo <= hi <= 1, got [${scale.join(', ')}]`);
  check(ratio[0] > 0 && ratio[0] <= ratio[1], 'ratio', () => `must satisfy 0 < lo <= hi, got [${ratio.join(', ')}]`);
  check(Number.isInteger(oh) && oh > 0 && Number.isInteger(ow) && ow > 0, 'out', () => `must be positive integers, got ${oh} x ${ow}`);
  const out = new Float32Array(n * c * oh * ow);
  for (let k = 0; k < n; k++) {
    const box = sampleCropBox(h, w, rng, scale, ratio);
    resizeBilinear(images, k * c * h * w, c, h, w, box, oh, ow, out, k * c * oh * ow);
  }
  return out;
}

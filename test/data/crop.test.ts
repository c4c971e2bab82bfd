import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomResizedCrop, resizeBilinear, sampleCropBox } from '../../src/data/index.js';
import { Rng } from '../../src/util/rng.js';

function images(n: number, c: number, h: number, w: number): Float32Array {
  const rng = new Rng(7);
  return rng.normalArray(n * c * h * w);
}

test('crop is deterministic given the rng, and has the requested shape', () => {
  const x = images(6, 3, 32, 32);
  const a = randomResizedCrop(x, 6, 3, 32, 32, new Rng(42).fork('crop-0'));
  const b = randomResizedCrop(x, 6, 3, 32, 32, new Rng(42).fork('crop-0'));
  assert.equal(a.length, 6 * 3 * 32 * 32);
  assert.deepEqual(Array.from(a), Array.from(b));
  const c = randomResizedCrop(x, 6, 3, 32, 32, new Rng(42).fork('crop-1'));
  assert.notDeepEqual(Array.from(c), Array.from(a));
  const small = randomResizedCrop(x, 6, 3, 32, 32, new Rng(1), { out: [16, 24] });
  assert.equal(small.length, 6 * 3 * 16 * 24);
  assert.ok(a.every(Number.isFinite));
});

test('boxes stay inside the image with area in scale and aspect in ratio (or the fallback)', () => {
  const rng = new Rng(3);
  let drawn = 0;
  for (let t = 0; t < 2000; t++) {
    const box = sampleCropBox(32, 32, rng);
    assert.ok(box.i >= 0 && box.j >= 0 && box.i + box.h <= 32 && box.j + box.w <= 32 && box.h > 0 && box.w > 0, JSON.stringify(box));
    if (box.h === 32 && box.w === 32) continue; // fallback (or a full-size draw)
    drawn++;
    // Rounding of w and h moves area and ratio a little past the sampled ranges.
    const area = (box.h * box.w) / 1024;
    assert.ok(area >= 0.05 && area <= 1, `area ${area}`);
    const ratio = box.w / box.h;
    assert.ok(ratio >= 0.6 && ratio <= 1.7, `ratio ${ratio}`);
  }
  assert.ok(drawn > 1900);
  // Impossible scale forces the fallback center crop (ratio clamp on a tall image).
  const fb = sampleCropBox(40, 10, new Rng(0), [1, 1], [3 / 4, 4 / 3]);
  assert.deepEqual(fb, { i: 13, j: 0, h: 13, w: 10 });
});

test('scale 1 and ratio 1 give the whole image back unchanged', () => {
  const x = images(2, 3, 8, 8);
  const y = randomResizedCrop(x, 2, 3, 8, 8, new Rng(5), { scale: [1, 1], ratio: [1, 1] });
  assert.deepEqual(Array.from(y), Array.from(x));
});

test('bilinear resize matches hand-computed values (half-pixel centers)', () => {
  // 1 channel, 2x2 image [[0, 1], [2, 3]] upsampled to 4x4.
  const src = Float32Array.of(0, 1, 2, 3);
  const dst = new Float32Array(16);
  resizeBilinear(src, 0, 1, 2, 2, { i: 0, j: 0, h: 2, w: 2 }, 4, 4, dst, 0);
  // Source coordinates for outputs 0..3: max(0, (o + 0.5) / 2 - 0.5) = 0, 0.25, 0.75, 1.25 -> clamped to 1.
  const coord = [0, 0.25, 0.75, 1];
  const want = coord.flatMap((yy) => coord.map((xx) => 2 * yy + xx));
  assert.deepEqual(Array.from(dst), want);
  // A crop box is read relative to its corner, channel by channel.
  const img = Float32Array.from({ length: 2 * 4 * 4 }, (_, k) => k);
  const out = new Float32Array(2);
  resizeBilinear(img, 0, 2, 4, 4, { i: 2, j: 1, h: 1, w: 1 }, 1, 1, out, 0);
  assert.deepEqual(Array.from(out), [2 * 4 + 1, 16 + 2 * 4 + 1]);
});

test('randomResizedCrop equals a naive per-pixel bilinear of the sampled boxes', () => {
  const [n, c, h, w, oh, ow] = [3, 2, 12, 10, 9, 7];
  const x = images(n, c, h, w);
  const out = randomResizedCrop(x, n, c, h, w, new Rng(9), { out: [oh, ow] });
  const rng = new Rng(9);
  for (let k = 0; k < n; k++) {
    const box = sampleCropBox(h, w, rng);
    const px = (ch: number, r: number, q: number): number => x[k * c * h * w + ch * h * w + (box.i + r) * w + (box.j + q)]!;
    for (let ch = 0; ch < c; ch++) {
      for (let r = 0; r < oh; r++) {
        for (let q = 0; q < ow; q++) {
          const sy = Math.max(0, ((r + 0.5) * box.h) / oh - 0.5);
          const sx = Math.max(0, ((q + 0.5) * box.w) / ow - 0.5);
          const y0 = Math.min(Math.floor(sy), box.h - 1);
          const x0 = Math.min(Math.floor(sx), box.w - 1);
          const y1 = Math.min(y0 + 1, box.h - 1);
          const x1 = Math.min(x0 + 1, box.w - 1);
          const ly = sy - y0;
          const lx = sx - x0;
          const want =
            (1 - ly) * ((1 - lx) * px(ch, y0, x0) + lx * px(ch, y0, x1)) + ly * ((1 - lx) * px(ch, y1, x0) + lx * px(ch, y1, x1));
          const got = out[k * c * oh * ow + ch * oh * ow + r * ow + q]!;
          assert.ok(Math.abs(got - want) < 1e-5, `image ${k} ch ${ch} (${r},${q}): ${got} vs ${want}`);
        }
      }
    }
  }
});

test('bad crop options are rejected', () => {
  const x = images(1, 1, 4, 4);
  assert.throws(() => randomResizedCrop(x, 2, 1, 4, 4, new Rng(0)), /images: length 16 is not n\*c\*h\*w/);
  assert.throws(() => randomResizedCrop(x, 1, 1, 4, 4, new Rng(0), { scale: [0.5, 0.2] }), /scale: must satisfy/);
  assert.throws(() => randomResizedCrop(x, 1, 1, 4, 4, new Rng(0), { ratio: [0, 1] }), /ratio: must satisfy/);
});

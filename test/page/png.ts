/**
 * A minimal PNG reader for the browser test's screenshot checks: 8-bit RGB or RGBA, not
 * interlaced (what Chromium writes), decoded to RGBA. Written from the PNG specification
 * (chunks, zlib IDAT stream, the five scanline filters).
 */
import { inflateSync } from 'node:zlib';

export interface Image {
  width: number;
  height: number;
  /** RGBA, row-major. */
  rgba: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export function decodePng(buf: Uint8Array): Image {
  if (!SIGNATURE.every((b, i) => buf[i] === b)) throw new Error('not a PNG file (bad signature)');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Uint8Array[] = [];
  while (pos < buf.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...buf.subarray(pos + 4, pos + 8));
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      const depth = data[8];
      colorType = data[9]!;
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || data[12] !== 0) {
        throw new Error(`unsupported PNG: bit depth ${depth}, color type ${colorType}, interlace ${data[12]} (need 8-bit RGB/RGBA, not interlaced)`);
      }
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const channels = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels]! : 0; // left
      const b = prev[i]!; // up
      const c = i >= channels ? prev[i - channels]! : 0; // up-left
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter type ${filter} on row ${y}`);
      cur[i] = (line[i]! + pred) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = cur[x * channels]!;
      out[o + 1] = cur[x * channels + 1]!;
      out[o + 2] = cur[x * channels + 2]!;
      out[o + 3] = channels === 4 ? cur[x * channels + 3]! : 255;
    }
    prev = cur;
  }
  return { width, height, rgba: out };
}

/** Pixels of a rectangle of `img` within `tol` (per channel) of the color `#rrggbb`. */
export function countColor(img: Image, box: { x: number; y: number; width: number; height: number }, hex: string, tol = 40): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  let n = 0;
  forBox(img, box, (o) => {
    if (Math.abs(img.rgba[o]! - r) <= tol && Math.abs(img.rgba[o + 1]! - g) <= tol && Math.abs(img.rgba[o + 2]! - b) <= tol) n++;
  });
  return n;
}

/** Fraction of a rectangle's pixels that are not (near) white. */
export function inkFraction(img: Image, box: { x: number; y: number; width: number; height: number }): number {
  let ink = 0;
  let all = 0;
  forBox(img, box, (o) => {
    all++;
    if (img.rgba[o]! < 235 || img.rgba[o + 1]! < 235 || img.rgba[o + 2]! < 235) ink++;
  });
  return all === 0 ? 0 : ink / all;
}

function forBox(img: Image, box: { x: number; y: number; width: number; height: number }, fn: (offset: number) => void): void {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(img.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(img.height, Math.ceil(box.y + box.height));
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) fn((y * img.width + x) * 4);
}

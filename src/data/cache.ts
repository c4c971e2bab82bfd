/**
 * In-memory cache of loaded datasets, keyed by (name, folder, limits), so a notebook that loads
 * the same data twice pays once. Cached arrays are shared: treat them as read-only.
 */
import type { DatasetSplits } from './types.js';

const cache = new Map<string, DatasetSplits>();

/** The cache key of a load. */
export function cacheKey(name: string, dir: string, limitTrain?: number, limitTest?: number): string {
  return `${name}|${dir}|${limitTrain ?? 'all'}|${limitTest ?? 'all'}`;
}

/** Returns the cached value for `key`, or computes, stores (when `use`) and returns it. */
export function cached(key: string, use: boolean, load: () => DatasetSplits): DatasetSplits {
  if (use) {
    const hit = cache.get(key);
    if (hit) return hit;
  }
  const value = load();
  if (use) cache.set(key, value);
  return value;
}

/**
 * Drops every cached dataset (frees its memory once no one else holds it).
 *
 * @example
 * clearDatasetCache();
 */
export function clearDatasetCache(): void {
  cache.clear();
}

/** Number of cached loads (for tests and notebooks). */
export function datasetCacheSize(): number {
  return cache.size;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pointStats, seedBand, colorFor, withAlpha } from '../../src/plots/index.js';
import { Rng } from '../../src/util/rng.js';

/** Reference mean/std written the obvious way: filter the finite values, then two passes. */
function reference(values: number[], ddof: 0 | 1): { mean: number; std: number } {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { mean: NaN, std: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length - ddof <= 0) return { mean, std: 0 };
  const variance = v.map((x) => (x - mean) ** 2).reduce((a, b) => a + b, 0) / (v.length - ddof);
  return { mean, std: Math.sqrt(variance) };
}

function closeOrBothNaN(a: number, b: number, msg: string): void {
  if (Number.isNaN(b)) assert.ok(Number.isNaN(a), `${msg}: expected NaN, got ${a}`);
  else assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${msg}: ${a} vs ${b}`);
}

test('pointStats matches a brute-force mean/std on random data with NaN, Infinity and ragged rows', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 50; trial++) {
    const seeds = 1 + rng.int(4);
    const len = 1 + rng.int(12);
    const ys = Array.from({ length: seeds }, () => {
      const n = rng.int(len + 1); // ragged: rows may be shorter
      return Array.from({ length: n }, () => {
        const u = rng.uniform();
        return u < 0.15 ? NaN : u < 0.2 ? Infinity : rng.normal() * 3;
      });
    });
    for (const ddof of [0, 1] as const) {
      const s = pointStats(ys, len, ddof);
      for (let i = 0; i < len; i++) {
        const col = ys.map((r) => (i < r.length ? (r[i] as number) : NaN));
        const ref = reference(col, ddof);
        closeOrBothNaN(s.mean[i] as number, ref.mean, `mean[${i}]`);
        closeOrBothNaN(s.std[i] as number, ref.std, `std[${i}] ddof=${ddof}`);
        assert.equal(s.count[i], col.filter(Number.isFinite).length);
      }
    }
  }
});

test('seedBand: mean line ignores NaN per point; band is closed polygons split at gaps', () => {
  const x = [0, 1, 2, 3, 4];
  const ys = [
    [1, 2, NaN, 4, 5],
    [3, 2, NaN, 6, NaN],
  ];
  const traces = seedBand({ x, ys }, { name: 'gn' });
  assert.equal(traces.length, 2);
  const [band, line] = traces as [NonNullable<(typeof traces)[0]>, NonNullable<(typeof traces)[1]>];
  assert.equal(line.fill, undefined);
  assert.deepEqual(line.y, [2, 2, null, 5, 5]);
  assert.deepEqual(line.x, x);
  assert.equal(band.fill, 'toself');
  assert.equal(band.showlegend, false);
  assert.equal(line.showlegend, true);
  assert.equal(band.legendgroup, line.legendgroup);
  assert.equal(band.hoverinfo, 'skip');
  assert.equal(band.fillcolor, withAlpha(colorFor('gn'), 0.2));
  // points 0,1: std 1 and 0; gap at 2; points 3,4: std 1 and 0 (single value).
  assert.deepEqual(band.x, [0, 1, 1, 0, null, 3, 4, 4, 3]);
  assert.deepEqual(band.y, [3, 2, 2, 1, null, 6, 5, 5, 4]);
});

test('seedBand: a single seed draws one plain line; JSON of the traces holds no NaN', () => {
  const traces = seedBand({ x: [0, 1, 2], ys: [[1, NaN, 3]] }, { name: 'adam' });
  assert.equal(traces.length, 1);
  assert.deepEqual(traces[0]?.y, [1, null, 3]);
  assert.equal(traces[0]?.line?.color, colorFor('adam'));
  assert.ok(!JSON.stringify(traces).includes('NaN'));
});

test('seedBand with logY clips a non-positive lower edge to the smallest value seen', () => {
  const traces = seedBand({ x: [0, 1], ys: [[0.1, 1], [10, 1]] }, { name: 'sgd', logY: true });
  const band = traces[0];
  assert.ok(band !== undefined && band.fill === 'toself');
  // point 0: mean 5.05, std 4.95 -> lower 0.1 (> 0, kept); point 1: std 0 -> lower 1.
  const y = band.y as number[];
  assert.ok(Math.abs((y[0] as number) - 10) < 1e-12 && Math.abs((y[3] as number) - 0.1) < 1e-12, `band ${y}`);
  const wide = seedBand({ x: [0], ys: [[0.01], [0.01], [30]] }, { logY: true })[0];
  const lower = (wide?.y as number[])[1] as number;
  assert.equal(lower, 0.01); // mean - std < 0, replaced by the smallest value
  const neg = seedBand({ x: [0, 1], ys: [[-1, 1], [-2, 2]] }, { logY: true });
  assert.deepEqual(neg.at(-1)?.y, [null, 1.5]); // non-positive mean cannot be drawn on a log axis
});

test('seedBand rejects seed rows longer than x', () => {
  assert.throws(() => seedBand({ x: [0], ys: [[1, 2]] }), /seed row 0 has 2 values but x has only 1/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inexactBlocksMessage, reachableRank } from '../../src/gn/inexact.js';
import type { BlockDiagnostics } from '../../src/gn/step.js';

const half = (rank: number, n: number) => ({ rank, n, cond: 1e6, method: 'truncated/eig' });
const block = (i: number, fr: number, gr: number, n: number): BlockDiagnostics => ({ block: i, f: half(fr, n), g: half(gr, n), exact: fr === n && gr === n });
const mnist = { inputDim: 784, hidden: 8000, firstBlockLinear: true };

test('reachableRank: h + 1 columns, d/2 + 1 for the linear first block, d/2 + 1 without the bottleneck, no bias column', () => {
  assert.equal(reachableRank(0, mnist), 393);
  assert.equal(reachableRank(1, mnist), 8001);
  assert.equal(reachableRank(0, { ...mnist, firstBlockLinear: false }), 8001);
  assert.equal(reachableRank(3, { inputDim: 3072, hidden: null, firstBlockLinear: true }), 1537);
  assert.equal(reachableRank(1, { ...mnist, hidden: 64, bias: false }), 64);
});

test('null when every block is exact', () => {
  assert.equal(inexactBlocksMessage([block(0, 8, 8, 8), block(1, 8, 8, 8)]), null);
});

test('the paper setting: full-rank blocks cut by rtol 1e-2 are blamed on the truncation, said to be the paper\'s', () => {
  const m = inexactBlocksMessage([block(0, 128, 128, 128), block(1, 120, 117, 128)], {}, { ...mnist, hidden: 512 });
  assert.ok(m !== null);
  assert.match(m, /^GN blocks not exact \(blocks counted from 1\): block 2 \(f rank 120\/128, g rank 117\/128\); /);
  assert.match(m, /rtol 0\.01, atol 0\.00001: the paper's own setting/);
  assert.doesNotMatch(m, /batch no larger than the rank|larger than the rank/);
});

test('a user rtol is not called the paper\'s', () => {
  const m = inexactBlocksMessage([block(1, 100, 128, 128)], { rtol: 0.1 }, mnist) ?? '';
  assert.match(m, /rtol 0\.1, atol 0\.00001; gn\.pinv "none" or gn\.rtol 0 takes the exact step$/);
  assert.doesNotMatch(m, /paper/);
});

test('a batch above the reachable rank (the linear MNIST block at n = 1024) is blamed on the batch, both causes when both hold', () => {
  const only = inexactBlocksMessage([block(0, 393, 393, 1024)], {}, mnist) ?? '';
  assert.match(only, /the batch \(n = 1024\) is larger than the rank the block can reach \(block 1 reaches rank 393 \(linear: d\/2 \+ 1\)\)/);
  assert.doesNotMatch(only, /truncated/);
  const both = inexactBlocksMessage([block(0, 393, 393, 1024), block(1, 1000, 1024, 1024)], {}, mnist) ?? '';
  assert.match(both, /larger than the rank .*; the truncated pseudo-inverse dropped/);
});

test('regularized solves say so; without model sizes and without truncation the rank bound is named', () => {
  assert.match(inexactBlocksMessage([block(0, 8, 8, 8), block(1, 8, 8, 8)].map((b) => ({ ...b, exact: false })), { pinv: 'damped' }) ?? '', /pinv "damped" does not solve J dTheta = T exactly/);
  assert.match(inexactBlocksMessage([block(0, 4, 8, 8)], { noise: 0.1 }) ?? '', /pinv "truncated" with noise/);
  assert.match(inexactBlocksMessage([block(0, 4, 8, 8)], { rtol: 0, atol: 0 }) ?? '', /rank < n: the batch is larger than the rank/);
  assert.match(inexactBlocksMessage([block(1, 4, 8, 8)], { pinv: 'none' }, mnist) ?? '', /numerically singular/);
});

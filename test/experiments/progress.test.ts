import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, progressEveryMsFromEnv, progressReporter, type ProgressEvent } from '../../src/experiments/progress.js';

const base = { key: 'run1', epochs: 10, batches: 5, totalSteps: 50, resumedAt: 0, etaMs: null } as const;
const ev = (kind: ProgressEvent['kind'], epoch: number, elapsedMs: number, extra: Partial<ProgressEvent> = {}): ProgressEvent =>
  ({ ...base, kind, epoch, batch: 0, step: epoch * 5, elapsedMs, ...extra });

/** Feeds a whole run (start, 5 steps and one eval per epoch, epoch, done) taking `msPerEpoch` per epoch. */
function run(msPerEpoch: number, opts?: { everyMs?: number }, resumedAt = 0): string[] {
  const lines: string[] = [];
  const report = progressReporter({ write: (s) => (lines.push(s), true) }, opts);
  report(ev('start', resumedAt / 5, 0, { resumedAt, step: resumedAt }));
  for (let epoch = resumedAt / 5 + 1; epoch <= 10; epoch++) {
    for (let b = 0; b < 5; b++) report(ev('step', epoch, (epoch - 1) * msPerEpoch, { batch: b, trainLoss: 1 / epoch }));
    report(ev('eval', epoch, epoch * msPerEpoch, { testLoss: 0.5, testAcc: 0.9 }));
    report(ev('epoch', epoch, epoch * msPerEpoch, { trainLoss: 1 / epoch }));
  }
  report(ev('done', 10, 10 * msPerEpoch, { trainLoss: 0.1 }));
  return lines;
}

test('off a TTY a short run prints one line, when it is done, with its final numbers', () => {
  const lines = run(100);
  assert.equal(lines.length, 1, lines.join(''));
  assert.equal(lines[0], 'run1 done: epoch 10/10 step 50/50 train_loss 0.1000 test_loss 0.5000 test_acc 90.00% elapsed 1s\n');
});

test('a long run adds an epoch line at most every everyMs', () => {
  const lines = run(25_000); // 250 s: epoch lines at 75 s (3 epochs since start > 60 s), 150 s, 225 s, then done
  assert.deepEqual(lines.map((l) => l.split(' ').slice(0, 3).join(' ')), ['run1 epoch 3/10', 'run1 epoch 6/10', 'run1 epoch 9/10', 'run1 done: epoch']);
  assert.match(lines[0] as string, /elapsed 1m15s eta \?$/m);
  assert.equal(run(25_000, { everyMs: Infinity }).length, 1);
  assert.equal(run(1, { everyMs: 0 }).length, 11, 'everyMs 0: every epoch');
});

test('a resumed run says where it resumed', () => {
  const lines = run(10, {}, 20);
  assert.equal(lines.length, 2);
  assert.match(lines[0] as string, /^run1 resumed at epoch 4\/10 step 20\/50/);
});

test('on a TTY a bar is redrawn in place', () => {
  const lines: string[] = [];
  const report = progressReporter({ write: (s) => (lines.push(s), true), isTTY: true, columns: 200 });
  report(ev('step', 1, 0, { step: 25 }));
  report(ev('done', 10, 1000, { step: 50 }));
  assert.match(lines[0] as string, /^\rrun1 \[#{12}\.{12}\]  50% ETA \? epoch 1\/10 step 25\/50/);
  assert.equal(lines.at(-1), '\n');
});

test('formatDuration', () => {
  assert.equal(formatDuration(42_000), '42s');
  assert.equal(formatDuration(187_000), '3m07s');
  assert.equal(formatDuration(3_720_000), '1h02m');
});

test('EXACT_GN_PROGRESS_MS sets the epoch-line interval, and a bad value is refused with the value', () => {
  assert.equal(progressEveryMsFromEnv({}), 60_000);
  assert.equal(progressEveryMsFromEnv({ EXACT_GN_PROGRESS_MS: '' }), 60_000);
  assert.equal(progressEveryMsFromEnv({ EXACT_GN_PROGRESS_MS: '0' }), 0);
  assert.equal(progressEveryMsFromEnv({ EXACT_GN_PROGRESS_MS: '2500' }), 2500);
  for (const bad of ['-1', 'soon', 'NaN']) {
    assert.throws(() => progressEveryMsFromEnv({ EXACT_GN_PROGRESS_MS: bad }), new RegExp(`EXACT_GN_PROGRESS_MS.*${bad}`));
  }
});

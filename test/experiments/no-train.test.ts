// noTrain: a report built from runs trained elsewhere takes complete runs from the store and
// names the others (E_RUN_MISSING) without ever starting one.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend } from '../helpers/backend.js';
import { runExperiment, RunMissingError } from '../../src/experiments/runner.js';
import { validateConfig } from '../../src/experiments/config.js';
import { runKey } from '../../src/experiments/key.js';
import { runPaths } from '../../src/experiments/store.js';
import { FigureRunsMissingError, runFigure, type FigureSpec } from '../../src/report/figure.js';
import { tempRoot, tinyMini } from './fixtures/configs.js';

const quiet = { progress: false, warn: () => {} } as const;

before(async () => {
  await setupBackend();
});

test('noTrain returns a complete run from the store and throws E_RUN_MISSING for a missing or unfinished one, writing nothing', async () => {
  const root = tempRoot('notrain');
  const cfg = tinyMini({ epochs: 1, checkpointEpochs: [0, 1] });
  const key = runKey(validateConfig(cfg));
  const missing = (state: string) => (e: unknown): boolean => {
    assert.ok(e instanceof RunMissingError, String(e));
    assert.equal(e.code, 'E_RUN_MISSING');
    assert.equal(e.key, key);
    assert.equal(e.state, state);
    assert.match(e.message, new RegExp(`run ${key} \\(tiny-mini\\) is .*complete in .*--no-train.*exact-gn run --plan plan\\.json --index N`));
    return true;
  };
  await assert.rejects(runExperiment(cfg, { root, noTrain: true, ...quiet }), missing('missing'));
  assert.equal(existsSync(join(root, key)), false, 'nothing was created');
  const trained = await runExperiment(cfg, { root, ...quiet });
  const cached = await runExperiment(cfg, { root, noTrain: true, ...quiet });
  assert.equal(cached.cached, true);
  assert.deepEqual(cached.rows, trained.rows);
  rmSync(runPaths(trained.dir).done);
  await assert.rejects(runExperiment(cfg, { root, noTrain: true, ...quiet }), missing('incomplete'));
  assert.equal(existsSync(runPaths(trained.dir).done), false, 'the unfinished run was left alone');
});

test('a figure with --no-train names every missing run at once', async () => {
  const root = tempRoot('notrain-fig');
  const configs = [tinyMini({ epochs: 1, checkpointEpochs: [1], seed: 1 }), tinyMini({ epochs: 1, checkpointEpochs: [1], seed: 2 }), tinyMini({ epochs: 1, checkpointEpochs: [1], seed: 3 })];
  await runExperiment(configs[1]!, { root, ...quiet });
  const spec = {
    id: 'tiny',
    runs: () => configs.map((config, i) => ({ id: `run${i}`, optimizer: 'gn', dataset: 'MNIST', seed: config.seed, config, fellBack: false })),
  } as unknown as FigureSpec;
  const lines: string[] = [];
  await assert.rejects(runFigure(spec, { root, progress: false, noTrain: true, log: (l) => lines.push(l) }), (e: unknown) => {
    assert.ok(e instanceof FigureRunsMissingError, String(e));
    assert.equal(e.code, 'E_RUN_MISSING');
    assert.deepEqual(e.missing.map((m) => m.key), [configs[0]!, configs[2]!].map((c) => runKey(validateConfig(c))));
    assert.match(e.message, /^tiny: 2 of 3 runs are not complete/);
    return true;
  });
  assert.equal(lines.filter((l) => /missing/.test(l)).length, 2);
  assert.equal(existsSync(join(root, runKey(validateConfig(configs[0]!)))), false);
});

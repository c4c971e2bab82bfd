// Times analyzeCheckpoints on a quick-profile-sized MNIST model (d = 784, h = 1024, L = 2), probe
// batch 256, 6 checkpoints per run, for GN, Adam and SGD runs (plus CKA across runs).
// Not a test: run with `npx tsx test/metrics/bench-analyze.ts` (EXACT_GN_BACKEND picks the backend).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '../../src/backend/index.js';
import { RevMLP } from '../../src/model/revmlp.js';
import { saveCheckpoint } from '../../src/model/checkpoint.js';
import { createOptimizer, type OptimizerName } from '../../src/optim/optimizers.js';
import { analyzeCheckpoints, ckaAcrossRuns } from '../../src/metrics/index.js';
import { randomBatch } from '../helpers/nets.js';

const info = await useBackend(process.env.EXACT_GN_BACKEND ?? 'auto');
console.log(`backend: ${info.summary}`);
const cfg = { inputDim: 784, hidden: 1024, blocks: 2, classes: 10, seed: 42 };
const LR: Record<OptimizerName, number> = { gn: 0.1, adam: 1e-4, sgd: 0.1 };
const dir = mkdtempSync(join(tmpdir(), 'exact-gn-bench-'));
try {
  const train = randomBatch(256, 784, 10, 1);
  const runs: Record<string, { epoch: number; path: string }[]> = {};
  const t0 = Date.now();
  for (const name of ['gn', 'adam', 'sgd'] as const) {
    const model = RevMLP.init(cfg);
    const opt = createOptimizer({ name, lr: LR[name] });
    runs[name] = [];
    for (let epoch = 0; epoch < 6; epoch++) {
      if (epoch > 0) opt.step(model, train.x, train.labels);
      const path = join(dir, `${name}-${epoch}.safetensors`);
      saveCheckpoint(path, model, undefined, { epoch: String(epoch) });
      runs[name].push({ epoch, path });
    }
    opt.dispose();
    model.dispose();
  }
  console.log(`wrote 18 checkpoints in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const probe = randomBatch(256, 784, 10, 2);
  const start = Date.now();
  let count = 0;
  for (const [name, refs] of Object.entries(runs)) {
    const t = Date.now();
    const rows = await analyzeCheckpoints(refs, probe.x, probe.labels, { run: name });
    count += rows.length;
    console.log(`${name}: ${rows.length} rows in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  const t = Date.now();
  const across = [...ckaAcrossRuns(runs.gn!, runs.adam!, probe.x, { runA: 'gn', runB: 'adam' }), ...ckaAcrossRuns(runs.gn!, runs.sgd!, probe.x, { runA: 'gn', runB: 'sgd' })];
  console.log(`CKA across runs: ${across.length} rows in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  console.log(`total: ${count + across.length} rows in ${((Date.now() - start) / 1000).toFixed(1)} s; tensors alive ${tf.memory().numTensors}`);
  tf.dispose([train.x, probe.x]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Times analyzeCheckpoints on a quick-profile-sized MNIST model (d = 784, h = 1024, L = 2), probe
// batch 256, 6 checkpoints per run, for GN, Adam and SGD runs (analyzeRuns: all diagnostics plus
// CKA across the runs).
// Not a test: run with `npx tsx test/metrics/bench-analyze.ts` (EXACT_GN_BACKEND picks the backend).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '../../src/backend/index.js';
import { RevMLP } from '../../src/model/revmlp.js';
import { saveCheckpoint } from '../../src/model/checkpoint.js';
import { createOptimizer, type PaperOptimizerName } from '../../src/optim/optimizers.js';
import { analyzeRuns } from '../../src/metrics/index.js';
import { randomBatch } from '../helpers/nets.js';

const info = await useBackend(process.env.EXACT_GN_BACKEND ?? 'auto');
console.log(`backend: ${info.summary}`);
const cfg = { inputDim: 784, hidden: 1024, blocks: 2, classes: 10, seed: 42 };
const LR: Record<PaperOptimizerName, number> = { gn: 0.1, adam: 1e-4, sgd: 0.1 };
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
  const rows = await analyzeRuns(runs, probe.x, probe.labels, {
    onCheckpoint: (i) => console.log(`  epoch ${i.epoch}: ${i.seconds.toFixed(2)} s`),
  });
  const runsSeen = [...new Set(rows.map((r) => r.run))].join(', ');
  console.log(`analyzeRuns: ${rows.length} rows (${runsSeen}) in ${((Date.now() - start) / 1000).toFixed(1)} s; tensors alive ${tf.memory().numTensors}`);
  tf.dispose([train.x, probe.x]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

import { tf, useBackend } from './src/backend/index.js';
import * as M from './src/metrics/index.js';
import { singularValuesFromGram } from './src/linalg/index.js';
import { randomBatch, tinyModel } from './test/helpers/nets.js';
await useBackend('wasm');
const cfg = { inputDim: 784, hidden: 1024, blocks: 2, classes: 10, seed: 42 };
const model = tinyModel(cfg, 0.01, 0.01);
const { x } = randomBatch(256, 784, 10, 2);
const time = (name: string, f: () => unknown) => { const t = Date.now(); f(); console.log(name, Date.now() - t, 'ms'); };
for (let rep = 0; rep < 3; rep++) {
time('spectra', () => M.blockSpectra(model, x));
const S = tf.randomNormal([256, 1024]) as tf.Tensor2D;
time('gram', () => M.gramMatrix(S));
const g = M.gramMatrix(S);
time('svals', () => singularValuesFromGram(g, 256));
time('forward', () => tf.dispose(model.forward(x) as any));
const v = M.randomProbe(model, 256);
time('probe', () => M.ntkProbeProducts(model, x, v));
const px = tf.slice(x, [0, 0], [32, -1]) as tf.Tensor2D;
time('kernel', () => M.empiricalNtk(model, px));
}

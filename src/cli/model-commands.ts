/**
 * `exact-gn init` and `exact-gn step`: build a model checkpoint, and take one optimizer step on a
 * batch file, writing a new checkpoint. Nothing is written unless everything succeeded.
 */
import { existsSync } from 'node:fs';
import { tf } from '../backend/index.js';
import { CheckpointError, ConfigError, DataError } from '../util/errors.js';
import { readSafetensors } from '../io/safetensors.js';
import { RevMLP } from '../model/revmlp.js';
import { loadCheckpoint, saveCheckpoint, type ExtraTensors } from '../model/checkpoint.js';
import { createOptimizer, OPTIMIZER_NAMES, type OptimizerName } from '../optim/optimizers.js';
import { TARGET_KINDS, UPDATE_RULES, type TargetKind, type UpdateRule } from '../gn/step.js';
import { inexactBlocksMessage } from '../gn/inexact.js';
import { PINV_METHODS, type PinvMethod } from '../linalg/index.js';
import { checkWritableFile } from '../io/fs-errors.js';
import { parseStepCount } from '../optim/state-checks.js';
import { numberFlag, parseArgs, seedFlag, stringFlag } from './args.js';
import { OPTIMIZER_FLAG_SPEC, optimizerFlagOptions } from './optimizer-flags.js';

export function initCommand(argv: readonly string[]): string {
  const p = parseArgs(argv, {
    'input-dim': { type: 'string', required: true },
    hidden: { type: 'string', required: true, help: 'bottleneck width h, or "none"' },
    blocks: { type: 'string', required: true },
    classes: { type: 'string', required: true },
    bias: { type: 'boolean' },
    'init-std': { type: 'string' },
    seed: { type: 'string' },
    activation: { type: 'string' },
    'first-block-linear': { type: 'boolean' },
    out: { type: 'string', required: true },
  }, 'init');
  checkWritableFile(stringFlag(p, 'out')!, '--out');
  const hiddenRaw = stringFlag(p, 'hidden')!;
  const model = RevMLP.init({
    inputDim: numberFlag(p, 'input-dim', { integer: true, min: 2 })!,
    hidden: hiddenRaw === 'none' ? null : numberFlag(p, 'hidden', { integer: true, min: 1 })!,
    blocks: numberFlag(p, 'blocks', { integer: true, min: 1 })!,
    classes: numberFlag(p, 'classes', { integer: true, min: 1 })!,
    bias: p.flags.bias !== false,
    initStd: numberFlag(p, 'init-std', { min: 0 }) ?? 1e-3,
    seed: seedFlag(p, 'seed') ?? 42,
    activation: (stringFlag(p, 'activation') ?? 'relu') as 'relu',
    firstBlockLinear: p.flags['first-block-linear'] !== false,
  });
  const out = stringFlag(p, 'out')!;
  try {
    saveCheckpoint(out, model, new Map(), { created: new Date().toISOString() });
  } finally {
    model.dispose();
  }
  return `wrote ${out}`;
}

/** Reads a batch file: safetensors with x [n, d] F32 and y [n] I32 labels. */
export function readBatchFile(path: string, inputDim: number, classes: number): { x: Float32Array; y: Int32Array; n: number } {
  if (!existsSync(path)) throw new DataError('no such batch file (expected safetensors with x [n, d] F32 and y [n] I32)', path);
  let tensors;
  try {
    tensors = readSafetensors(path).tensors;
  } catch (e) {
    if (e instanceof CheckpointError) throw new DataError(`not a valid batch file: ${e.message}`, path);
    throw e;
  }
  const x = tensors.x;
  const y = tensors.y;
  if (!x || x.dtype !== 'F32' || x.shape.length !== 2) throw new DataError(`tensor "x" must be F32 [n, d], got ${x ? `${x.dtype} [${x.shape.join(', ')}]` : 'none'}`, path);
  if (!y || y.dtype !== 'I32' || y.shape.length !== 1) throw new DataError(`tensor "y" must be I32 [n] class labels, got ${y ? `${y.dtype} [${y.shape.join(', ')}]` : 'none'}`, path);
  const [n, d] = x.shape as [number, number];
  if (d !== inputDim) throw new DataError(`x has ${d} features but the checkpoint's model takes inputDim ${inputDim}`, path);
  if (y.shape[0] !== n) throw new DataError(`x has ${n} rows but y has ${y.shape[0]} labels`, path);
  const xs = x.data as Float32Array;
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i]!)) throw new DataError(`x holds a non-finite value (${xs[i]}) at row ${Math.floor(i / d)}, column ${i % d}`, path);
  const ys = y.data as Int32Array;
  for (let i = 0; i < n; i++) if (!(ys[i]! >= 0 && ys[i]! < classes)) throw new DataError(`label ${ys[i]} at row ${i} is out of range [0, ${classes})`, path);
  return { x: xs, y: ys, n };
}

export function stepCommand(argv: readonly string[]): string {
  const p = parseArgs(argv, {
    checkpoint: { type: 'string', required: true },
    batch: { type: 'string', required: true },
    optimizer: { type: 'string', required: true },
    lr: { type: 'string', required: true },
    rule: { type: 'string' },
    target: { type: 'string' },
    pinv: { type: 'string' },
    rtol: { type: 'string' },
    atol: { type: 'string' },
    damping: { type: 'string' },
    'weight-decay': { type: 'string' },
    ...OPTIMIZER_FLAG_SPEC,
    out: { type: 'string', required: true },
  }, 'step');
  checkWritableFile(stringFlag(p, 'out')!, '--out');
  const name = stringFlag(p, 'optimizer') as OptimizerName;
  if (!OPTIMIZER_NAMES.includes(name)) throw new ConfigError('--optimizer', `unknown optimizer ${JSON.stringify(name)}; use one of ${OPTIMIZER_NAMES.join(', ')}`);
  const oneOf = <T extends string>(flag: string, allowed: readonly T[]): T | undefined => {
    const v = stringFlag(p, flag);
    if (v !== undefined && !allowed.includes(v as T)) throw new ConfigError(`--${flag}`, `unknown value ${JSON.stringify(v)}; use one of ${allowed.join(', ')}`);
    return v as T | undefined;
  };
  const gn: Record<string, unknown> = {};
  const rule = oneOf<UpdateRule>('rule', UPDATE_RULES);
  const target = oneOf<TargetKind>('target', TARGET_KINDS);
  const pinv = oneOf<PinvMethod>('pinv', PINV_METHODS);
  if (rule) gn.rule = rule;
  if (target) gn.target = target;
  if (pinv) gn.pinv = pinv;
  for (const [flag, key] of [['rtol', 'rtol'], ['atol', 'atol'], ['damping', 'damping']] as const) {
    const v = numberFlag(p, flag, { min: 0 });
    if (v !== undefined) gn[key] = v;
  }
  const usesGn = name === 'gn' || name === 'damped-gn';
  if (!usesGn && Object.keys(gn).length > 0) throw new ConfigError('--optimizer', `GN options (${Object.keys(gn).map((k) => `--${k}`).join(', ')}) need --optimizer gn or damped-gn`);
  const approx = optimizerFlagOptions(p, name);
  const ckptPath = stringFlag(p, 'checkpoint')!;
  const lr = numberFlag(p, 'lr', { exclusiveMin: 0 })!;
  const weightDecay = numberFlag(p, 'weight-decay', { min: 0 });
  const optimizer = createOptimizer({ name, lr, ...(weightDecay !== undefined ? { weightDecay } : {}), ...(usesGn ? { gn } : {}), ...approx });
  const { model, extra, metadata } = loadCheckpoint(ckptPath);
  try {
    const batch = readBatchFile(stringFlag(p, 'batch')!, model.config.inputDim, model.config.classes);
    const stepKey = `optimizer.${name}.step`;
    const prevStep = parseStepCount(metadata[stepKey], stepKey, ckptPath);
    const own: ExtraTensors = new Map([...extra].filter(([k]) => k.startsWith(`optim.${name}.`)));
    optimizer.loadState(model, { step: prevStep, tensors: own });
    const x = tf.tensor2d(batch.x, [batch.n, model.config.inputDim]);
    let loss: number;
    try {
      const res = optimizer.step(model, x, batch.y);
      loss = res.loss;
      const inexact = res.gn ? inexactBlocksMessage(res.gn, optimizer.config.gn, model.config) : null;
      if (inexact !== null) process.stderr.write(`exact-gn step: warning: ${inexact}\n`);
    } finally {
      x.dispose();
    }
    const state = optimizer.state();
    const keep: ExtraTensors = new Map([...extra].filter(([k]) => !k.startsWith(`optim.${name}.`)));
    for (const [k, v] of state.tensors) keep.set(k, v);
    const out = stringFlag(p, 'out')!;
    saveCheckpoint(out, model, keep, { ...metadata, [stepKey]: String(state.step) });
    return `step ${state.step} (${name}, lr ${lr}): batch loss before ${loss.toFixed(6)}; wrote ${out}`;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

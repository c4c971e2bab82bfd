// Hand-made results tables (the tidy rows of src/report/table.ts) with known answers, shared by the
// findings tests (test/report/findings.test.ts, claims-verdicts.test.ts): each finding must come out
// shown, not shown and inconclusive on curves written down here.
import assert from 'node:assert/strict';
import type { Finding, TidyRow, Verdict } from '../../src/report/index.js';

export const SEEDS = [42, 43, 44];

/** The labels of one curve; the rows' `run` is `<dataset>/<curve>[/<variant>]/<seed>`. */
export interface Labels { curve: string; optimizer: string; rule?: string; dataset?: string; variant?: string }

export const GN: Labels = { curve: 'gn', optimizer: 'gn' };
export const ADAM: Labels = { curve: 'adam', optimizer: 'adam' };
export const SGD: Labels = { curve: 'sgd', optimizer: 'sgd' };

/** A seed's multiplicative spread: 1 - size, 1, 1 + size for seeds 42, 43, 44. */
export const jitter = (seed: number, size = 0.01): number => 1 + size * (seed - 43);

/** Every column of a row but epoch, step, metric and value. */
export function rowLabels(l: Labels, seed: number): Omit<TidyRow, 'epoch' | 'step' | 'metric' | 'value'> {
  const dataset = l.dataset ?? 'MNIST';
  return {
    run: `${dataset}/${l.curve}${l.variant ? `/${l.variant}` : ''}/${seed}`, curve: l.curve, optimizer: l.optimizer,
    rule: l.rule ?? (l.optimizer === 'gn' ? 'block' : ''), dataset, variant: l.variant ?? '', seed,
  };
}

/** Full-batch eval rows: training loss `loss(step, seed)` at steps 0..steps, accuracy and test loss from it. */
export function fullBatchRows(l: Labels, seeds: readonly number[], steps: number, loss: (step: number, seed: number) => number): TidyRow[] {
  const out: TidyRow[] = [];
  for (const seed of seeds) {
    for (let step = 0; step <= steps; step++) {
      const v = loss(step, seed);
      for (const [metric, value] of [['train_loss', v], ['train_acc', 1 - v / 3], ['test_loss', v + 0.2], ['test_acc', 0.9 - v / 4]] as const) {
        out.push({ ...rowLabels(l, seed), epoch: step, step, metric, value });
      }
    }
  }
  return out;
}

/** A mini-batch curve: losses, per-batch change (%) and test accuracy by epoch and seed. */
export interface MiniCurve {
  train: (epoch: number, seed: number) => number;
  test: (epoch: number, seed: number) => number;
  change?: (epoch: number, seed: number) => number;
  /** Test accuracy (default 1 - test loss / 3). */
  acc?: (epoch: number, seed: number) => number;
}

/**
 * Mini-batch rows: eval rows (test loss, accuracy) at epochs 0..epochs, two step rows (batch loss,
 * its change after the update, default -2%) per epoch 1..epochs.
 * `initLossFirstStep`: the first step's pre-update loss is the loss at init (epoch 0's), as in a real run;
 * `nTest`: accuracies rounded to whole counts of that many test images.
 */
export function miniBatchRows(l: Labels, seeds: readonly number[], epochs: number, c: MiniCurve, { initLossFirstStep = false, nTest }: { initLossFirstStep?: boolean; nTest?: number } = {}): TidyRow[] {
  const out: TidyRow[] = [];
  for (const seed of seeds) {
    let step = 0;
    for (let epoch = 0; epoch <= epochs; epoch++) {
      if (epoch > 0) {
        for (let b = 0; b < 2; b++) {
          step++;
          out.push({ ...rowLabels(l, seed), epoch, step, metric: 'batch_loss', value: initLossFirstStep && step === 1 ? c.train(0, seed) : c.train(epoch, seed) });
          out.push({ ...rowLabels(l, seed), epoch, step, metric: 'batch_loss_change_pct', value: c.change?.(epoch, seed) ?? -2 });
        }
      }
      const acc = c.acc?.(epoch, seed) ?? 1 - c.test(epoch, seed) / 3;
      out.push({ ...rowLabels(l, seed), epoch, step, metric: 'test_loss', value: c.test(epoch, seed) });
      out.push({ ...rowLabels(l, seed), epoch, step, metric: 'test_acc', value: nTest !== undefined && Number.isFinite(acc) ? Math.round(acc * nTest) / nTest : acc });
    }
  }
  return out;
}

/**
 * Figure 4's analysis rows: NTK probe similarity and the CKA of the last half-coupling (b1.g) moving
 * from 1 at init to `end` along `checkpoints` ([epoch, fraction of the way]), and the NTK rate, per
 * epoch `end.rate` over the last interval (logged as rate x interval length, as the analysis does).
 * `firstBlockCka` adds a constant CKA of block 1's f half.
 */
export function ntkRows(
  l: Labels, seeds: readonly number[], end: { sim: number; cka: number; rate: number },
  { checkpoints, spread = 0.001, firstBlockCka }: { checkpoints: readonly (readonly [number, number])[]; spread?: number; firstBlockCka?: number },
): TidyRow[] {
  const last = checkpoints.length - 1;
  const interval = checkpoints[last]![0] - checkpoints[last - 1]![0];
  const out: TidyRow[] = [];
  for (const seed of seeds) {
    for (const [epoch, t] of checkpoints) {
      const j = 1 + (seed - 43) * spread;
      const at = (v: number) => 1 - (1 - v) * t * j;
      const row = (metric: string, value: number) => out.push({ ...rowLabels(l, seed), epoch, step: epoch * 2, metric, value });
      row('ntk_probe_cos_init', at(end.sim));
      if (firstBlockCka !== undefined) row('cka_init.b0.f', firstBlockCka);
      row('cka_init.b1.g', at(end.cka));
      if (epoch > 0) row('ntk_rate', end.rate * interval * j);
    }
  }
  return out;
}

/** The first judged finding whose label starts with `start` (fails the test, listing the labels, when none). */
export function findJudged(findings: readonly Finding[], start: string): Finding {
  const f = findings.find((x) => x.label.startsWith(start) && x.verdict !== undefined);
  assert.ok(f, `no judged finding starting with ${JSON.stringify(start)} in ${findings.map((x) => x.label).join(' | ')}`);
  return f;
}

/** The verdicts of the judged findings, in order. */
export function verdicts(findings: readonly Finding[]): Verdict[] {
  return findings.filter((f) => f.verdict !== undefined).map((f) => f.verdict!);
}

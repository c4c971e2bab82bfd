// %% [markdown]
// # Appendix · GN hyperparameters and regularization
//
// **The paper's claims** (docs/paper.md, "Figures to reproduce", Appendix):
//
// > init std sweep {1e-2, 1e-3, 1e-6}
// >
// > GN lr sweep {1e-1, 1e-3, 1e-4}; GN with weight decay vs Adam; regularized pseudo-inverse (truncation, damping, added noise) vs Adam
//
// Can a hyperparameter or a regularizer rescue GN's generalization? The scale of the initial weights (a smaller init
// keeps the network near-linear longer); GN's learning rate (the step realizes $-\text{lr}\cdot L\cdot T$ in function
// space); weight decay, $\theta \leftarrow \theta - \text{lr}\,(d\theta + \text{wd}\,\theta)$; and regularizing the step
// itself: GN's right inverse $A^+ = A^\top (A A^\top)^+$ truncated more coarsely (rtol), damped
// ($(A A^\top + \lambda I)^{-1}$, Tikhonov), or perturbed with noise on the solved coefficients every step.
//
// **What would show it** (that none rescues GN): every GN variant ends with a higher test loss than Adam, across seeds;
// and, since a slower variant could simply have trained less, every GN variant's test loss is also above Adam's *at
// matched training loss* (Adam's test loss at the first epoch its training loss was as low as the variant's final
// one). **What would not:** any variant reaching Adam's test loss, or generalizing as well as Adam at the same
// training loss.

// %%
import {
  useBackend, tf, figureOptions, findingTable, appendixInitStd, appendixGnLr, appendixWeightDecay, appendixPinv,
  validateConfig, loadDataset, miniBatches, gatherBatch, RevMLP, gnUpdate, createOptimizer, crossEntropyHost, paramsToHost,
  disposeParams, DEFAULT_GN, runExperiment, tidyRows, runLabels, tableFrame, testLossAtMatchedTrainLoss,
  gnCurves, meanStdText, show, showTable, type TidyRow, type RunResult, type LabeledRow, type FigureRuns, type RunsFigureSpec,
} from "exact-gn";

const backend = await useBackend();
// Change a setting here and rerun: profile "quick" | "paper", seeds, rule "block" | "half-coupling".
// The sweep levels live in INIT_STDS, GN_LRS, GN_WEIGHT_DECAYS and PINV_LEVELS (src/report/figures/appendix-*.ts).
const options = figureOptions({ rule: (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling" });
const sweeps: Record<string, RunsFigureSpec> = { "init std": appendixInitStd, "GN learning rate": appendixGnLr, "weight decay": appendixWeightDecay, "pseudo-inverse": appendixPinv };
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);

// %% [markdown]
// ## Settings: the paper and this run, per sweep

// %%
for (const [name, spec] of Object.entries(sweeps)) {
  console.log(`${name}: ${spec.title}`);
  showTable(spec.settings(options).filter((r) => !["profile", "seeds", "GN update rule", "GN pseudo-inverse"].includes(r.setting) || name === "pseudo-inverse"));
}

// %% [markdown]
// ## One GN step of every variant, from the same batch
//
// Every GN run of the four sweeps, first seed: build its initial model (the same weights for every variant but the
// init-std ones), take the first training batch, and compute the variant's update with `gnUpdate` (its own
// pseudo-inverse, rtol, damping, noise): the directions each solve kept, the update norm $|d\theta|$ and the step length
// $\text{lr}\,|d\theta|$. Then take that variant's optimizer step (`createOptimizer(config.optimizer)`, with its lr and
// weight decay) and measure the same batch again: the realized change of the batch loss.

// %%
const allGnRefs = Object.values(sweeps).flatMap((spec) => spec.runs(options)).filter((r) => r.seed === options.seeds[0] && r.config.optimizer?.name === "gn");
const seenVariant = new Set<string>();
const firstCfg = validateConfig(allGnRefs[0]!.config);
const sweepData = loadDataset(firstCfg.dataset.name, { limitTrain: firstCfg.dataset.limitTrain });
const sweepIdx = miniBatches(sweepData.train, firstCfg.batch.mode === "mini" ? firstCfg.batch.size : sweepData.train.n, 0, firstCfg.seed)[0]!;
const sweepBatch = gatherBatch(sweepData.train, sweepIdx);
const xSweep = tf.tensor2d(sweepBatch.x, [sweepBatch.n, sweepBatch.d]);
const lossOnBatch = (net: RevMLP) => tf.tidy(() => crossEntropyHost(net.logits(xSweep).dataSync(), sweepBatch.y, sweepBatch.n, 10));
const oneStepRows: Record<string, string | number>[] = [];
for (const ref of allGnRefs) {
  if (seenVariant.has(ref.optimizer)) continue;   // the plain GN run is in every sweep
  seenVariant.add(ref.optimizer);
  const cfg = validateConfig(ref.config);
  const gn = { ...DEFAULT_GN, ...cfg.optimizer.gn };
  const net = RevMLP.init(cfg.model);
  const u = gnUpdate(net, xSweep, sweepBatch.y, gn);
  let sq = 0;
  for (const v of paramsToHost(u.update).values()) for (let i = 0; i < v.length; i++) sq += v[i]! ** 2;
  disposeParams(u.update);
  const before = lossOnBatch(net);
  const opt = createOptimizer(cfg.optimizer);
  opt.step(net, xSweep, sweepBatch.y);
  const after = lossOnBatch(net);
  opt.dispose(); net.dispose();
  oneStepRows.push({
    variant: ref.optimizer, "init std": cfg.model.initStd, lr: cfg.optimizer.lr, wd: cfg.optimizer.weightDecay ?? 0,
    "pinv": gn.pinv === "damped" ? `damped λ ${gn.damping}` : `${gn.pinv} rtol ${gn.rtol}`, noise: gn.noise,
    "kept / n (min over halves)": `${Math.min(...u.blocks.flatMap((b) => [b.f.rank, b.g.rank]))} / ${sweepBatch.n}`,
    "|dθ|": Math.sqrt(sq), "lr |dθ|": cfg.optimizer.lr * Math.sqrt(sq), "L_B before": before, "L_B change (%)": (100 * (after - before)) / before,
  });
}
showTable(oneStepRows);
xSweep.dispose();

// %% [markdown]
// Truncation and damping shrink the update along the small singular directions of $A$ (fewer directions kept, a smaller
// $|d\theta|$); noise adds a random part to it; the learning rate scales the step, so at lr $10^{-4}$ one step barely
// moves the batch loss. Whether any of these changes generalization is what the runs decide.
//
// ## The runs, through the runner, into one table
//
// One loop over the four sweeps; a config two sweeps share (plain GN, Adam) is one cached run. Each sweep keeps its own
// runs (its curve labels) for its figure and findings.

// %%
const sweepRuns: Record<string, FigureRuns> = {};
const tableSweeps: TidyRow[] = [];
const resultByConfig = new Map<string, RunResult>();
for (const [name, spec] of Object.entries(sweeps)) {
  const refs = spec.runs(options);
  const results: RunResult[] = [], rows: LabeledRow[] = [], table: TidyRow[] = [];
  for (const ref of refs) {
    const key = JSON.stringify(ref.config);
    const result = resultByConfig.get(key) ?? (await runExperiment(ref.config, { progress: false }));
    if (!resultByConfig.has(key)) console.log(`${ref.id}: ${result.cached ? "cached" : "trained"} (${result.status})`);
    resultByConfig.set(key, result);
    results.push(result);
    table.push(...tidyRows(runLabels(ref, result), result.rows));
    for (const row of result.rows) rows.push({ ...row, optimizer_label: ref.optimizer, dataset: ref.dataset, seed: ref.seed, run: ref.id } as LabeledRow);
  }
  sweepRuns[name] = { options: options, refs: refs, results: results, rows: rows, table: table };
  tableSweeps.push(...table.map((r) => ({ ...r, variant: r.variant || name })));
}
const dfSweeps = await tableFrame(tableSweeps);
const lastSweepEpoch = Math.max(...tableSweeps.map((r) => r.epoch));
showTable(dfSweeps.query(dfSweeps["metric"].eq("test_loss").and(dfSweeps["epoch"].eq(lastSweepEpoch))).groupby(["curve"]).col(["value"]).mean());

// %% [markdown]
// ## The figures, one per sweep, from its runs

// %% tags=["figure"]
for (const [name, spec] of Object.entries(sweeps)) {
  for (const f of spec.draw(sweepRuns[name]!, [])) {
    console.log(`${name} · ${f.name}: ${f.caption}`);
    show(f.figure, { name: f.name });
  }
}

// %% [markdown]
// ## The findings
//
// Each sweep is judged at matched training loss, not at matched epochs: `testLossAtMatchedTrainLoss(table, curve)`
// takes, per seed, the higher of the GN variant's and Adam's lowest epoch training losses (a level both reach) and
// reads each run's test loss at the first epoch it gets there; `matchedLossFindings` (each spec's findings) judges
// them with `compareSeeds`. A run whose training loss never falls 5% below its initial value makes its comparison
// *inconclusive (too short / never left init)*: a comparison with a run that never trained holds by construction.
// The lr sweep adds "the largest lr ends lowest", under the same rule.

// %%
for (const [name, runs] of Object.entries(sweepRuns)) {
  for (const curve of gnCurves(runs)) {
    const m = testLossAtMatchedTrainLoss(runs.table, curve);
    console.log(`${name} · ${curve}: training-loss level ${meanStdText(m.trainLoss)}; test loss there ${meanStdText(m.curve)} (epoch ${meanStdText(m.curveEpoch)}), Adam's ${meanStdText(m.ref)} (epoch ${meanStdText(m.refEpoch)})`);
  }
}
showTable(findingTable(Object.entries(sweeps).flatMap(([name, spec]) => spec.findings(sweepRuns[name]!, []))));

// %% [markdown]
// ## Deviations from the paper

// %%
for (const d of new Set(Object.values(sweeps).flatMap((spec) => spec.deviations(options, sweepRuns[Object.keys(sweeps).find((k) => sweeps[k] === spec)!]!)))) console.log(`- ${d}`);

// %% [markdown]
// ## Committed results tables (medium and paper profiles)
//
// Runs too long for a notebook ship as results tables under `results/` (the same tidy format, with the checkpoint
// analyses included; results/README.md lists the command that regenerates each). When one exists for this
// figure, the same drawing and findings functions judge it here; until then this says so.

// %%
import { showCommittedTables } from "exact-gn";
showCommittedTables(["appendix-init-std", "appendix-gn-lr", "appendix-weight-decay", "appendix-pinv"], "Appendix, GN hyperparameter sweeps");

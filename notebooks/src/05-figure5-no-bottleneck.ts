// %% [markdown]
// # Figure 5 · Without the inverted bottleneck: the same trends?
//
// **The paper's claim** (docs/paper.md, "Figures to reproduce", 5, and "Model: RevMLP"):
//
// > RevMLP without the inverted bottleneck (CIFAR-10): same trends.
// >
// > Variant without bottleneck (paper Fig. 5): f(x) = W s(x) + b with square W (d/2 x d/2), no V.
//
// "Same trends" is tested with the *same functions* as Figures 1 and 2, on this model's rows: on the full batch GN
// reaches a 10x lower training loss in at most half the steps of Adam and SGD and is lowest at a tenth of the run;
// with mini-batches GN saturates (improves less per epoch over the last third than Adam, bottoms out earlier on test
// loss) and Adam ends lower. Shown / not shown beyond two pooled standard deviations, inconclusive within them or when
// the run is too short.

// %%
import {
  useBackend, runFigure, tf, figureOptions, fig5, validateConfig, loadDataset, fullBatch, RevMLP, gnUpdate, disposeParams,
  tableFrame, drawFig5, fig5Findings, findingTable, show, showTable, FIG5_FULL,
} from "exact-gn";

const backend = await useBackend();
// Change a setting here and rerun: profile "quick" | "paper", seeds, rule "block" | "half-coupling".
const options = figureOptions({ rule: (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling" });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);

// %% [markdown]
// ## Settings: the paper and this run

// %%
showTable(fig5.settings(options));

// %% [markdown]
// ## What removing the bottleneck changes: the rank of $A$
//
// With the bottleneck, $A = [s(X V^\top), 1]$ has $h + 1$ columns, so a batch of $n \le h + 1$ images can be fitted
// exactly. Without it, $A = [s(X), 1]$ has only $d/2 + 1$ columns: exactness needs $n \le d/2 + 1$. Below, one GN
// step of the figure's full-batch GN model on a batch inside that limit and on one beyond it, keeping every
// direction above float32 noise ($r_{tol} = 10^{-3}$ on the singular values): the kept rank and the block residual
// $|J_l \Delta\theta_l - T| / |T|$ say where the step is exact. The exact inverse (`pinv: "none"`) refuses the larger batch.

// %%
const gnRef = fig5.runs(options).find((r) => r.optimizer.startsWith("gn") && r.tags?.regime === FIG5_FULL)!;
const config = validateConfig(gnRef.config);
const model = RevMLP.init(config.model);
const half = model.config.inputDim / 2;
const rows = [];
for (const n of [Math.min(128, half), half + 120]) {
  const { train } = loadDataset(config.dataset.name, { limitTrain: n });
  const batch = fullBatch(train, n);
  const x = tf.tensor2d(batch.x, [n, batch.d]);
  const step = gnUpdate(model, x, batch.y, { ...config.optimizer.gn!, pinv: "truncated", rtol: 1e-3, atol: 0, residual: true });
  for (const b of step.blocks.slice(0, 2)) {
    rows.push({ n, "d/2 + 1": half + 1, block: b.block + 1, "rank f": b.f.rank, "rank g": b.g.rank, "block residual": b.residual ?? NaN });
  }
  disposeParams(step.update);
  if (n > half + 1) {
    try {
      disposeParams(gnUpdate(model, x, batch.y, { ...config.optimizer.gn!, pinv: "none" }).update);
    } catch (err) {
      console.log(`pinv "none" on n = ${n}: ${(err as Error).message.split(": the batch")[0]}`);
    }
  }
  x.dispose();
}
model.dispose();
console.log(`${gnRef.id}: ${config.dataset.name}, d = ${2 * half}, ${config.model.blocks} blocks, hidden = ${config.model.hidden} (no bottleneck)`);
showTable(rows);

// %% [markdown]
// ## Every run of the figure, through the runner
//
// Full batch and mini-batch, GN, Adam and SGD; the regime is the table's `variant` column.

// %%
// Notebook 1 spells this loop out; here it is the library's `runFigure`: each run trained or read from the
// cache, its rows labelled into the long table (`refs`, `results` and `table` as there).
const { refs, results, table } = await runFigure(fig5, { ...options, progress: false });

// %% [markdown]
// Final test accuracy per regime and curve, from the DataFrame view:

// %%
const df = await tableFrame(table);
const acc = df.query(df["metric"].eq("test_acc"));
const lastStep = acc.groupby(["variant", "curve"]).col(["step"]).max();
showTable(lastStep);
showTable(acc.groupby(["variant", "curve"]).col(["value"]).max());

// %% [markdown]
// ## The figure, drawn from the table

// %% tags=["figure"]
for (const d of drawFig5(table, `${options.profile} profile, seeds ${options.seeds.join(", ")}, GN rule ${options.rule}.`)) {
  console.log(`${d.name}: ${d.caption}`);
  show(d.figure, { name: d.name });
}

// %% [markdown]
// ## The findings: Figure 1's and Figure 2's tests, per regime

// %%
showTable(findingTable(fig5Findings(table)));

// %% [markdown]
// ## Deviations from the paper

// %%
for (const d of fig5.deviations(options, { refs: refs, results: results })) console.log(`- ${d}`);

// %% [markdown]
// ## Committed results tables (medium and paper profiles)
//
// Runs too long for a notebook ship as results tables under `results/` (the same tidy format, with the checkpoint
// analyses included; results/README.md lists the command that regenerates each). When one exists for this
// figure, the same drawing and findings functions judge it here; until then this says so.

// %%
import { showCommittedTables } from "exact-gn";
showCommittedTables(["fig5"], "Figure 5, no bottleneck");

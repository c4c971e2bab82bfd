// %% [markdown]
// # Smoke test of the notebook platform
//
// This notebook only proves that the notebook tooling works: it imports the package by name (`exact-gn`), picks a TensorFlow.js backend, and shows two interactive Plotly figures and a table. The curves are synthetic (no training happens here).
//
// Run it in Jupyter with the **TypeScript (tslab)** kernel after `bash scripts/setup-jupyter.sh` and `npx tsc -p tsconfig.build.json`; CI executes it with `npx tsx scripts/run-notebooks.ts`.

// %%
import { useBackend, tf, Rng, figureFromRows, figureOptions, lineFigure, show, showTable, type ResultRow } from "exact-gn";

// The profile every notebook uses: quick unless EXACT_GN_PROFILE=paper.
const { profile } = figureOptions();
const backend = await useBackend();
console.log(`backend: ${backend.summary}`);
console.log(`profile: ${profile}; tfjs ${tf.version_core}`);

// %%
// Synthetic loss curves: 3 optimizers x 3 seeds x 2 "datasets", one row per step (the shape of a results table).
const rng = new Rng(42);
const steps = profile === "quick" ? 30 : 100;
const rates: Record<string, number> = { gn: 0.25, adam: 0.06, sgd: 0.03 };
const rows: ResultRow[] = [];
for (const dataset of ["mnist", "cifar10"]) {
  for (const [optimizer, rate] of Object.entries(rates)) {
    for (const seed of [42, 43, 44]) {
      for (let step = 0; step < steps; step++) {
        const noise = 1 + 0.1 * rng.normal();
        const floor = dataset === "mnist" ? 0.02 : 0.3;
        rows.push({ dataset, optimizer, seed, step, train_loss: (2.3 - floor) * Math.exp(-rate * step) * noise + floor });
      }
    }
  }
}
show(figureFromRows(rows, { x: "step", y: "train_loss", groupBy: "optimizer", seedKey: "seed", panelBy: "dataset", logY: true, title: "Synthetic training loss (mean ± std over 3 seeds)" }), { name: "smoke-loss" });

// %%
// A second figure computed with tfjs on the chosen backend, then a summary table of the last step.
const x = tf.linspace(-3, 3, 61);
const curves = { relu: tf.relu(x), tanh: tf.tanh(x), sigmoid: tf.sigmoid(x) };
const xs = Array.from(x.dataSync());
show(lineFigure(Object.entries(curves).map(([name, t]) => ({ name, x: xs, ys: [Array.from(t.dataSync())] })), { title: "Activations (tfjs)", xTitle: "x", yTitle: "s(x)" }), { name: "smoke-activations" });
tf.dispose([x, ...Object.values(curves)]);

const last = rows.filter((r) => r.step === steps - 1);
showTable(["gn", "adam", "sgd"].flatMap((optimizer) => ["mnist", "cifar10"].map((dataset) => {
  const v = last.filter((r) => r.optimizer === optimizer && r.dataset === dataset).map((r) => r.train_loss as number);
  return { optimizer, dataset, seeds: v.length, final_train_loss: v.reduce((a, b) => a + b, 0) / v.length };
})));

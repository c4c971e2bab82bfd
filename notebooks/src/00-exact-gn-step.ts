// %% [markdown]
// # 00 · The exact Gauss-Newton step, taken apart
//
// Buffelli et al. (NeurIPS 2024) show that in a reversible MLP whose blocks have a wide, fixed, random
// "inverted bottleneck", the **exact** Gauss-Newton (GN) step has a closed form: no damping, no K-FAC,
// no approximation. This notebook builds that step from the paper's description, one paragraph at a time:
// each quoted paragraph (*The paper:*) is followed by the few lines of code that do what it says, written out
// by hand with tensor operations, and then checked against the library's own `gnUpdate`. At the end, each
// block's step is verified to realize the target exactly (float64 finite differences, independent of the GN
// code), the corrected and paper-era rules are compared, and GN takes a few steps against Adam and SGD.
//
// **Change a setting and rerun.** Every choice is in the `settings` object of the next cell: the batch size,
// the bottleneck width, the update rule, the pseudo-inverse. Edit one, then *Run All*: every number below is
// recomputed. (`EXACT_GN_PROFILE=paper` widens the bottleneck to the paper's $h = 8000$.)

// %%
import {
  useBackend, tf, loadMnist, RevMLP, gnUpdate, functionSpaceTarget, halfForward, halfJvpInput, activate,
  gramPinvSolve, softmaxHost, oneHot, zipParams, disposeParams, paramsToHost, fixedToHost,
  hostDirectionalDerivative, createOptimizer, lossAndGrad, crossEntropyHost, restrictToBlock, cloneParams,
  figureOptions, lineFigure, show, showTable, type UpdateRule, type PinvMethod, type Params,
} from "exact-gn";

const { profile } = figureOptions(); // quick unless EXACT_GN_PROFILE=paper, as in every notebook
const settings = {
  n: 128,                                   // batch: the first n MNIST training images (<= 393 keeps every block exact)
  hidden: profile === "paper" ? 8000 : 512, // h, the bottleneck width (the paper: 8000)
  blocks: 2,                                // L (the paper's MNIST model: 2)
  seed: 42,                                 // seed of V, U and the initial W (the paper: 42, 43, 44)
  rule: "block" as UpdateRule,              // "block" (corrected) or "half-coupling" (paper-era)
  pinv: "truncated" as PinvMethod,          // "truncated" (the paper), "none" (exact inverse), "damped", "transpose"
  rtol: 1e-2,                               // truncation: keep singular values >= max(rtol * s_max, atol) (the paper: 1e-2)
  atol: 1e-5,                               // (the paper: 1e-5)
  steps: profile === "paper" ? 30 : 10,     // training steps in the last section
};
const backend = await useBackend();
console.log(`backend: ${backend.summary} | profile: ${profile}`);
console.log(JSON.stringify(settings));

// %% [markdown]
// ## 1 · The model: a reversible MLP
//
// > *The paper:* Input image flattened to $x \in \mathbb R^d$ (MNIST $d = 784$), split into halves
// > $x_1 = x_{[:d/2]}$, $x_2 = x_{[d/2:]}$. No input projection. Block $l$ (additive coupling):
// > $y_1 = x_1 + W_f\, s_l(V_f x_2) + b_f$, $\;y_2 = x_2 + W_g\, s_l(V_g y_1) + b_g$.
// > $V \in \mathbb R^{h \times d/2}$ is random and **fixed** (std $1/\sqrt h$); $W$ and $b$ are trained.
// > $s_1$ = identity (block 1 is linear), $s_l$ = ReLU for $l \ge 2$. Init: $W \sim \mathcal N(0, 10^{-6})$, $b = 0$.
//
// The library stores $V^\top$ as `Vt` and $W^\top$ as `Wt` (rows are samples), so $W s(V x_2)$ reads
// `s(x2 Vt) Wt` below. We run the blocks by hand and compare with `model.forward`.

// %%
const n = settings.n, h = settings.hidden;
const { train } = loadMnist({ limitTrain: n });
const d = train.d;
const x = tf.tensor2d(train.x, [n, d]);
const labels = train.y;
const model = RevMLP.init({ inputDim: d, hidden: h, blocks: settings.blocks, classes: 10, seed: settings.seed });

const { add, sub, mul, matMul, slice } = tf;
const halves = (t: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] => [slice(t, [0, 0], [-1, d / 2]), slice(t, [0, d / 2], [-1, d / 2])];
const handForward = (input: tf.Tensor2D) => tf.tidy(() => {
  let [x1, x2] = halves(input);
  model.fixed.forEach((fx, l) => {
    const pr = model.params[l]!;
    const y1 = add(x1, add(matMul<tf.Tensor2D>(activate(fx.f.act, matMul<tf.Tensor2D>(x2, fx.f.Vt!)), pr.f.Wt), pr.f.b!));  // y1 = x1 + W_f s(V_f x2) + b_f
    const y2 = add(x2, add(matMul<tf.Tensor2D>(activate(fx.g.act, matMul<tf.Tensor2D>(y1, fx.g.Vt!)), pr.g.Wt), pr.g.b!));  // y2 = x2 + W_g s(V_g y1) + b_g
    [x1, x2] = [y1 as tf.Tensor2D, y2 as tf.Tensor2D];
  });
  return tf.concat([x1, x2], 1) as tf.Tensor2D;
});
const zHand = handForward(x);
const { z, logits } = model.forward(x);
const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(sub(a, b))).dataSync()[0]!);
const norm = (t: tf.Tensor) => tf.tidy(() => tf.norm(t).dataSync()[0]!);
console.log(`x: [${x.shape}]; blocks: ${model.fixed.map((fx) => fx.f.act).join(", ")}; trained parameters: ${2 * settings.blocks * (h * d / 2 + d / 2)}`);
console.log(`max |z_by_hand - model.forward(x).z| = ${maxAbs(zHand, z).toExponential(2)}`);

// %% [markdown]
// > *The paper:* Exact inverse: $x_2 = y_2 - W_g s(V_g y_1) - b_g$, then $x_1 = y_1 - W_f s(V_f x_2) - b_f$.
//
// So no activation needs to be stored: every block's input can be rebuilt from its output. By hand, from the
// network output back to the image:

// %%
const handInverse = (out: tf.Tensor2D) => tf.tidy(() => {
  let [y1, y2] = halves(out);
  for (let l = settings.blocks - 1; l >= 0; l--) {
    const fx = model.fixed[l]!, pr = model.params[l]!;
    const x2 = sub(y2, halfForward(fx.g, pr.g, y1).out) as tf.Tensor2D;   // x2 = y2 - g(y1)
    const x1 = sub(y1, halfForward(fx.f, pr.f, x2).out) as tf.Tensor2D;   // x1 = y1 - f(x2)
    [y1, y2] = [x1, x2];
  }
  return tf.concat([y1, y2], 1) as tf.Tensor2D;
});
const back = handInverse(z);
console.log(`|inverse(forward(x)) - x| / |x| = ${(tf.tidy(() => norm(sub(back, x)) / norm(x))).toExponential(2)}  (float32)`);

// %% [markdown]
// > *The paper:* Readout: logits $o = z U$, with $U \in \mathbb R^{d \times 10}$ fixed, orthonormal columns.

// %%
const orthoErr = tf.tidy(() => maxAbs(matMul<tf.Tensor2D>(model.Ut, model.U), tf.eye(10)));
console.log(`max |U^T U - I| = ${orthoErr.toExponential(2)}; logits: [${logits.shape}]`);
const o = logits.dataSync();
console.log(`loss at init: ${crossEntropyHost(o, labels, n, 10).toFixed(4)} (W ~ 1e-3 makes the network nearly the identity; ln 10 = ${Math.log(10).toFixed(4)} would be uniform)`);

// %% [markdown]
// ## 2 · Step 1 of the GN step: the function-space target
//
// > *The paper:* Function-space target per sample, in logit space, then lifted to $z$-space by $U^\top$:
// > cross-entropy with identity output Hessian (used in every paper run): $e = \mathrm{softmax}(o) - y$.
// > Target $T = e\,U^\top$ ($n \times d$).

// %%
const p = softmaxHost(o, n, 10);
const y = oneHot(labels, n, 10);
const eHand = Float64Array.from(p, (v, i) => v - y[i]!);            // e = softmax(o) - y
const e = functionSpaceTarget(o, labels, n, 10, "ce-identity");    // the library's
const T = tf.tidy(() => matMul<tf.Tensor2D>(tf.tensor2d(Float32Array.from(e), [n, 10]), model.Ut));  // T = e U^T
console.log(`max |e_by_hand - functionSpaceTarget| = ${Math.max(...eHand.map((v, i) => Math.abs(v - e[i]!))).toExponential(2)}`);
console.log(`T: [${T.shape}], |T|_F = ${norm(T).toFixed(4)} (U^T U = I, so |T|_F = |e|_F)`);

// %% [markdown]
// ## 3 · Step 2: pull $T$ back through the inverse network
//
// > *The paper:* Pull $T$ back block by block, from the output to the input, through the inverse network: with
// > block output $(y_1, y_2)$ and tangent $(t_1, t_2)$: $dx_2 = t_2 - J_g(y_1)\,t_1$, $\;dx_1 = t_1 - J_f(x_2)\,dx_2$,
// > where $J_f(x)\,v = W_f\,(s'(V_f x) \odot (V_f v))$. This is a Jacobian-vector product of the inverse map; no
// > matrix is inverted.
//
// The tangent at the last block's output is $T$ itself; each step back gives the tangent that the block before
// must realize at *its* output so that the network output moves by $T$. `halfJvpInput(fx, p, P, v)` is the
// $J v$ of the formula, with $P = x V^\top$.

// %%
// Per block: its input (x1, x2), the g-half's input y1, and the tangent (t1, t2) its update must realize at its output.
interface BlockState { x1: tf.Tensor2D; x2: tf.Tensor2D; y1: tf.Tensor2D; t1: tf.Tensor2D; t2: tf.Tensor2D }
const perBlock: BlockState[] = new Array(settings.blocks);
tf.tidy(() => {
  let [y1, y2] = halves(z);
  let [t1, t2] = halves(T);
  for (let l = settings.blocks - 1; l >= 0; l--) {
    const fx = model.fixed[l]!, pr = model.params[l]!;
    const x2 = sub(y2, halfForward(fx.g, pr.g, y1).out) as tf.Tensor2D;                       // rebuild the input
    const x1 = sub(y1, halfForward(fx.f, pr.f, x2).out) as tf.Tensor2D;
    perBlock[l] = { x1: tf.keep(x1), x2: tf.keep(x2), y1: tf.keep(y1), t1: tf.keep(t1), t2: tf.keep(t2) };
    const dx2 = sub(t2, halfJvpInput(fx.g, pr.g, matMul<tf.Tensor2D>(y1, fx.g.Vt!), t1)) as tf.Tensor2D;   // dx2 = t2 - J_g(y1) t1
    const dx1 = sub(t1, halfJvpInput(fx.f, pr.f, matMul<tf.Tensor2D>(x2, fx.f.Vt!), dx2)) as tf.Tensor2D;  // dx1 = t1 - J_f(x2) dx2
    [y1, y2, t1, t2] = [x1, x2, dx1, dx2];
  }
});
showTable(perBlock.map((b, l) => ({ block: l + 1, "|t1|": norm(b.t1), "|t2|": norm(b.t2) })));

// %% [markdown]
// ## 4 · Step 3: the per-block right inverse, through the $n \times n$ Gram matrix
//
// > *The paper:* Per block, with $A_1 = [\,s(X_2 V_f^\top),\ \mathbf 1\,]$ and $A_2 = [\,s(Y_1 V_g^\top),\ \mathbf 1\,]$
// > ($n \times (h+1)$; the ones column carries the bias) and $\Theta = [W^\top; b^\top]$:
// > $d\Theta_f = A_1^+ t_1$, $\;d\Theta_g = A_2^+\big(t_2 - J_g(Y_1)\,(A_1\, d\Theta_f)\big)$ (the "corrected" block rule;
// > the paper-era rule drops the correction term). Pseudo-inverse: truncated SVD, keep singular values
// > $s \ge \max(r_\text{tol} s_\max, a_\text{tol})$. The same result comes from the $n \times n$ Gram matrix $A A^\top$
// > (eigenvalues $s^2$), far cheaper when $n \ll h$.
//
// $A^+ t = A^\top (A A^\top)^+ t$: form $G = A A^\top = S S^\top + \mathbf 1 \mathbf 1^\top$, solve $G\,C = t$ on the host in
// float64 (`gramPinvSolve`, truncated as in the paper), and read off $dW^\top = S^\top C$, $db = \mathbf 1^\top C$.
// Then compare with the library's `gnUpdate` under the same settings.

// %%
function solveByHand(S: tf.Tensor2D, t: tf.Tensor2D) {
  const G = Float64Array.from(add(matMul<tf.Tensor2D>(S, S, false, true), 1).dataSync());               // G = A A^T = S S^T + 1 1^T
  const r = gramPinvSolve(G, n, Float64Array.from(t.dataSync()), d / 2, { method: settings.pinv, rtol: settings.rtol, atol: settings.atol, damping: 1e-3 });
  const C = tf.tensor2d(Float32Array.from(r.solution), [n, d / 2]);                         // C = G^+ t
  const dW = matMul<tf.Tensor2D>(S, C, true, false);                                                      // dW^T = S^T C   [h, d/2]
  const db = tf.sum(C, 0) as tf.Tensor1D;                                                     // db = 1^T C     [d/2]
  const realized = add(matMul<tf.Tensor2D>(S, dW), db) as tf.Tensor2D;                                   // A dTheta: the output change it makes
  return { d: { Wt: dW, b: db }, realized, rank: r.rank };
}
const byHand: Params = [];
const ranks: { block: number; half: string; rank_kept: number; batch: number }[] = [];
tf.tidy(() => perBlock.forEach((b, l) => {
  const fx = model.fixed[l]!, pr = model.params[l]!;
  const Sf = activate(fx.f.act, matMul<tf.Tensor2D>(b.x2, fx.f.Vt!));                                     // s(X2 V_f^T)
  const f = solveByHand(Sf, b.t1);                                                            // dTheta_f = A_1^+ t1
  const Pg = matMul<tf.Tensor2D>(b.y1, fx.g.Vt!);
  const rhs = settings.rule === "block" ? sub(b.t2, halfJvpInput(fx.g, pr.g, Pg, f.realized)) as tf.Tensor2D : b.t2; // t2 - J_g(Y1) A_1 dTheta_f
  const g = solveByHand(activate(fx.g.act, Pg), rhs);                                         // dTheta_g = A_2^+ (...)
  byHand[l] = { f: { Wt: tf.keep(f.d.Wt), b: tf.keep(f.d.b) }, g: { Wt: tf.keep(g.d.Wt), b: tf.keep(g.d.b) } };
  ranks.push({ block: l + 1, half: "f", rank_kept: f.rank, batch: n }, { block: l + 1, half: "g", rank_kept: g.rank, batch: n });
}));
const lib = gnUpdate(model, x, labels, { rule: settings.rule, pinv: settings.pinv, rtol: settings.rtol, atol: settings.atol, residual: true, spectrum: true });
const hostHand = paramsToHost(byHand), hostLib = paramsToHost(lib.update);
showTable([...hostLib.keys()].map((k) => {
  const a = hostHand.get(k)!, b = hostLib.get(k)!;
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += b[i]! ** 2; }
  return { tensor: k, "|dTheta_by_hand - gnUpdate| / |gnUpdate|": Math.sqrt(num / den), "|dTheta|": Math.sqrt(den) };
}));
showTable(ranks);

// %% [markdown]
// ## 5 · The truncation: what rank each block keeps
//
// > *The paper:* Exactness: if every $A$ has full row rank ($n \le h+1$), each block alone changes the network output
// > by exactly $T$ to first order. Block 1 is linear, so its rank is at most $d/2 + 1$ (393 for MNIST).
//
// Full row rank is not the whole story: MNIST images are strongly correlated, so $A A^\top$ is ill-conditioned and
// the paper's $r_\text{tol} = 10^{-2}$ (eigenvalues of $A A^\top$ below $10^{-4}\lambda_\max$ dropped) can cut directions
// even at full rank. The singular values of each $A$ against the cut:

// %%
const series = lib.blocks.flatMap((b) => (["f", "g"] as const).map((side) => {
  const s = Array.from(b[side].spectrum!, (v) => Math.sqrt(Math.max(v, 0)));
  return { name: `block ${b.block + 1} ${side}`, x: s.map((_, i) => i + 1), ys: [s] };
}));
const sMax = Math.max(...series.map((s) => s.ys[0]![0]!));
series.push({ name: `cut rtol * s_max (rtol ${settings.rtol}, largest block)`, x: [1, n], ys: [[settings.rtol * sMax, settings.rtol * sMax]] });
show(lineFigure(series, { title: "Singular values of A per half-coupling (descending)", xTitle: "index", yTitle: "singular value", logY: true }), { name: "spectrum" });
showTable(lib.blocks.flatMap((b) => (["f", "g"] as const).map((side) => ({ block: b.block + 1, half: side, rank_kept: b[side].rank, batch: n, cond: b[side].cond, solver: b[side].method }))));

// %% [markdown]
// ## 6 · Verify: every block realizes the target
//
// The claim $J_l\,d\Theta_l = T$, measured twice for each block's update alone: with the library's hand-written JVP
// (float32), and with **central finite differences of a float64 forward pass on the host**, code that shares nothing
// with the GN step. Both for the settings above and for the exact inverse (`pinv: "none"`).

// %%
const exact = gnUpdate(model, x, labels, { rule: "block", pinv: "none", residual: true });
const Tf = Float64Array.from(T.dataSync());
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += b[i]! ** 2; }
  return Math.sqrt(num / den);
};
const m = 16; // the float64 check runs on the first 16 samples, to keep the host finite differences fast
const fixedHost = fixedToHost(model);
const theta = paramsToHost(model.params);
const xSub = train.x.subarray(0, m * d);
const verify = ([[lib, `${settings.pinv} (settings)`], [exact, "none (exact inverse)"]] as const).flatMap(([r, label]) => r.blocks.map((b) => {
  const u = restrictToBlock(r.update, b.block);
  const jvp = model.jvp(x, u);
  const fd = hostDirectionalDerivative(fixedHost, theta, paramsToHost(u), xSub, m, 1e-4);
  const row = { pinv: label, block: b.block + 1, "|J dTheta - T|/|T|, JVP (float32)": relErr(jvp.dataSync(), Tf), "same, float64 FD (16 samples)": relErr(fd, Tf.subarray(0, m * d)) };
  jvp.dispose(); disposeParams(u);
  return row;
}));
showTable(verify);
const worst = (label: string) => Math.max(...verify.filter((r) => r.pinv === label).map((r) => r["same, float64 FD (16 samples)"]));
console.log(`largest |J dTheta - T|/|T| over the blocks (float64 FD): ${worst(`${settings.pinv} (settings)`).toExponential(2)} with pinv "${settings.pinv}", ` +
  `${worst("none (exact inverse)").toExponential(2)} with the exact inverse${settings.pinv === "truncated" ? ` (the gap is what rtol ${settings.rtol} cut)` : ""}.`);

// %% [markdown]
// ## 7 · Corrected vs paper-era rule
//
// > *The paper:* The older, paper-era rule drops the correction term (each half-coupling treated as its own layer).
// > The two agree near init (weights $\sim 10^{-3}$) and differ by $\sim 20\%$ once weights are $\sim 0.3$.
//
// Near init $J_g$ is tiny and the two agree; with larger weights they differ, and only the corrected rule is exact.
// We compare at init and after scaling the trained weights by 30 (std 0.03: with $h$ hidden units the half-couplings'
// gain grows like std $\cdot\sqrt h$, so this is already far from init), with the exact inverse so that only the rule differs.

// %%
function compareRules(label: string) {
  const a = gnUpdate(model, x, labels, { rule: "block", residual: true, pinv: "none" });
  const b = gnUpdate(model, x, labels, { rule: "half-coupling", residual: true, pinv: "none" });
  const ha = paramsToHost(a.update), hb = paramsToHost(b.update);
  let num = 0, den = 0;
  for (const [k, v] of ha) { const w = hb.get(k)!; for (let i = 0; i < v.length; i++) { num += (v[i]! - w[i]!) ** 2; den += v[i]! ** 2; } }
  const row = { weights: label, "|dTheta_hc - dTheta_block| / |dTheta_block|": Math.sqrt(num / den),
    "residual, block rule (max over blocks)": Math.max(...a.blocks.map((q) => q.residual!)),
    "residual, half-coupling rule (max over blocks)": Math.max(...b.blocks.map((q) => q.residual!)) };
  disposeParams(a.update); disposeParams(b.update);
  return row;
}
const atInit = compareRules("init (std 1e-3)");
const initParams = cloneParams(model.params);
model.setParams(cloneParams(model.params, 30));   // W std 1e-3 -> 0.03
const atLarge = compareRules("scaled to std 0.03");
model.setParams(initParams);
showTable([atInit, atLarge]);

// %% [markdown]
// ## 8 · The update
//
// > *The paper:* $\theta \leftarrow \theta - \eta\, d\Theta$ for every block (no $1/L$ factor, so the realized first-order
// > output change is $-\eta L T$).
//
// Every block moves the output by $T$ on its own, so all $L$ together move it by $L\,T$. With a small step the
// realized change of the output matches $-\eta L T$ to first order:

// %%
const eta = 1e-3;
const realizedChange = tf.tidy(() => {
  const stepped = zipParams(model.params, exact.update, (w, dw) => sub(w, mul(dw, eta)));   // theta - eta dTheta, every block
  const dz = sub(model.forward(x, stepped).z, z);                                            // what the output did
  const predicted = mul(T, -eta * settings.blocks);                                          // -eta L T
  return relErr(dz.dataSync(), predicted.dataSync());
});
console.log(`|dz - (-eta L T)| / |eta L T| = ${realizedChange.toExponential(2)} (eta = ${eta}, L = ${settings.blocks}; exact inverse, so the rest is second order)`);

// %% [markdown]
// ## 9 · A few steps: GN against Adam and SGD
//
// > *The paper:* Full-batch GN drives the training loss down far faster than Adam/SGD. Learning rates (GN / Adam / SGD),
// > MNIST full-batch: 0.5 / $10^{-4}$ / 0.1.
//
// The same $n$ images as one full batch, each optimizer from the same initialization (GN with the settings above).

// %%
const curves: { name: string; x: number[]; ys: number[][] }[] = [];
for (const [name, lr] of [["gn", 0.5], ["adam", 1e-4], ["sgd", 0.1]] as const) {
  const net = RevMLP.init({ inputDim: d, hidden: h, blocks: settings.blocks, classes: 10, seed: settings.seed });
  const opt = createOptimizer(name === "gn" ? { name, lr, gn: { rule: settings.rule, pinv: settings.pinv, rtol: settings.rtol, atol: settings.atol } } : { name, lr });
  const losses: number[] = [];
  for (let s = 0; s < settings.steps; s++) losses.push(opt.step(net, x, labels).loss);
  const last = lossAndGrad(net, x, labels); disposeParams(last.grads); losses.push(last.loss);
  curves.push({ name, x: losses.map((_, i) => i), ys: [losses] });
  opt.dispose(); net.dispose();
}
show(lineFigure(curves, { title: `Training loss on ${n} MNIST images (full batch)`, xTitle: "step", yTitle: "cross-entropy", logY: true }), { name: "steps" });

// %%
// What we see, computed from the curves above.
const final = Object.fromEntries(curves.map((c) => [c.name, c.ys[0]![c.ys[0]!.length - 1]!]));
const toHalf = (c: typeof curves[number]) => c.ys[0]!.findIndex((v) => v < c.ys[0]![0]! / 2);
showTable(curves.map((c) => ({ optimizer: c.name, "loss at step 0": c.ys[0]![0], [`loss after ${settings.steps} steps`]: final[c.name], "first step below half the initial loss": toHalf(c) >= 0 ? toHalf(c) : `not within ${settings.steps}` })));
console.log(`GN's final loss is ${(final.adam! / final.gn!).toFixed(1)}x lower than Adam's and ${(final.sgd! / final.gn!).toFixed(1)}x lower than SGD's.`);
tf.dispose([x, z, logits, zHand, back, T, ...perBlock.flatMap((b) => [b.x1, b.x2, b.y1, b.t1, b.t2])]);
disposeParams(byHand); disposeParams(lib.update); disposeParams(exact.update);
model.dispose();
console.log(`tensors still alive: ${tf.memory().numTensors}`);

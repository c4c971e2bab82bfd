#!/usr/bin/env python3
"""Independent PyTorch reference for exact-gn's checkpoint diagnostics, written from PAPER.md.

Run by test/reference/metrics-torch.test.ts with Debian's python3-torch:

    /usr/bin/python3 test/reference/metrics_torch.py JOB.json

JOB.json: {"x": "probe-x.f32", "y": "probe-y.i32", "v": "probe-v.f32", "n": N,
           "train": {"x": "train-x.f32", "y": "train-y.i32", "n": M},
           "ntk_samples": S, "runs": {"gn": ["epoch-0000.safetensors", ...], "adam": [...]}, "out": "DIR",
           "pairs": [{"a": "A.f32", "b": "B.f32", "rows": R}, ...]}
  x  float32 [N, d] row-major (the fixed probe batch, already normalized), y int32 [N] (its classes),
  v  float32 [N, d] the NTK probe on the full d-dim output z,
  train  the batch every training step of the runs used (full batch), for the per-batch loss change.
  pairs  optional float32 matrices [R, *] whose plain linear and debiased CKA is wanted.
In each run the first checkpoint is the reference ("init"); every other is compared to it and to the
one before; the linear CKA across runs is computed between checkpoints at the same position.

Everything is recomputed in float64 from the float32 tensors of the files:
  - the RevMLP forward (PAPER.md "Model"): y1 = x1 + W_f s(V_f x2) + b_f, y2 = x2 + W_g s(V_g y1) + b_g,
    logits o = z U; s = identity in block 1 when the config says so, else the config's activation;
    without a bottleneck (hidden null) f(x) = W s(x) + b;
  - the mean cross-entropy and accuracy on the probe batch; the mean cross-entropy on the training
    batch and the per-batch loss change between consecutive checkpoints (one full-batch step apart),
    100 (L_after - L_before) / L_before;
  - the NTK probe (PAPER.md "Metrics"): J^T v by reverse mode (torch.autograd.grad), then
    Theta v = J (J^T v) by forward mode (torch.autograd.forward_ad), J the Jacobian of z [N, d]
    w.r.t. every trained W and b; cosine of Theta_0 v and Theta_t v, their norm ratio, and the
    cosine of J_0^T v and J_t^T v;
  - the explicit empirical NTK of the logits on the first ntk_samples rows of the probe batch,
    K = J J^T (column r = J (J^T e_r): one VJP and one JVP per logit), its Frobenius alignment with init, its norm ratio, and the rate
    of change 1 - alignment(K_prev, K_t) (Writes DIR/RUN-I.kernel.f64);
  - linear CKA (Kornblith et al. 2019) between the state after each half-coupling ([y1, x2] after f,
    [y1, y2] after g) of the two checkpoints: centered features, |Yc^T Xc|_F^2 / (|Xc^T Xc|_F |Yc^T Yc|_F);
    and the debiased CKA from the unbiased HSIC estimator (Song et al. 2012) on the RAW linear Grams
    (K = X X^T, not centered: the estimator does not change when every sample is shifted);
  - per trained tensor: cos(theta_0, theta_t), |theta_t| / |theta_0|, |theta_t - theta_0| / |theta_0|,
    |theta_t|, and |theta_t - theta_prev| / |theta_prev| (null where a norm is 0, e.g. biases at init).
Writes DIR/RUN-I.ntk.f64 (Theta v, [N, d]) and DIR/RUN-I.jtv.f64 (J^T v, each tensor in
checkpoint order: per block, f then g, W as stored ([d/2, h], row-major) then b), and prints one
JSON object with the scalars.
"""
import json
import math
import struct
import sys

import torch
import torch.autograd.forward_ad as fwAD

torch.set_default_dtype(torch.float64)


def read_safetensors(path):
    """Tensors (float64 copies) and metadata of a safetensors file, from the format's spec."""
    with open(path, "rb") as fh:
        raw = fh.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length].decode("utf-8"))
    base = 8 + length
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} has dtype {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        tensors[name] = little_endian(raw[base + begin : base + end], torch.float32).to(torch.float64).reshape(info["shape"])
    return tensors, meta


def little_endian(raw, dtype):
    """A tensor from little-endian 4-byte values (a copy)."""
    if sys.byteorder != "little":
        raise SystemExit("this reference reads little-endian files on a little-endian machine only")
    return torch.frombuffer(bytearray(raw), dtype=dtype) if len(raw) else torch.zeros(0, dtype=dtype)


def read_f32(path, shape):
    with open(path, "rb") as fh:
        return little_endian(fh.read(), torch.float32).to(torch.float64).reshape(shape)


def read_i32(path):
    with open(path, "rb") as fh:
        return little_endian(fh.read(), torch.int32).to(torch.long)


class Checkpoint:
    def __init__(self, path):
        self.tensors, meta = read_safetensors(path)
        self.cfg = json.loads(meta["config"])
        c = self.cfg
        self.L, self.d = c["blocks"], c["inputDim"]
        # Trained tensors in checkpoint order (per block: f then g, W then b).
        self.names = []
        for l in range(self.L):
            for side in ("f", "g"):
                self.names.append(f"blocks.{l}.{side}.W")
                if c["bias"]:
                    self.names.append(f"blocks.{l}.{side}.b")

    def activation(self, l):
        if l == 0 and self.cfg["firstBlockLinear"]:
            return lambda p: p
        a = self.cfg["activation"]
        if a == "relu":
            return torch.relu
        if a == "tanh":
            return torch.tanh
        if a == "linear":
            return lambda p: p
        raise SystemExit(f"unknown activation {a!r} in the checkpoint config")

    def trained(self):
        return {n: self.tensors[n].clone() for n in self.names}

    def half(self, l, side, x, params):
        """W s(V x) + b for a batch of rows x [N, d/2] (W [d/2, h], V [h, d/2])."""
        s = self.activation(l)
        pre = x @ self.tensors[f"blocks.{l}.{side}.V"].T if self.cfg["hidden"] is not None else x
        out = s(pre) @ params[f"blocks.{l}.{side}.W"].T
        b = params.get(f"blocks.{l}.{side}.b")
        return out + b if b is not None else out

    def forward(self, x, params):
        """z [N, d] and the 2L states after each half-coupling."""
        h = self.d // 2
        x1, x2 = x[:, :h], x[:, h:]
        states = []
        for l in range(self.L):
            y1 = x1 + self.half(l, "f", x2, params)
            states.append(torch.cat([y1, x2], 1))
            y2 = x2 + self.half(l, "g", y1, params)
            states.append(torch.cat([y1, y2], 1))
            x1, x2 = y1, y2
        return torch.cat([x1, x2], 1), states

    def logits(self, x, params):
        return self.forward(x, params)[0] @ self.tensors["readout.U"]


def ntk_probe(ck, x, v):
    """(Theta v [N, d], J^T v as a dict of tensors)."""
    params = {n: t.requires_grad_(True) for n, t in ck.trained().items()}
    z, _ = ck.forward(x, params)
    grads = torch.autograd.grad(z, [params[n] for n in ck.names], grad_outputs=v)
    jtv = {n: g.detach() for n, g in zip(ck.names, grads)}
    with fwAD.dual_level():
        duals = {n: fwAD.make_dual(params[n].detach(), jtv[n]) for n in ck.names}
        zd, _ = ck.forward(x, duals)
        ntk = fwAD.unpack_dual(zd).tangent.detach().clone()
    return ntk, jtv


def logits_ntk(ck, x):
    """The explicit empirical NTK of the logits, K = J J^T ((N k) x (N k), row i k + a = logit a of
    sample i), J the Jacobian of the N k logits w.r.t. every trained W and b; column r is
    J (J^T e_r): one VJP, then one JVP (J itself is never stored)."""
    params = {n: t.requires_grad_(True) for n, t in ck.trained().items()}
    o = ck.logits(x, params).reshape(-1)
    cols = []
    for r in range(o.numel()):
        g = torch.autograd.grad(o[r], [params[n] for n in ck.names], retain_graph=True)
        with fwAD.dual_level():
            duals = {n: fwAD.make_dual(params[n].detach(), t) for n, t in zip(ck.names, g)}
            cols.append(fwAD.unpack_dual(ck.logits(x, duals)).tangent.reshape(-1).detach().clone())
    return torch.stack(cols, 1)


def alignment(a, b):
    return float((a * b).sum() / (a.norm() * b.norm()))


def cosine(a, b):
    na, nb = a.norm(), b.norm()
    if na == 0 or nb == 0:
        return None
    return float((a * b).sum() / (na * nb))


def ratio(a, b):
    return None if b == 0 else float(a / b)


def linear_cka(X, Y):
    Xc, Yc = X - X.mean(0, keepdim=True), Y - Y.mean(0, keepdim=True)
    return float((Yc.T @ Xc).norm() ** 2 / ((Xc.T @ Xc).norm() * (Yc.T @ Yc).norm()))


def hsic_unbiased(K, L):
    n = K.shape[0]
    Kt, Lt = K - torch.diag(torch.diag(K)), L - torch.diag(torch.diag(L))
    one = torch.ones(n, dtype=K.dtype)
    term1 = (Kt * Lt).sum()  # tr(K~ L~), both symmetric
    term2 = (one @ Kt @ one) * (one @ Lt @ one) / ((n - 1) * (n - 2))
    term3 = 2.0 / (n - 2) * (one @ Kt @ Lt @ one)
    return (term1 + term2 - term3) / (n * (n - 3))


def debiased_cka(X, Y):
    K, L = X @ X.T, Y @ Y.T
    den = hsic_unbiased(K, K) * hsic_unbiased(L, L)
    return float(hsic_unbiased(K, L) / torch.sqrt(den)) if den > 0 else None


def write_f64(path, t):
    with open(path, "wb") as fh:
        fh.write(t.detach().to(torch.float64).contiguous().numpy().tobytes())  # native = little endian (checked)


def analyze_run(name, paths, x, y, v, train, out_dir, ntk_samples):
    """One row of scalars per checkpoint, and the states (for the CKA across runs)."""
    rows, all_states = [], []
    ref = prev = None
    for i, path in enumerate(paths):
        ck = Checkpoint(path)
        params = ck.trained()
        with torch.no_grad():
            z, states = ck.forward(x, params)
            o = z @ ck.tensors["readout.U"]
            loss = float(torch.nn.functional.cross_entropy(o, y))
            acc = float((o.argmax(1) == y).double().mean())
            batch_loss = float(torch.nn.functional.cross_entropy(ck.logits(train[0], params), train[1]))
        ntk, jtv = ntk_probe(ck, x, v)
        jflat = torch.cat([jtv[nm].reshape(-1) for nm in ck.names])
        write_f64(f"{out_dir}/{name}-{i}.ntk.f64", ntk)
        write_f64(f"{out_dir}/{name}-{i}.jtv.f64", jflat)
        kernel = logits_ntk(ck, x[:ntk_samples])
        write_f64(f"{out_dir}/{name}-{i}.kernel.f64", kernel)
        cur = {"params": params, "states": states, "ntk": ntk, "jtv": jflat, "batch_loss": batch_loss, "kernel": kernel}
        ref = ref or cur
        row = {"loss": loss, "accuracy": acc, "batch_loss": batch_loss}
        row["ntk_alignment_init"] = alignment(ref["kernel"], kernel)
        row["ntk_norm_ratio"] = float(kernel.norm() / ref["kernel"].norm())
        if prev is not None:
            row["ntk_rate"] = 1.0 - alignment(prev["kernel"], kernel)
            row["batch_loss_change_pct"] = 100.0 * (batch_loss - prev["batch_loss"]) / prev["batch_loss"]
            row["ntk_probe_cos_prev"] = cosine(prev["ntk"], ntk)
            row["jac_probe_cos_prev"] = cosine(prev["jtv"], jflat)
            row["cka_prev"] = [linear_cka(a, b) for a, b in zip(prev["states"], states)]
        row["ntk_probe_cos_init"] = cosine(ref["ntk"], ntk)
        row["ntk_probe_norm_ratio"] = ratio(ntk.norm(), ref["ntk"].norm())
        row["jac_probe_cos_init"] = cosine(ref["jtv"], jflat)
        row["cka_init"] = [linear_cka(a, b) for a, b in zip(ref["states"], states)]
        row["cka_debiased_init"] = [debiased_cka(a, b) for a, b in zip(ref["states"], states)]
        weights = {}
        for nm in ck.names:
            t0, t = ref["params"][nm], params[nm]
            w = {
                "cos_init": cosine(t0, t),
                "norm_ratio": ratio(t.norm(), t0.norm()),
                "rel_change": ratio((t - t0).norm(), t0.norm()),
                "norm": float(t.norm()),
            }
            if prev is not None:
                tp = prev["params"][nm]
                w["rel_step"] = ratio((t - tp).norm(), tp.norm())
            weights[nm] = w
        row["weights"] = weights
        rows.append(row)
        all_states.append(states)
        prev = cur
    return rows, all_states


def main():
    job = json.load(open(sys.argv[1]))
    n, runs = job["n"], job["runs"]
    d = Checkpoint(next(iter(runs.values()))[0]).d
    x, y, v = read_f32(job["x"], (n, d)), read_i32(job["y"]), read_f32(job["v"], (n, d))
    tr = job["train"]
    train = (read_f32(tr["x"], (tr["n"], d)), read_i32(tr["y"]))
    out = {"torch": torch.__version__, "runs": {}, "across": {}}
    states = {}
    for name, paths in runs.items():
        out["runs"][name], states[name] = analyze_run(name, paths, x, y, v, train, job["out"], job["ntk_samples"])
    names = list(runs)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            sa, sb = states[names[a]], states[names[b]]
            out["across"][f"{names[a]}|{names[b]}"] = [
                {"cka": [linear_cka(p, q) for p, q in zip(ea, eb)], "cka_debiased": [debiased_cka(p, q) for p, q in zip(ea, eb)]}
                for ea, eb in zip(sa, sb)
            ]
    # Plain CKA between given matrices (float32 files [rows, cols]), where it is far from 1.
    out["pairs"] = []
    for pa in job.get("pairs", []):
        A, B = read_f32(pa["a"], (pa["rows"], -1)), read_f32(pa["b"], (pa["rows"], -1))
        out["pairs"].append({"cka": linear_cka(A, B), "cka_debiased": debiased_cka(A, B)})
    print(json.dumps(out, allow_nan=False))


if __name__ == "__main__":
    main()

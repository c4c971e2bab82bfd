#!/usr/bin/env python3
"""PyTorch side of scripts/bench.ts: the same RevMLP and optimizer steps, timed the same way.

Run by bench.ts with Debian's python3-torch (/usr/bin/python3); it prints ONE JSON object on stdout.

    python3 scripts/bench_torch.py '{"d":784,"h":8000,"L":2,"n":1024,"k":10,
        "tasks":["gn-paper","gn-gram","adam","sgd"],"reps":3,"warmup":1,
        "x":"/tmp/batch.f32","y":"/tmp/batch.i32"}'

Tasks (each on a fresh model, full batch of n images, float32 tensors):
  gn-paper  the paper's exact GN step: per half-coupling the truncated-SVD pseudo-inverse of the
            n x (h+1) matrix A = [s(P), 1] (torch.linalg.svd, keep s >= max(rtol s_max, atol));
  gn-gram   the Gram algorithm: Gram G = A A^T (float32), float64 eigendecomposition (torch.linalg.eigh),
            the same truncation, C = G^+ t, dW^T = S^T C, db = 1^T C;
  gn-gram-fold  the same with our linear-block algebra for block 1 (s = identity): its forward and
            JVPs through M = V^T W^T (d/2 x d/2, formed once per step), its Gram from the narrow factor
            B = [X L, 1] (L L^T = V^T V, fixed) with eigh of B^T B, dW^T = V (X^T C): what
            src/gn/step.ts runs, written in PyTorch;
  adam/sgd  one optimizer step on the mean cross-entropy (autograd backward), torch.optim defaults
            (foreach implementation);
  adam-fold/sgd-fold  the same with block 1's halves as x @ (V^T W^T) + b (autograd then forms the
            gradient as V (X^T g)), as src/optim does.
Both GN steps: JVP pull-back, the corrected 'block' rule (dTheta_g solves t2 - J_g A_1 dTheta_f),
the first block's input tangents skipped, A_1 dTheta_f taken from the solve (U_k U_k^T t, resp. G C).
gn-gram mirrors src/gn/step.ts (block inputs and features kept from the forward, as it does within
its activation budget); gn-paper rebuilds them through the inverse (nothing stored), as the paper.
No input file: a N(0,1) batch with random labels.
"""
import json
import os
import resource
import statistics
import sys
import time

import torch


def orthonormal(d, k, gen):
    q, _ = torch.linalg.qr(torch.randn(d, k, generator=gen, dtype=torch.float64))
    return q.float()


class RevMLP:
    def __init__(self, d, h, L, k, seed=42, init_std=1e-3, fold=False):
        gen = torch.Generator().manual_seed(seed)
        half = d // 2
        self.half = half
        self.L = L
        self.V = [[torch.randn(h, half, generator=gen) / h**0.5 for _ in range(2)] for _ in range(L)]
        self.W = [[(torch.randn(half, h, generator=gen) * init_std) for _ in range(2)] for _ in range(L)]
        self.b = [[torch.zeros(half) for _ in range(2)] for _ in range(L)]
        self.U = orthonormal(d, k, gen)
        self.act = ["linear"] + ["relu"] * (L - 1)
        # fold: block 1's halves through M = V^T W^T, and L L^T = V^T V for its Gram factor
        self.fold = fold and h > half
        self.Lchol = [torch.linalg.cholesky((V.T @ V).double()).float() for V in self.V[0]] if self.fold else None

    def folded(self, l):
        return self.fold and self.act[l] == "linear"

    def params(self):
        return [t for l in range(self.L) for s in range(2) for t in (self.W[l][s], self.b[l][s])]

    def s(self, l, P):
        return P if self.act[l] == "linear" else torch.relu(P)

    def half_out(self, l, side, x):
        if self.folded(l):
            return x @ (self.V[l][side].T @ self.W[l][side].T) + self.b[l][side]
        S = self.s(l, x @ self.V[l][side].T)
        return S @ self.W[l][side].T + self.b[l][side]

    def forward(self, x):
        x1, x2 = x[:, : self.half], x[:, self.half :]
        for l in range(self.L):
            x1 = x1 + self.half_out(l, 0, x2)
            x2 = x2 + self.half_out(l, 1, x1)
        return torch.cat([x1, x2], 1)


def solve_gram(S, t, rtol, atol):
    """C = G^+ t by the float64 eigendecomposition of G = [S,1][S,1]^T; returns dW^T, db, G C."""
    G = S @ S.T + 1.0
    lam, vec = torch.linalg.eigh(G.double())
    cut = max(rtol * float(lam[-1].clamp(min=0)) ** 0.5, atol)
    keep = (lam > 0) & (lam.clamp(min=0).sqrt() >= cut)
    vk = vec[:, keep]
    C = (vk @ ((vk.T @ t.double()) / lam[keep, None])).float()
    return S.T @ C, C.sum(0), G @ C


def solve_factored(x, V, Lc, t, rtol, atol):
    """The linear block: C = G^+ t from the narrow factor B = [x L, 1] of G (eigh of B^T B, r x r);
    returns dW^T = V (x^T C), db, G C = B (B^T C)."""
    B = torch.cat([x @ Lc, torch.ones(x.shape[0], 1)], 1)
    if B.shape[1] >= B.shape[0]:  # not narrow (CIFAR: d/2 + 1 > n): the Gram matrix from B, G = B B^T
        G = B @ B.T
        lam, vec = torch.linalg.eigh(G.double())
        cut = max(rtol * float(lam[-1].clamp(min=0)) ** 0.5, atol)
        keep = (lam > 0) & (lam.clamp(min=0).sqrt() >= cut)
        vk = vec[:, keep]
        C = (vk @ ((vk.T @ t.double()) / lam[keep, None])).float()
        return V @ (x.T @ C), C.sum(0), G @ C
    B = B.double()
    mu, w = torch.linalg.eigh(B.T @ B)
    cut = max(rtol * float(mu[-1].clamp(min=0)) ** 0.5, atol)
    keep = (mu > 0) & (mu.clamp(min=0).sqrt() >= cut)
    wk = w[:, keep]
    Bt = B.T @ t.double()
    C = (B @ (wk @ ((wk.T @ Bt) / (mu[keep, None] ** 2)))).float()
    Bf = B.float()
    return V @ (x.T @ C), C.sum(0), Bf @ (Bf.T @ C)


def solve_svd(S, t, rtol, atol):
    """dTheta = A^+ t by the truncated SVD of A = [S, 1] (the paper); returns dW^T, db, A dTheta."""
    A = torch.cat([S, torch.ones(S.shape[0], 1)], 1)
    u, s, vh = torch.linalg.svd(A, full_matrices=False)
    keep = s >= max(rtol * float(s[0]), atol)
    uk, sk, vk = u[:, keep], s[keep], vh[keep]
    coef = uk.T @ t
    theta = vk.T @ (coef / sk[:, None])
    return theta[:-1], theta[-1], uk @ coef


def gn_step(m, x, y, lr, solve, keep, rtol=1e-2, atol=1e-5):
    """One exact GN step. keep: take each block's input and features from the forward (as
    src/gn/step.ts does within its activation budget); else rebuild them through the inverse."""
    with torch.no_grad():
        kept = []
        if keep:
            x1, x2 = x[:, : m.half], x[:, m.half :]
            for l in range(m.L):
                if m.folded(l):
                    Mf, Mg = (m.V[l][i].T @ m.W[l][i].T for i in range(2))
                    y1 = x1 + x2 @ Mf + m.b[l][0]
                    kept.append((x1, x2, Mf, Mg))
                    x1, x2 = y1, x2 + y1 @ Mg + m.b[l][1]
                    continue
                Sf = m.s(l, x2 @ m.V[l][0].T)
                y1 = x1 + Sf @ m.W[l][0].T + m.b[l][0]
                Pg = y1 @ m.V[l][1].T
                Sg = m.s(l, Pg)
                kept.append((x1, x2, Sf, Sg))
                x1, x2 = y1, x2 + Sg @ m.W[l][1].T + m.b[l][1]
            z = torch.cat([x1, x2], 1)
        else:
            z = m.forward(x)
        logits = z @ m.U
        loss = torch.nn.functional.cross_entropy(logits, y)
        e = torch.softmax(logits, 1)
        e[torch.arange(len(y)), y] -= 1
        T = e @ m.U.T
        h = m.half
        y1, y2, t1, t2 = z[:, :h], z[:, h:], T[:, :h], T[:, h:]
        updates = []
        for l in reversed(range(m.L)):
            (Vf, Vg), (Wf, Wg), (bf, bg) = m.V[l], m.W[l], m.b[l]
            if m.folded(l):
                # block 1 through M = V^T W^T and the factored solve (its inputs kept: x2, y1)
                _, x2, Mf, Mg = kept[l]
                dWf, dbf, realized = solve_factored(x2, Vf, m.Lchol[0], t1, rtol, atol)
                dWg, dbg, _ = solve_factored(y1, Vg, m.Lchol[1], t2 - realized @ Mg, rtol, atol)
                updates.append((l, dWf, dbf, dWg, dbg))
                if l > 0:
                    dx2 = t2 - t1 @ Mg
                    dx1 = t1 - dx2 @ Mf
                    x1 = y1 - (x2 @ Mf + bf)
                    y1, y2, t1, t2 = x1, x2, dx1, dx2
                continue
            if keep:
                x1, x2, Sf, Sg = kept[l]
            else:
                Sg = m.s(l, y1 @ Vg.T)
                x2 = y2 - (Sg @ Wg.T + bg)
                Sf = m.s(l, x2 @ Vf.T)
            # s' of ReLU from the features themselves (S > 0 iff P > 0); None for the linear block
            dsg = None if m.act[l] == "linear" else (Sg > 0).float()

            def jvp(v, V, W, ds):
                u = v @ V.T
                return (u if ds is None else u * ds) @ W.T

            if l > 0:
                dsf = None if m.act[l] == "linear" else (Sf > 0).float()
                if not keep:
                    x1 = y1 - (Sf @ Wf.T + bf)
                dx2 = t2 - jvp(t1, Vg, Wg, dsg)
                dx1 = t1 - jvp(dx2, Vf, Wf, dsf)
            dWf, dbf, realized = solve(Sf, t1, rtol, atol)
            dWg, dbg, _ = solve(Sg, t2 - jvp(realized, Vg, Wg, dsg), rtol, atol)
            updates.append((l, dWf, dbf, dWg, dbg))
            if l > 0:
                y1, y2, t1, t2 = x1, x2, dx1, dx2
        for l, dWf, dbf, dWg, dbg in updates:
            m.W[l][0] -= lr * dWf.T
            m.b[l][0] -= lr * dbf
            m.W[l][1] -= lr * dWg.T
            m.b[l][1] -= lr * dbg
    return float(loss)


def make_first_order(m, name, lr):
    ps = m.params()
    for p in ps:
        p.requires_grad_(True)
    opt = torch.optim.Adam(ps, lr=lr) if name == "adam" else torch.optim.SGD(ps, lr=lr)

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(m.forward(x) @ m.U, y)
        loss.backward()
        opt.step()
        return float(loss)

    return step


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(cfg):
    threads = int(cfg.get("threads") or os.cpu_count() or 1)
    torch.set_num_threads(threads)
    d, h, L, n, k = (int(cfg[key]) for key in ("d", "h", "L", "n", "k"))
    if cfg.get("x"):
        import numpy as np

        x = torch.from_numpy(np.fromfile(cfg["x"], dtype=np.float32).reshape(n, d))
        y = torch.from_numpy(np.fromfile(cfg["y"], dtype=np.int32).astype(np.int64))
    else:
        gen = torch.Generator().manual_seed(0)
        x = torch.randn(n, d, generator=gen)
        y = torch.randint(0, k, (n,), generator=gen)
    out = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": os.environ.get("OPENBLAS_CORETYPE", "auto"),
        "tasks": {},
    }
    lrs = {"gn-paper": 0.5, "gn-gram": 0.5, "gn-gram-fold": 0.5, "adam": 1e-4, "adam-fold": 1e-4, "sgd": 0.1, "sgd-fold": 0.1}
    for task in cfg["tasks"]:
        m = RevMLP(d, h, L, k, fold=task.endswith("-fold"))
        if task.startswith("gn-"):
            paper = task == "gn-paper"
            solve = solve_svd if paper else solve_gram
            step = lambda x, y, m=m, solve=solve, lr=lrs[task], keep=not paper: gn_step(m, x, y, lr, solve, keep)
        else:
            step = make_first_order(m, task.split("-")[0], lrs[task])
        times, rss, losses = [], [], []
        reps = int(cfg.get("reps", 3))
        if task == "gn-paper":
            reps = int(cfg.get("repsPaper", reps))
        warmup = int(cfg.get("warmupPaper" if task == "gn-paper" else "warmup", cfg.get("warmup", 1)))
        for i in range(warmup + reps):
            t0 = time.perf_counter()
            losses.append(step(x, y))
            dt = time.perf_counter() - t0
            if i >= warmup:
                times.append(dt)
            rss.append(rss_mb())
        out["tasks"][task] = {
            "median_s": statistics.median(times),
            "times_s": times,
            "rss_mb": rss,
            "loss_first": losses[0],
            "loss_last": losses[-1],
        }
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


if __name__ == "__main__":
    try:
        print(json.dumps(run(json.loads(sys.argv[1]))))
    except Exception as e:  # reported, not raised: bench.ts prints the reason
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        sys.exit(1)

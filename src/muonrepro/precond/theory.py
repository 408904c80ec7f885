"""Checks of the theory that need no sweep (spec §5.1, §3.2; checks A10, A11, A14).

- ``lemma_scalar_sweep``: the MF mode recursion of §5.1 over many modes, sup of
  ``|e_t| / eta_t`` against Lemma L1's bound ``1/(1-q)`` (tightness and the need for q >= 1/2).
- ``lemma_matrix_sweep``: the same ratio measured on real matrix iterates (aligned MF, simplified
  Muon with exact msgn) over kappa x seeds x q.
- ``icl_monte_carlo``: closed-form population loss against a Monte-Carlo estimate.

The rules' jobs: ``lemma_job`` (precond_lemma: the two Lemma L1 sweeps and ``decoupling_mf``) and
``montecarlo_job`` (precond_montecarlo).

The matrix checks use the replicate instances of ``muonrepro.precond.instances`` (jittered spectrum,
per-mode aligned starts): decoupling and Lemma L1 hold for every spectrum and start, and the scalar
recursion is fed each instance's own spectrum and starts. The scalar sweep and the Monte-Carlo check
keep their own fixed constructions (one grid of modes; one seeded Lam without jitter).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from muonrepro.optim.orthogonalize import orthogonalize
from muonrepro.precond import instances
from muonrepro.precond.optimizers import SimplifiedMuon
from muonrepro.precond.problems import icl as icl_mod
from muonrepro.precond.problems import mf as mf_mod
from muonrepro.precond.problems.spectra import basis, spectrum
from muonrepro.precond.runner import run
from muonrepro.precond.scalar import (
    decoupling_gap,
    decoupling_ratio,
    lemma_bound,
    mf_recursion,
    precision_scaling,
)
from muonrepro.precond.steps import StepRule, geometric_etas
from muonrepro.util.io import atomic_write_csv
from muonrepro.util.threads import one_thread


def _n_steps(eta0: float, q: float, floor: float) -> int:
    """Number of steps with ``eta_0 q^t >= floor``."""
    return max(1, math.floor(math.log(floor / eta0) / math.log(q)) + 1)


def _aligned_mf_sigmas(
    P: dict, PS: dict, d: int, r: int, kappa: float, eta0: float, q: float, steps: int, replay_dtype=None
):
    """Exact-msgn Muon with geometric steps on aligned symmetric MF (the ``mf_aligned`` instances: jittered
    spectrum and per-mode start scales), one instance per seed: the stacked problem, the per-mode starts
    a_0 (seeds, r) and the singular values of U_t for t = 0 .. steps, shape (seeds, steps + 1, r); with
    ``replay_dtype`` also those of the same runs replayed in that precision (``replay_symmetric_mf``)."""
    inst = instances.symmetric_mf(P, "mf_aligned", PS["seeds"], d, r, kappa, init="aligned")
    prob, p0 = mf_mod.stack_symmetric(inst)
    n = len(inst)
    rule = StepRule("geometric", np.full(n, eta0), np.full(n, q))
    opt = SimplifiedMuon(rule, rel_cutoff=P["msgn_rel_cutoff"])
    res = run(prob, opt, p0, steps, record=lambda p: {"sigma": np.linalg.svd(p[0], compute_uv=False)})
    out = (prob, np.stack([x.a0 for x in inst]), res.records["sigma"])
    if replay_dtype is None:
        return out
    return out + (replay_symmetric_mf(prob, p0, rule, steps, P["msgn_rel_cutoff"], replay_dtype),)


_TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def msgn_in(G: np.ndarray, rel_cutoff: float) -> np.ndarray:
    """Exact msgn (truncated polar factor) of a batch in G's own precision (float32 or float64): ``orthogonalize``'s
    ``polar_svd`` with that working precision, the code path of ``orthogonalize_np`` (which fixes float64; for a
    float64 G the two are the same computation). Non-finite matrices give NaN."""
    G = np.ascontiguousarray(G)
    dt = _TORCH_DTYPES[G.dtype]
    ok = np.isfinite(G).all(axis=(-2, -1))
    out = np.full(G.shape, np.nan, dtype=G.dtype)
    if ok.any():
        X = G if ok.all() else np.ascontiguousarray(G[ok])
        out[ok] = orthogonalize(torch.from_numpy(X), method="svd", dtype=dt, rel_cutoff=rel_cutoff).numpy()
    return out


class MuonInPrecision:
    """``optimizers.SimplifiedMuon``'s exact-msgn step ``W <- W - eta_t msgn(grad)`` (no momentum) in the
    parameters' own precision: ``eta_t`` from the same ``StepRule`` (float64) rounded to that precision, msgn by
    ``msgn_in``. With float64 parameters it is SimplifiedMuon's computation; A8's float32 replays use it."""

    def __init__(self, rule: StepRule, *, rel_cutoff: float):
        self.rule, self.rel_cutoff = rule, rel_cutoff

    def step(self, t, params, grads):
        out = []
        for p, g in zip(params, grads):
            eta = np.asarray(self.rule(t, g)).astype(p.dtype).reshape((-1,) + (1,) * (p.ndim - 1))
            out.append(p - eta * msgn_in(g, self.rel_cutoff))
        return tuple(out)


def replay_symmetric_mf(prob, p0: tuple, rule: StepRule, steps: int, rel_cutoff: float, dtype=np.float64):
    """Exact-msgn simplified Muon on symmetric MF with every array in ``dtype``: ``V*``, ``lam`` and ``U_0`` cast to
    it, the gradient, ``eta_t`` and msgn computed in it (``MuonInPrecision``), through the same ``run`` loop.
    Returns the singular values of ``U_t`` for t = 0 .. steps, (B, steps + 1, r), each computed in float64 from
    the ``dtype`` iterate (what is measured is the iterate's deviation, not a float32 SVD's)."""
    dtype = np.dtype(dtype)
    prob_d = mf_mod.SymmetricMF(prob.V.astype(dtype), prob.lam.astype(dtype))
    p0_d = tuple(np.asarray(p).astype(dtype) for p in p0)
    res = run(
        prob_d,
        MuonInPrecision(rule, rel_cutoff=rel_cutoff),
        p0_d,
        steps,
        record=lambda p: {"sigma": np.linalg.svd(p[0].astype(np.float64), compute_uv=False)},
    )
    if res.params[0].dtype != dtype:  # a float64 array anywhere would promote the iterate
        raise TypeError(f"replay_symmetric_mf: the iterate left {dtype} ({res.params[0].dtype})")
    return res.records["sigma"]


def lemma_scalar_sweep(L: dict) -> pd.DataFrame:
    """Spec §5.1 tightness sweep: ``n_modes`` modes, lam log-spaced in [lam_min, 1], a_0, eta_0 = 1 - q."""
    lam = np.logspace(np.log10(L["lam_min"]), 0.0, L["n_modes"])
    rows = []
    for q in list(L["q_bounded"]) + list(L["q_unbounded"]):
        eta0 = 1.0 - q
        etas = geometric_etas(eta0, q, _n_steps(eta0, q, L["eta_floor"]))
        a = mf_recursion(L["a0"], lam, etas)  # (T+1, modes)
        e = np.abs(np.abs(a) - np.sqrt(lam))
        ratio = e[1 : len(etas)] / etas[1:, None]  # t = 1 .. T-1, all with eta_t >= floor
        rows.append(
            dict(
                q=q,
                bound=lemma_bound(q),
                sup_ratio=float(ratio.max()),
                steps=len(etas),
                expect="bounded" if q in L["q_bounded"] else "unbounded",
                eta0=eta0,
            )
        )
    return pd.DataFrame(rows)


def lemma_matrix_sweep(P: dict, PS: dict) -> pd.DataFrame:
    """Aligned MF (I-a), exact-msgn Muon, ``eta_0 = matrix_budget (1 - q)``: per-mode ratio
    ``|sigma_i(U_t) - sqrt(lam_i)| / eta_t`` for every t with ``eta_t >= a10.eta_floor``."""
    L = P["lemma"]
    floor, tol = P["claims"]["A10"]["eta_floor"], P["claims"]["A10"]["tol"]
    d, r = PS["mf"]["d"], PS["mf"]["r"]
    rows = []
    for q in L["q_bounded"]:
        eta0 = L["matrix_budget"] * (1.0 - q)
        T = _n_steps(eta0, q, floor)
        etas = geometric_etas(eta0, q, T)
        for kappa in PS["kappas"]:
            prob, _, sig = _aligned_mf_sigmas(P, PS, d, r, kappa, eta0, q, T - 1)  # (n, T, r), t = 0 .. T-1
            ratio = np.abs(sig - np.sqrt(prob.lam)[:, None, :]) / etas[None, :, None]
            for i, seed in enumerate(PS["seeds"]):
                rows.append(
                    dict(
                        q=q,
                        kappa=kappa,
                        seed=seed,
                        eta0=eta0,
                        bound=lemma_bound(q),
                        max_ratio=float(ratio[i].max()),
                        violations=int((ratio[i] > lemma_bound(q) + tol).sum()),
                        checked=int(ratio[i].size),
                        last_eta=float(etas[-1]),
                    )
                )
    return pd.DataFrame(rows)


def icl_monte_carlo(P: dict, PS: dict) -> pd.DataFrame:
    """Closed-form ``L(B)`` against Monte Carlo at B = 0, B = B*, and a random B (spec §3.2, A14)."""
    M, S = P["icl_mc"], PS["icl_mc"]
    d, N = S["d"], S["N"]
    rng = np.random.default_rng(M["seed"])
    Q = basis(rng, d, d, True)
    lam = spectrum(P["spectrum"], d, M["kappa"])
    prob = icl_mod.ICL(Q[None], lam[None], N)
    Bs = {
        "zero": np.zeros((d, d)),
        "minimizer": prob.minimizer()[0],
        "random": rng.standard_normal((d, d)) / np.sqrt(d),
    }
    mc, se = icl_mod.monte_carlo_loss(list(Bs.values()), prob.Lam[0], N, S["prompts"], rng)
    rows = []
    for (name, Bm), m, s in zip(Bs.items(), mc, se):
        closed = float(prob.loss(Bm[None])[0])
        rows.append(
            dict(
                matrix=name,
                closed_form=closed,
                monte_carlo=float(m),
                mc_stderr=float(s),
                rel_diff=abs(float(m) - closed) / abs(closed),
                prompts=S["prompts"],
                d=d,
                N=N,
                kappa=M["kappa"],
                seed=M["seed"],
            )
        )
    return pd.DataFrame(rows)


def decoupling_mf(P: dict, PS: dict) -> pd.DataFrame:
    """Spec §5.2 decoupling check (A8): aligned MF ``U_0 = V* diag(a_0) R``, exact-msgn Muon with
    ``q = decoupling.q`` and ``eta_0 = decoupling.budget (1 - q)``; the largest gap between the sorted
    singular values of ``U_t`` and the scalar recursion ``a <- a - eta_t sign((a^2 - lam) a)`` over
    ``t <= iters.decouple``, for every kappa and seed, and its largest ratio to the float64 tolerance of
    ``scalar.decoupling_tolerance`` (``claims.A8.c_round``) with the first step whose sign float64 cannot
    resolve. Each run is also replayed in float32 (same instance cast, same schedule; the recursion stays
    float64) and ``scalar.precision_scaling`` (``claims.A8.precision_decades``) says whether the float64 gap's
    excess over its tolerance is round-off (columns ``deviation``, ``roundoff_ok``, ``first_excess``,
    ``g32_at_first_excess``, ...)."""
    D = P["decoupling"]
    c = P["claims"]["A8"]
    d, r = PS["decouple_mf"]["d"], PS["decouple_mf"]["r"]
    q, T = D["q"], PS["iters"]["decouple"]
    eta0 = D["budget"] * (1.0 - q)
    etas = geometric_etas(eta0, q, T)
    eta_t = geometric_etas(eta0, q, T + 1)  # eta_t for t = 0 .. T (the gaps' steps)
    rows = []
    for kappa in PS["kappas"]:
        prob, a0, sigma, sigma32 = _aligned_mf_sigmas(P, PS, d, r, kappa, eta0, q, T, replay_dtype=np.float32)
        for i, seed in enumerate(PS["seeds"]):
            a = mf_recursion(a0[i], prob.lam[i], etas)
            g64, g32 = decoupling_gap(sigma[i], a), decoupling_gap(sigma32[i], a)
            ratio, first = decoupling_ratio(sigma[i], a, prob.lam[i], eta0, q, d, P["msgn_rel_cutoff"], c["c_round"])
            rows.append(
                dict(
                    kappa=kappa,
                    seed=seed,
                    q=q,
                    eta0=eta0,
                    d=d,
                    r=r,
                    iterations=T,
                    max_diff=float(g64.max()),
                    max_tol_ratio=float(ratio.max()),
                    first_unresolved=first,
                    final_eta=float(etas[-1]),
                    precision_decades=c["precision_decades"],
                    **precision_scaling(g64, g32, ratio, eta_t, c["precision_decades"]),
                )
            )
    return pd.DataFrame(rows)


def r3_float32_gaps(P: dict, PS: dict, kappa: float, runs: dict) -> dict:
    """A8-R3's float32 replays: the ``mf_aligned`` Muon-S1 runs of one kappa (``sweep.mf.symmetric_sweep``: the
    instances of ``instances.symmetric_mf``, ``StepRule("geometric", eta0, q)``, full d x r problem, T =
    ``iters.decouple`` steps) replayed in float32. ``runs``: ``{seed: (eta0, lam (r,), a (T+1, r))}`` from the
    run's own record (its eta_0, spectrum and float64 recursion). Returns ``{seed: g32 (T+1,)}``, the gap of the
    float32 iterate against that recursion; raises ValueError when a rebuilt instance's spectrum or starts differ
    from the run's (the replay would not be of the same run)."""
    seeds = list(runs)
    d, r = PS["mf"]["d"], PS["mf"]["r"]
    q = P["problems"]["mf_aligned"]["muon"]["q"]
    inst = instances.symmetric_mf(P, "mf_aligned", seeds, d, r, kappa)
    for x, s in zip(inst, seeds):
        _, lam, a = runs[s]
        if x.a0 is None or not (np.allclose(x.lam, lam, rtol=1e-12, atol=0) and np.allclose(x.a0, a[0], rtol=1e-12)):
            raise ValueError(f"the rebuilt mf_aligned instance of kappa {kappa:g}, seed {s} is not the run's")
    prob, p0 = mf_mod.stack_symmetric(inst)
    n, T = len(seeds), len(next(iter(runs.values()))[2]) - 1
    rule = StepRule("geometric", np.array([runs[s][0] for s in seeds], dtype=np.float64), np.full(n, q))
    with one_thread():  # float32's round-off is the quantity under test: not the thread count's
        sig32 = replay_symmetric_mf(prob, p0, rule, T, P["msgn_rel_cutoff"], np.float32)
    return {s: decoupling_gap(sig32[i], runs[s][2]) for i, s in enumerate(seeds)}


def lemma_job(smk) -> None:
    """Rule precond_lemma: Lemma L1 on the scalar recursion (A11, ``output.scalar``), on matrix iterates (A10,
    ``output.matrix``) and decoupling (A8, ``output.decoupling``), for ``params.precond`` at ``params.preset``."""
    torch.set_num_threads(smk.threads)
    P, PS = smk.params.precond, smk.params.preset
    scalar = lemma_scalar_sweep(P["lemma"])
    atomic_write_csv(scalar, smk.output.scalar)
    atomic_write_csv(lemma_matrix_sweep(P, PS), smk.output.matrix)
    atomic_write_csv(decoupling_mf(P, PS), smk.output.decoupling)
    print(scalar.to_string())


def montecarlo_job(smk) -> None:
    """Rule precond_montecarlo: closed-form ICL population loss against Monte Carlo (A14)."""
    df = icl_monte_carlo(smk.params.precond, smk.params.preset)
    atomic_write_csv(df, smk.output[0])
    print(df.to_string())

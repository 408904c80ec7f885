"""Checks of the theory that need no sweep (spec §5.1, §3.2; checks A10, A11, A14).

- ``lemma_scalar_sweep``: the MF mode recursion of §5.1 over many modes, sup of
  ``|e_t| / eta_t`` against Lemma L1's bound ``1/(1-q)`` (tightness and the need for q >= 1/2).
- ``lemma_matrix_sweep``: the same ratio measured on real matrix iterates (aligned MF, simplified
  Muon with exact msgn) over kappa x seeds x q.
- ``icl_monte_carlo``: closed-form population loss against a Monte-Carlo estimate.

The matrix checks use the replicate instances of ``muonrepro.precond.instances`` (jittered spectrum,
per-mode aligned starts): decoupling and Lemma L1 hold for every spectrum and start, and the scalar
recursion is fed each instance's own spectrum and starts. The scalar sweep and the Monte-Carlo check
keep their own fixed constructions (one grid of modes; one seeded Lam without jitter).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from muonrepro.precond import instances
from muonrepro.precond.optimizers import SimplifiedMuon
from muonrepro.precond.problems import icl as icl_mod
from muonrepro.precond.problems import mf as mf_mod
from muonrepro.precond.problems.spectra import basis, spectrum
from muonrepro.precond.runner import run
from muonrepro.precond.scalar import lemma_bound, mf_recursion
from muonrepro.precond.steps import StepRule, geometric_etas


def _n_steps(eta0: float, q: float, floor: float) -> int:
    """Number of steps with ``eta_0 q^t >= floor``."""
    return max(1, math.floor(math.log(floor / eta0) / math.log(q)) + 1)


def _aligned_mf_sigmas(P: dict, PS: dict, d: int, r: int, kappa: float, eta0: float, q: float, steps: int):
    """Exact-msgn Muon with geometric steps on aligned symmetric MF (the ``mf_aligned`` instances: jittered
    spectrum and per-mode start scales), one instance per seed: the stacked problem, the per-mode starts
    a_0 (seeds, r) and the singular values of U_t for t = 0 .. steps, shape (seeds, steps + 1, r)."""
    inst = instances.symmetric_mf(P, "mf_aligned", PS["seeds"], d, r, kappa, init="aligned")
    prob, p0 = mf_mod.stack_symmetric(inst)
    n = len(inst)
    opt = SimplifiedMuon(StepRule("geometric", np.full(n, eta0), np.full(n, q)), rel_cutoff=P["msgn_rel_cutoff"])
    res = run(prob, opt, p0, steps, record=lambda p: {"sigma": np.linalg.svd(p[0], compute_uv=False)})
    return prob, np.stack([x.a0 for x in inst]), res.records["sigma"]


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
    floor, tol = P["claims"]["a10"]["eta_floor"], P["claims"]["a10"]["tol"]
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
    ``t <= iters.decouple``, for every kappa and seed."""
    D = P["decoupling"]
    d, r = PS["decouple_mf"]["d"], PS["decouple_mf"]["r"]
    q, T = D["q"], PS["iters"]["decouple"]
    eta0 = D["budget"] * (1.0 - q)
    etas = geometric_etas(eta0, q, T)
    rows = []
    for kappa in PS["kappas"]:
        prob, a0, sigma = _aligned_mf_sigmas(P, PS, d, r, kappa, eta0, q, T)
        for i, seed in enumerate(PS["seeds"]):
            a = mf_recursion(a0[i], prob.lam[i], etas)
            diff = np.abs(sigma[i] + np.sort(-np.abs(a), axis=1))
            rows.append(
                dict(
                    kappa=kappa,
                    seed=seed,
                    q=q,
                    eta0=eta0,
                    d=d,
                    r=r,
                    iterations=T,
                    max_diff=float(diff.max()),
                    final_eta=float(etas[-1]),
                )
            )
    return pd.DataFrame(rows)

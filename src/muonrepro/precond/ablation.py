"""Ablations on symmetric MF (spec §6.2 R7, R8; checks A13, A15).

- ``step_ablation``: simplified Muon (exact msgn) with S0 (constant eta), S1 (geometric, several
  q with ``eta_0 = budget (1 - q)``), S2 (``eta ||grad||_op``) and S3 (``eta ||grad||_*``) on the
  main MF problem (small random init) at each ablation kappa (spec §4.3, R7; A13 uses S0).
- ``orthogonalizer_ablation``: exact msgn against NS5 (no momentum) and practical Muon (NS5 +
  momentum) under the same S1 schedule (spec §5.7, R8; A15).

Both return a tidy curve table and a summary with iterations to the ablation target; ``ablation_job`` (rule
precond_ablation) writes both ablations' tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from muonrepro.precond import instances
from muonrepro.precond.optimizers import SimplifiedMuon
from muonrepro.precond.problems import mf as mf_mod
from muonrepro.precond.runner import run
from muonrepro.precond.steps import StepRule
from muonrepro.util.io import atomic_write_csv, atomic_write_parquet


def _instances(P, PS, d, r, kappa):
    """The main MF problem's instances (small random init, jittered spectrum), one per seed."""
    return instances.symmetric_mf(P, "mf", PS["seeds"], d, r, kappa)


def _tidy(res, labels, eps, extra_cols):
    """labels: list of dicts (one per run) -> long curve table and a per-run summary."""
    T = res.errors.shape[1]
    curves, summary = [], []
    for b, lab in enumerate(labels):
        curves.append(pd.DataFrame({**lab, "iteration": np.arange(T), "error": res.errors[b]}))
        f = int(res.first[b, 0])
        err = res.errors[b]
        summary.append(
            {
                **lab,
                "epsilon": eps,
                "iterations": f if f >= 0 else res.budget,
                "reached": f >= 0,
                "min_error": float(np.nanmin(err)),
                "final_error": float(err[-1]),
                **extra_cols,
            }
        )
    return curves, summary


def step_ablation(P: dict, PS: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    A = P["ablation"]
    d, r = PS["mf"]["d"], PS["mf"]["r"]
    its = PS["iters"]
    eps = A["epsilon"]
    rules = [
        ("S0", "constant", [(e, None) for e in A["s0_eta"]], its["s0"]),
        ("S1", "geometric", [(A["s1_budget"] * (1 - q), q) for q in A["s1_q"]], its["steps"]),
        ("S2", "op", [(e, None) for e in A["s2_eta"]], its["steps"]),
        ("S3", "nuclear", [(e, None) for e in A["s3_eta"]], its["steps"]),
    ]
    curves, summary = [], []
    for kappa in PS["ablation_kappas"]:
        inst = _instances(P, PS, d, r, kappa)
        for name, kind, settings, budget in rules:
            prob, p0 = mf_mod.stack_symmetric([x for x in inst for _ in settings])
            prob, p0, _ = prob.reduce(p0)  # Muon with S0-S3 is rotation-equivariant: exact
            eta = np.tile([s[0] for s in settings], len(inst))
            q = np.tile([s[1] if s[1] is not None else np.nan for s in settings], len(inst))
            rule = StepRule(kind, eta, q if kind == "geometric" else None)
            res = run(prob, SimplifiedMuon(rule, rel_cutoff=P["msgn_rel_cutoff"]), p0, budget, [eps])
            labels = []
            for seed in PS["seeds"]:
                for e, qq in settings:
                    param = qq if kind == "geometric" else e
                    setting = f"q={qq:g}" if kind == "geometric" else f"eta={e:g}"
                    labels.append(
                        dict(rule=name, setting=setting, param=float(param), eta0=float(e), kappa=kappa, seed=seed)
                    )
            c_, s_ = _tidy(res, labels, eps, {})
            curves += c_
            summary += s_
    return pd.concat(curves, ignore_index=True), pd.DataFrame(summary)


def orthogonalizer_ablation(P: dict, PS: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    N5 = P["ablation"]["ns5"]
    d, r = PS["ns5"]["d"], PS["ns5"]["r"]
    variants = [("svd", "svd", 0.0), ("ns5", "ns5", 0.0), ("ns5_momentum", "ns5", N5["momentum"])]
    curves, summary = [], []
    for kappa in PS["ablation_kappas"]:
        inst = _instances(P, PS, d, r, kappa)
        n = len(inst)
        for name, orth, mom in variants:
            prob, p0 = mf_mod.stack_symmetric(inst)
            rule = StepRule("geometric", np.full(n, N5["eta0"]), np.full(n, N5["q"]))
            opt = SimplifiedMuon(
                rule, orth=orth, rel_cutoff=P["msgn_rel_cutoff"], momentum=mom, nesterov=N5["nesterov"]
            )
            res = run(prob, opt, p0, PS["iters"]["ns5"], [P["claims"]["A15"]["target"]])
            labels = [dict(orthogonalizer=name, kappa=kappa, seed=s) for s in PS["seeds"]]
            c_, s_ = _tidy(res, labels, P["claims"]["A15"]["target"], {})
            curves += c_
            summary += s_
    return pd.concat(curves, ignore_index=True), pd.DataFrame(summary)


def ablation_job(smk) -> None:
    """Rule precond_ablation: the step-rule (R7, A13: ``output.steps_curves``, ``output.steps``) and orthogonalizer
    (R8, A15: ``output.ns5_curves``, ``output.ns5``) ablations for ``params.precond`` at ``params.preset``."""
    torch.set_num_threads(smk.threads)
    P, PS, out = smk.params.precond, smk.params.preset, smk.output
    curves, summary = step_ablation(P, PS)
    atomic_write_parquet(curves, out.steps_curves)
    atomic_write_csv(summary, out.steps)
    curves, summary = orthogonalizer_ablation(P, PS)
    atomic_write_parquet(curves, out.ns5_curves)
    atomic_write_csv(summary, out.ns5)
    print(summary.to_string())

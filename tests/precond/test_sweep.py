"""Sweep numbers against independent computations written here: GD counts against direct loops, Muon-S1
counts on aligned instances against the scalar recursions, the replicate instances (jittered spectrum,
starts) against their definition, and the A8 / A13 inputs against direct loops. The rules' jobs write what the
functions return."""

import copy
from pathlib import Path
from types import SimpleNamespace as NS

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from snakemake.utils import validate

from muonrepro.precond import ablation, instances, theory
from muonrepro.precond.problems.spectra import spectrum
from muonrepro.precond.scalar import t_muon_mf
from muonrepro.precond.sweep import FAMILY, run_sweep

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ["problem", "method", "kappa", "seed", "epsilon", "iterations", "reached"]
SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def cfg():
    c = yaml.safe_load((ROOT / "config.yaml").read_text())
    validate(c, str(ROOT / "workflow/schemas/config.schema.yaml"))  # fills the schema defaults
    P = c["precond"]
    PS = copy.deepcopy(c["scales"]["small"]["precond"])
    PS.update(
        kappas=[10, 100],
        seeds=SEEDS,
        mf={"d": 8, "r": 3},
        mf_asym={"d1": 6, "d2": 5, "r": 3},
        icl={"d": 4, "N": 10},
        icl_mc={"d": 2, "N": 3, "prompts": 2000},
        ns5={"d": 6, "r": 2},
        decouple_mf={"d": 6, "r": 3},
        ablation_kappas=[10],
    )
    PS["iters"] = dict(muon=80, gd=20000, adam=100, adam_icl=100, icl_2f=60, decouple=20, s0=60, steps=40, ns5=30)
    return P, PS


def only(P, problem, methods):
    """``P`` with ``problem`` restricted to ``methods``."""
    P = copy.deepcopy(P)
    P["problems"][problem]["methods"] = list(methods)
    return P


def counts(out, method, kappa, eps):
    df = out.iterations
    df = df[(df.method == method) & (df.kappa == kappa) & np.isclose(df.epsilon, eps)].sort_values("seed")
    assert list(df.columns[:7]) == CONTRACT and list(df.seed) == SEEDS
    return df.iterations.tolist(), df.reached.tolist()


def first_below(errors, eps):
    idx = np.flatnonzero(np.asarray(errors) <= eps)
    return int(idx[0]) if len(idx) else None


# ------------------------------------------------------------------------------------------------
# replicate instances


@pytest.mark.parametrize("kappa", [10.0, 1e4])
def test_instances_keep_kappa_and_vary_the_interior_and_start(cfg, kappa):
    P, PS = cfg
    jit = P["spectrum_jitter"]
    assert 0 < jit < 0.5
    base = spectrum(P["spectrum"], 5, kappa)
    gap = np.log(base[0] / base[1])  # geometric: one log-gap
    inst = instances.symmetric_mf(P, "mf_aligned", SEEDS, 12, 5, kappa)
    for x in inst:
        assert x.lam[0] == 1.0 and x.lam[-1] == base[-1]  # the extremes, bit for bit
        assert x.lam[0] / x.lam[-1] == pytest.approx(kappa, rel=1e-15)
        assert np.all(np.diff(x.lam) < 0)
        assert np.all(np.abs(np.log(x.lam / base)) <= jit * gap * (1 + 1e-12))  # inside the jitter band
        a0, c = x.a0, P["problems"]["mf_aligned"]
        assert np.all(np.abs(np.log(a0 / c["init_scale"])) <= c["init_jitter"] + 1e-12)
        R = (x.V.T @ x.U0) / a0[:, None]  # U_0 = V* diag(a_0) R with R orthogonal
        np.testing.assert_allclose(R @ R.T, np.eye(5), atol=1e-12)
        np.testing.assert_allclose(x.V @ (x.V.T @ x.U0), x.U0, atol=1e-18)
    lam = np.stack([x.lam for x in inst])
    assert len({tuple(r) for r in lam[:, 1:-1]}) == len(SEEDS)  # interiors differ across seeds
    assert len({tuple(x.a0) for x in inst}) == len(SEEDS)  # so do the starts


def test_a_seed_moves_its_interior_by_the_same_fraction_at_every_kappa(cfg):
    P, _ = cfg
    frac = []
    for kappa in (10.0, 1e3):
        base = spectrum("geometric", 20, kappa)
        (Q, lam) = instances.icl(P, "icl", [1], 20, kappa)[0]
        frac.append(np.log(lam / base) / np.log(base[0] / base[1]))
        np.testing.assert_allclose(Q.T @ Q, np.eye(20), atol=1e-14)
    np.testing.assert_allclose(frac[0], frac[1], atol=1e-12)
    assert frac[0][0] == frac[0][-1] == 0.0


def test_random_mf_starts_differ_across_seeds(cfg):
    P, _ = cfg
    inst = instances.symmetric_mf(P, "mf", SEEDS, 8, 3, 100.0)
    assert all(x.a0 is None for x in inst)
    assert not np.allclose(inst[0].U0, inst[1].U0)
    asym = instances.asymmetric_mf(P, "mf_asym", SEEDS, 6, 5, 3, 100.0)
    assert len({tuple(x[2]) for x in asym}) == len(SEEDS)  # jittered spectra


# ------------------------------------------------------------------------------------------------
# counts against direct computations


def test_gd_count_on_mf_equals_a_direct_loop(cfg):
    """The sweep's GD (reduced basis, best step of the grid) against dense GD on U U^T - M* written here."""
    P, PS = cfg
    P = only(P, "mf", ["gd"])
    eps, kappa = P["problems"]["mf"]["epsilon"][0], 10
    got, reached = counts(run_sweep("mf", P, PS), "gd", kappa, eps)
    for seed, n in zip(SEEDS, got):
        x = instances.symmetric_mf(P, "mf", [seed], 8, 3, kappa)[0]
        M = x.V @ np.diag(x.lam) @ x.V.T
        best = None
        for c in P["problems"]["mf"]["gd_steps"]:
            U, eta = x.U0.copy(), c / x.lam[0]
            for t in range(1, 5000):
                U = U - eta * (U @ U.T - M) @ U
                if np.linalg.norm(U @ U.T - M) / np.linalg.norm(M) <= eps:
                    best = t if best is None else min(best, t)
                    break
        assert n == best
    assert all(reached)


def test_muon_count_on_aligned_mf_equals_the_scalar_recursion(cfg):
    """U_t = V* diag(a_t) R with a <- a - eta_t sign((a^2 - lam) a) (spec §5.2): the relative error is
    ||a_t^2 - lam|| / ||lam||; its first crossing is the sweep's count, for each seed's own spectrum and
    starts."""
    P, PS = cfg
    P = only(P, "mf_aligned", ["muon_s1"])
    eps, m = P["problems"]["mf_aligned"]["epsilon"][0], P["problems"]["mf_aligned"]["muon"]
    out = run_sweep("mf_aligned", P, PS)
    for kappa in PS["kappas"]:
        got, _ = counts(out, "muon_s1", kappa, eps)
        for seed, n in zip(SEEDS, got):
            x = instances.symmetric_mf(P, "mf_aligned", [seed], 8, 3, kappa)[0]
            a, err = x.a0.copy(), [np.linalg.norm(x.a0**2 - x.lam) / np.linalg.norm(x.lam)]
            for t in range(PS["iters"]["muon"]):
                a = a - m["eta0"] * m["q"] ** t * np.sign((a * a - x.lam) * a)
                err.append(np.linalg.norm(a * a - x.lam) / np.linalg.norm(x.lam))
            assert n == first_below(err, eps)


def _icl_constants(x, N):
    Q, lam = x
    gam = (1 + 1 / N) * lam + lam.sum() / N
    return Q, lam, gam


def test_gd_count_on_icl_equals_a_direct_loop(cfg):
    """The sweep's closed-form GD count against GD on B run here: B <- B - eta Lam (B Gam - I) Lam from
    B_0 = 0, normalized gap from the population loss written out (looser target 1e-6, best step)."""
    P, PS = cfg
    P = only(P, "icl", ["gd"])
    N, d, kappa, eps = PS["icl"]["N"], PS["icl"]["d"], 10, 1e-6
    got, _ = counts(run_sweep("icl", P, PS), "gd", kappa, eps)
    for seed, n in zip(SEEDS, got):
        Q, lam, gam = _icl_constants(instances.icl(P, "icl", [seed], d, kappa)[0], N)
        Lam, Gam = Q @ np.diag(lam) @ Q.T, Q @ np.diag(gam) @ Q.T

        def loss(B, Lam=Lam, Gam=Gam):
            return 0.5 * (np.trace(B.T @ Lam @ B @ Lam @ Gam) - 2 * np.trace(Lam @ B @ Lam) + np.trace(Lam))

        L_star = 0.5 * (lam.sum() - (lam**2 / gam).sum())
        h = lam**2 * gam
        best = None
        for c in P["problems"]["icl"]["gd_steps"]:
            eta = 2 / (h.max() + h.min()) if c == "optimal" else c / h.max()
            B = np.zeros((d, d))
            for t in range(1, 20000):
                B = B - eta * Lam @ (B @ Gam - np.eye(d)) @ Lam
                if (loss(B) - L_star) / (loss(np.zeros((d, d))) - L_star) <= eps:
                    best = t if best is None else min(best, t)
                    break
        assert n == best


def test_muon_count_on_icl_equals_the_scalar_recursion(cfg):
    """From B_0 = 0, Q^T B_t Q = diag(b_t) with b <- b - eta_t sign(gam b - 1) (spec §5.4): normalized gap
    sum lam^2 gam (b - 1/gam)^2 / sum lam^2 / gam, at both targets."""
    P, PS = cfg
    P = only(P, "icl", ["muon_s1"])
    N, d, m = PS["icl"]["N"], PS["icl"]["d"], P["problems"]["icl"]["muon"]
    out = run_sweep("icl", P, PS)
    for kappa in PS["kappas"]:
        for eps in P["problems"]["icl"]["epsilon"]:
            got, _ = counts(out, "muon_s1", kappa, eps)
            for seed, n in zip(SEEDS, got):
                _, lam, gam = _icl_constants(instances.icl(P, "icl", [seed], d, kappa)[0], N)
                eta0, b, gaps = m["eta0"] / gam.min(), np.zeros(d), [1.0]
                for t in range(PS["iters"]["muon"]):
                    b = b - eta0 * m["q"] ** t * np.sign(gam * b - 1)
                    gaps.append((lam**2 * gam * (b - 1 / gam) ** 2).sum() / (lam**2 / gam).sum())
                assert n == first_below(gaps, eps)


def test_info_and_curves_use_each_seeds_spectrum_and_starts(cfg):
    """The predicted count (spec §5.2) and the scalar-recursion column of the curves are computed from the
    seed's own spectrum and starts: with another seed's, the early scalar_diff would be ~ the jitter."""
    P, PS = cfg
    m = P["problems"]["mf_aligned"]["muon"]
    out = run_sweep("mf_aligned", only(P, "mf_aligned", ["muon_s1"]), PS)
    for r in out.info.itertuples():
        x = instances.symmetric_mf(P, "mf_aligned", [r.seed], 8, 3, r.kappa)[0]
        np.testing.assert_array_equal([r.lam_1, r.lam_2, r.lam_3], x.lam)
        assert r.lam_min == x.lam[-1]
        assert r.muon_bound == t_muon_mf(x.lam, m["eta0"], m["q"], r.epsilon)
        early = out.curves[("muon_s1", r.kappa, r.seed)].query("iteration <= 10")
        assert early.scalar_diff.max() < 1e-12


def test_sweep_is_deterministic(cfg):
    P, PS = cfg
    P = only(P, "mf", ["muon_s1", "adam"])
    a, b = run_sweep("mf", P, PS), run_sweep("mf", P, PS)
    assert a.iterations.equals(b.iterations)
    np.testing.assert_array_equal(a.curves[("adam", 10, 1)].error, b.curves[("adam", 10, 1)].error)


def test_config_problems_are_known(cfg):
    P, _ = cfg
    assert set(P["problems"]) == set(FAMILY)


# ------------------------------------------------------------------------------------------------
# inputs of A8 and A13 against direct loops


def _msgn(G):
    u, s, vt = np.linalg.svd(G, full_matrices=False)
    k = s > 1e-12 * s[0]
    return u[:, k] @ vt[k]


def test_decoupling_table_equals_a_direct_muon_loop(cfg):
    """A8's max_diff: dense Muon with its own msgn (written here) on each seed's aligned instance, sorted
    singular values against the recursion a <- a - eta_t sign((a^2 - lam) a) from the seed's starts."""
    P, PS = cfg
    D = P["decoupling"]
    q, eta0, T = D["q"], D["budget"] * (1 - D["q"]), PS["iters"]["decouple"]
    d, r = PS["decouple_mf"]["d"], PS["decouple_mf"]["r"]
    table = theory.decoupling_mf(P, PS)
    for row in table.itertuples():
        x = instances.symmetric_mf(P, "mf_aligned", [row.seed], d, r, row.kappa, init="aligned")[0]
        M = x.V @ np.diag(x.lam) @ x.V.T
        U, a, diff = x.U0.copy(), x.a0.copy(), [0.0]
        for t in range(T):
            eta = eta0 * q**t
            U = U - eta * _msgn((U @ U.T - M) @ U)
            a = a - eta * np.sign((a * a - x.lam) * a)
            diff.append(np.abs(np.linalg.svd(U, compute_uv=False) - np.sort(np.abs(a))[::-1]).max())
        assert row.max_diff == pytest.approx(max(diff), abs=1e-12)  # a wrong start or spectrum: >> 1e-12


def test_constant_step_minimum_equals_a_direct_loop(cfg):
    """A13's input: the S0 runs' smallest error (run in the reduced basis) against dense constant-step Muon
    written here on the main MF instance of each seed."""
    P, PS = cfg
    _, summary = ablation.step_ablation(P, PS)
    s0 = summary[summary.rule == "S0"]
    assert len(s0) == len(P["ablation"]["s0_eta"]) * len(SEEDS) * len(PS["ablation_kappas"])
    for row in s0.itertuples():
        x = instances.symmetric_mf(P, "mf", [row.seed], PS["mf"]["d"], PS["mf"]["r"], row.kappa)[0]
        M = x.V @ np.diag(x.lam) @ x.V.T
        U, errs = x.U0.copy(), []
        for _ in range(PS["iters"]["s0"]):
            U = U - row.eta0 * _msgn((U @ U.T - M) @ U)
            errs.append(np.linalg.norm(U @ U.T - M) / np.linalg.norm(M))
        assert row.min_error == pytest.approx(min(errs), rel=1e-4)  # reduced vs dense: rounding only


def test_adam_extends_its_lr_grid_past_an_edge_choice_as_a_sweep_of_the_whole_grid_would(cfg):
    """From [3e-3, 1e-2] Adam's best lr is the largest: the grid grows x(10/3) a step until the choice is interior;
    every row then equals (iterations, reached, setting) those of an unextended sweep over the grid it ended with."""
    P, PS = cfg
    P = only(P, "mf", ["adam"])
    PS = {**PS, "kappas": [10], "iters": {**PS["iters"], "adam": 400}}
    P["adam"] = {**P["adam"], "lr_grid": [3e-3, 1e-2], "decay_grid": [1.0, 0.99]}
    P["lr_selection"] = {"max_extensions": 3}
    ext = run_sweep("mf", P, PS).iterations
    (grid_text,) = set(ext.lr_grid)
    grid = [float(x) for x in grid_text.split("; ")]
    assert len(grid) > 2 and grid[:2] == [3e-3, 1e-2] and np.allclose(np.diff(np.log(grid)), np.log(10 / 3))
    assert (ext.lr_edge == "interior").all() and (ext.setting.str.split(",").str[0] != f"lr0={grid[-1]:g}").all()
    P["adam"]["lr_grid"], P["lr_selection"] = grid, {"max_extensions": 0}
    whole = run_sweep("mf", P, PS).iterations
    cols = ["seed", "epsilon", "iterations", "reached", "setting"]
    assert ext[cols].reset_index(drop=True).equals(whole[cols].reset_index(drop=True))
    assert whole.lr_edge.str.startswith("interior").all()


def test_gd_extends_its_step_grid_past_an_edge_choice_as_a_sweep_of_the_whole_grid_would(cfg):
    P, PS = cfg
    P = only(P, "mf", ["gd"])
    PS = {**PS, "kappas": [10]}
    P["problems"]["mf"]["gd_steps"] = [0.2, 0.4]
    P["lr_selection"] = {"max_extensions": 3}
    ext = run_sweep("mf", P, PS).iterations
    grid = [float(x) for x in ext.lr_grid.iloc[0].split("; ")]
    assert len(grid) > 2 and np.allclose(np.diff(np.log(grid)), np.log(2))
    P["problems"]["mf"]["gd_steps"], P["lr_selection"] = grid, {"max_extensions": 0}
    whole = run_sweep("mf", P, PS).iterations
    cols = ["seed", "epsilon", "iterations", "reached", "setting", "lr_grid"]
    assert ext[cols].reset_index(drop=True).equals(whole[cols].reset_index(drop=True))
    assert list(ext.lr_edge) == list(whole.lr_edge.str.replace("(0 extension", "(3 extension", regex=False))


# ------------------------------------------------------------------------------------------------
# the rules' jobs (``smk``: a namespace in place of the snakemake object)


def _params(cfg) -> NS:
    return NS(precond=cfg[0], preset=cfg[1])


def test_sweep_job_writes_the_sweeps_tables(cfg, tmp_path):
    from muonrepro.precond.layout import curves_table
    from muonrepro.precond.sweep import sweep_job

    out = NS(curves=tmp_path / "c.parquet", iterations=tmp_path / "i.csv", info=tmp_path / "n.csv")
    sweep_job(NS(params=_params(cfg), wildcards=NS(problem="mf"), output=out, threads=torch.get_num_threads()))
    want = run_sweep("mf", *cfg)
    assert out.iterations.read_text() == want.iterations.to_csv(index=False)
    assert out.info.read_text() == want.info.to_csv(index=False)
    pd.testing.assert_frame_equal(pd.read_parquet(out.curves), curves_table("mf", want.curves))


def test_iterations_job_puts_the_contract_columns_first(tmp_path):
    from muonrepro.precond.layout import ITERATION_COLUMNS, iterations_job

    rows = {c: [1] for c in reversed(ITERATION_COLUMNS)}
    its = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for p in its:
        pd.DataFrame({"setting": ["x"], **rows}).to_csv(p, index=False)
    info = [tmp_path / "ia.csv", tmp_path / "ib.csv"]
    for p in info:
        pd.DataFrame({"kappa": [10]}).to_csv(p, index=False)
    out = NS(iterations=tmp_path / "its.csv", info=tmp_path / "info.csv")
    iterations_job(NS(input=NS(iterations=its, info=info), output=out))
    assert list(pd.read_csv(out.iterations).columns) == ITERATION_COLUMNS + ["setting"]
    assert len(pd.read_csv(out.iterations)) == 2 and len(pd.read_csv(out.info)) == 2


def test_ablation_job_writes_both_ablations(cfg, tmp_path):
    out = NS(**{k: tmp_path / f"{k}.{ext}" for k, ext in (("steps_curves", "parquet"), ("steps", "csv"))})
    out.ns5_curves, out.ns5 = tmp_path / "ns5_curves.parquet", tmp_path / "ns5.csv"
    ablation.ablation_job(NS(params=_params(cfg), output=out, threads=torch.get_num_threads()))
    assert out.steps.read_text() == ablation.step_ablation(*cfg)[1].to_csv(index=False)
    assert out.ns5.read_text() == ablation.orthogonalizer_ablation(*cfg)[1].to_csv(index=False)
    assert len(pd.read_parquet(out.steps_curves)) and len(pd.read_parquet(out.ns5_curves))


def test_lemma_and_montecarlo_jobs_write_the_theory_tables(cfg, tmp_path):
    P, PS = cfg
    out = NS(scalar=tmp_path / "s.csv", matrix=tmp_path / "m.csv", decoupling=tmp_path / "d.csv")
    theory.lemma_job(NS(params=_params(cfg), output=out, threads=torch.get_num_threads()))
    assert out.scalar.read_text() == theory.lemma_scalar_sweep(P["lemma"]).to_csv(index=False)
    assert out.matrix.read_text() == theory.lemma_matrix_sweep(P, PS).to_csv(index=False)
    assert out.decoupling.read_text() == theory.decoupling_mf(P, PS).to_csv(index=False)
    theory.montecarlo_job(NS(params=_params(cfg), output=[tmp_path / "mc.csv"]))
    assert (tmp_path / "mc.csv").read_text() == theory.icl_monte_carlo(P, PS).to_csv(index=False)

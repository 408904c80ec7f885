"""All theory checks of the imbalanced paper in one run (spec §2; claims 1-10), float64.

``run_theory(cfg, sizes)`` takes the ``imbalanced.theory`` config slice (method) and the
``scales.<scale>.imbalanced.theory`` slice (counts) and returns

- ``checks``: rows ``check, value, reference, tolerance, passed`` (theory_checks.csv), a
  :class:`~muonrepro.ledger.CheckTable` with absolute tolerances. A check id reads
  ``C<claim>:<name>:<relation>``; the relation (``abs``, ``le``, ``ge``, ``gt``, ``info``) says how
  ``passed`` is decided (``muonrepro.ledger.check_table``); ``info`` rows only report a number
  (always passed; not part of any verdict).
- ``depth``: ``L, snr, p_min, p_max, measured_ratio, formula_ratio`` (depth.csv), both ratios
  t_M / t_m - 1 (Delta T); measured from interpolated saturation times.
- ``trajectories``: Fig. 2 components, tidy ``experiment, optimizer, seed, step, metric, group, value``.
- ``paths``: continuous-time curves (loss gaps, DM accuracies, deep-linear components).
- ``sweep``: one row per random case of the Theorem 1/2 sweeps.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from muonrepro.imbalanced.theory.data_model import DTYPE, harmonic_priors, lemma_errors, make_data_model
from muonrepro.imbalanced.theory.deep_linear import (
    delta_t_formula,
    predicted_saturation,
    run_deep_specgd,
    saturation_times,
)
from muonrepro.imbalanced.theory.dynamics import (
    distance_to_gf_path,
    empirical_moments,
    gd_closed_form,
    muon_relative_deviation,
    run_population,
    specgd_closed_form,
)
from muonrepro.imbalanced.theory.early_stopping import accuracy_paths, best_stopping
from muonrepro.imbalanced.theory.theorems import gap_ratios, make_cases, sample_inside, sample_outside, sweep_table
from muonrepro.ledger import CheckTable
from muonrepro.util.io import atomic_write_csv, atomic_write_json, atomic_write_parquet
from muonrepro.util.meta import run_metadata


def add_check(
    ct: CheckTable, claim: int, name: str, relation: str, value: float, reference: float, tolerance: float = 0.0
) -> None:
    """One row with the id ``C<claim>:<name>:<relation>``."""
    ct.add(f"C{claim}:{name}:{relation}", relation, value, reference, tolerance)


def _dm(cfg, d=None, axis_aligned=False, seed_offset=0):
    return make_data_model(
        cfg["priors"], cfg["mu"], cfg["sigma_x"], d or cfg["d"], cfg["seed"] + seed_offset, axis_aligned
    )


def population_checks(cfg: dict, ct: CheckTable) -> None:
    """Claims 1-4, 9 (``muon_checks``), 10 on the configured DM (random orthonormal means in R^d)."""
    eta, eta_gd = cfg["eta"], cfg["gd_eta"]
    dm = _dm(cfg)
    for name, err in lemma_errors(dm).items():
        add_check(ct, 1, f"lemma_{name}", "abs", err, 0.0, 1e-10)
    # k = 20, p ~ 1/c in d = 40 as a second Lemma case
    dm20 = make_data_model(harmonic_priors(20), cfg["mu"], cfg["sigma_x"], 40, cfg["seed"] + 1)
    for name, err in lemma_errors(dm20).items():
        add_check(ct, 1, f"lemma_k20_{name}", "abs", err, 0.0, 1e-10)

    steps = int(math.ceil(cfg["horizon"] * dm.r.max() / eta))
    spec = run_population(dm, "specgd", eta, steps)
    add_check(
        ct,
        2,
        "prop1_max_abs(alpha-min(eta*t,r))",
        "le",
        np.abs(spec.alpha - specgd_closed_form(dm, eta, steps)).max(),
        0.0,
        eta,
    )
    add_check(ct, 2, "prop1_max_offdiag", "le", spec.offdiag.max(), 0.0, 1e-10)
    add_check(ct, 2, "prop1_max_Vperp_norm", "le", spec.perp.max(), 0.0, 1e-10)

    gd_steps = int(math.ceil(cfg["gd_efolds"] / (eta_gd * dm.s_xx.min())))
    gd = run_population(dm, "gd", eta_gd, gd_steps)
    add_check(
        ct,
        3,
        "gd_max_abs(alpha-closed_form)",
        "le",
        np.abs(gd.alpha - gd_closed_form(dm, eta_gd, gd_steps)).max(),
        0.0,
        1e-10,
    )
    add_check(ct, 3, "gd_max_offdiag", "le", gd.offdiag.max(), 0.0, 1e-10)

    ngd = run_population(dm, "ngd", eta, steps)
    add_check(
        ct,
        4,
        "ngd_max_distance_to_gf_path/eta",
        "le",
        distance_to_gf_path(ngd.alpha, dm).max() / eta,
        0.0,
        cfg["ngd_tol_eta"],
    )
    add_check(ct, 4, "ngd_max_offdiag", "le", ngd.offdiag.max(), 0.0, 1e-10)

    muon_checks(cfg, ct)

    sign = run_population(dm, "signgd", eta, steps)
    t_m = int(dm.r.min() / eta)
    add_check(
        ct,
        10,
        "signgd_vs_specgd_random_means_max_dev/eta",
        "gt",
        np.abs(sign.alpha[:t_m] - spec.alpha[:t_m]).max() / eta,
        10.0,
    )
    dma = _dm(cfg, axis_aligned=True)
    sign_a, spec_a = run_population(dma, "signgd", eta, steps), run_population(dma, "specgd", eta, steps)
    add_check(ct, 10, "signgd_vs_specgd_axis_aligned_max_abs(W)", "le", np.abs(sign_a.W - spec_a.W).max(), 0.0, 1e-12)


def muon_checks(cfg: dict, ct: CheckTable) -> None:
    """Claim 9 (App. C: Muon with beta = 0.9 follows SpecGD), judged over the whole run (saturation included),
    as max_t,c |alpha^Muon_c - alpha^SpecGD_c| / r_c <= ``muon_rel_tol``, in two settings: the population DM
    from zero init, and App. C's finite samples (``appendix_c.n`` of the DM) from a random init. Before
    saturation, from zero init, the momentum buffer keeps the gradient's diagonal sign pattern, so
    polar(M_t) = polar(G_t) exactly there: that deviation is reported as info only (it cannot fail)."""
    dm, eta, beta, method = _dm(cfg), cfg["eta"], cfg["muon_beta"], cfg["muon_method"]
    steps = int(math.ceil(cfg["horizon"] * dm.r.max() / eta))
    tol = cfg["muon_rel_tol"]
    dev = muon_relative_deviation(dm, eta, steps, beta, method)
    add_check(ct, 9, "population_whole_run_max|dalpha|/r", "le", dev.max(), 0.0, tol)
    ac = cfg["appendix_c"]
    gen = torch.Generator().manual_seed(cfg["seed"] + 3)
    x, y = dm.sample(ac["n"], gen)
    W0 = ac["init_std"] * torch.randn(dm.k, dm.d, generator=gen, dtype=DTYPE)
    dev_fs = muon_relative_deviation(dm, eta, steps, beta, method, W0, empirical_moments(x, y, dm.k))
    add_check(ct, 9, "finite_sample_random_init_whole_run_max|dalpha|/r", "le", dev_fs.max(), 0.0, tol)
    before = np.arange(steps + 1)[:, None] < dm.r[None, :] / eta  # before each component's saturation
    abs_dev = dev * dm.r
    add_check(
        ct,
        9,
        "population_before_saturation_max|dalpha|/eta(zero by construction)",
        "info",
        abs_dev[before].max() / eta,
        0.0,
    )
    add_check(ct, 9, "population_whole_run_max|dalpha|/eta", "info", abs_dev.max() / eta, 0.0)


def fig2_trajectories(cfg: dict) -> pd.DataFrame:
    """Fig. 2: d = k = 3 (random rotation), every rule; GD with its own step size and step count."""
    dm = _dm(cfg, d=len(cfg["priors"]), seed_offset=2)
    eta = cfg["eta"]
    steps = int(math.ceil(cfg["horizon"] * dm.r.max() / eta))
    gd_steps = int(math.ceil(cfg["gd_efolds"] / (cfg["gd_eta"] * dm.s_xx.min())))
    frames = []
    for rule in ("gd", "ngd", "signgd", "specgd", "muon"):
        tr = run_population(
            dm,
            rule,
            cfg["gd_eta"] if rule == "gd" else eta,
            gd_steps if rule == "gd" else steps,
            beta=cfg["muon_beta"],
            muon_method=cfg["muon_method"],
        )
        T, k = tr.alpha.shape
        frames.append(
            pd.DataFrame(
                {
                    "experiment": "fig2",
                    "optimizer": rule,
                    "seed": cfg["seed"],
                    "step": np.repeat(np.arange(T), k),
                    "metric": "alpha",
                    "group": np.tile([f"c{c + 1}" for c in range(k)], T),
                    "value": tr.alpha.reshape(-1),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def theorem_checks(cfg: dict, sizes: dict, ct: CheckTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Claims 5, 6: random sweeps inside and outside the stated conditions, plus gap curves."""
    sw, out = cfg["sweep"], cfg["outside"]
    rng = np.random.default_rng(cfg["seed"])
    inside = sample_inside(sizes["sweep_cases"], rng, sw["mu"], sw["sigma_x"], sw["k_max"])
    outside = sample_outside(sizes["outside_cases"], rng, out["mu"], out["sigma_x"], out["k"])
    n_t, sub = sizes["t_grid"], sizes["ngf_substeps"]
    g_in, g_out = gap_ratios(inside, n_t, "gf"), gap_ratios(outside, n_t, "gf")
    n_ngf = min(sizes["ngf_cases"], sizes["sweep_cases"])
    ngf_in = gap_ratios(inside.subset(np.arange(n_ngf)), n_t, "ngf", sub)
    n_ngf_out = min(sizes["ngf_cases"], sizes["outside_cases"])
    ngf_out = gap_ratios(outside.subset(np.arange(n_ngf_out)), n_t, "ngf", sub)

    add_check(ct, 5, "conditions_hold_in_inside_sweep(fraction)", "abs", inside.conditions().mean(), 1.0, 0.0)
    add_check(ct, 5, "thm1_minority_min_gap/(mu*t)", "ge", g_in["min_minority"].min(), 0.25)
    add_check(ct, 5, "thm1_balanced_min_gap/(mu*t)", "ge", g_in["min_balanced"].min(), 0.5)
    viol1 = np.mean((g_out["min_minority"] < 0.25) | (g_out["min_balanced"] < 0.5))
    add_check(ct, 5, "thm1_outside_fraction_violating", "gt", viol1, 0.0)
    add_check(ct, 6, "thm2_minority_min_gap/(mu*t)", "ge", ngf_in["min_minority"].min(), 0.5)
    add_check(ct, 6, "thm2_balanced_min_gap/(mu*t)(constant unknown)", "info", ngf_in["min_balanced"].min(), 0.0)
    add_check(ct, 6, "thm2_outside_fraction_violating", "gt", np.mean(ngf_out["min_minority"] < 0.5), 0.0)

    hc = cfg["hand_case"]
    hand = make_cases([hc["mu"]], [hc["sigma_x"]], [hc["priors"]])
    g_hand, n_hand = gap_ratios(hand, n_t, "gf"), gap_ratios(hand, n_t, "ngf", sub)
    add_check(ct, 5, "thm1_hand_case_outside_minority_min_gap/(mu*t)", "info", g_hand["min_minority"][0], 0.25)
    add_check(ct, 5, "thm1_hand_case_outside_balanced_min_gap/(mu*t)", "info", g_hand["min_balanced"][0], 0.5)

    sweep = pd.concat(
        [sweep_table(inside, g_in, ngf_in, True), sweep_table(outside, g_out, ngf_out, False)], ignore_index=True
    )
    rows = []
    shown = [("inside", i, g_in, ngf_in) for i in range(min(3, n_ngf))] + [("hand_case", 0, g_hand, n_hand)]
    for label, i, g, n in shown:
        for flow, res in (("gf", g), ("ngf", n)):
            for metric in ("minority", "balanced"):
                rows.append(
                    pd.DataFrame(
                        {
                            "experiment": "loss_gap",
                            "case": f"{label}{i}",
                            "flow": flow,
                            "t": res["t"][i],
                            "metric": metric,
                            "value": res[metric][i],
                        }
                    )
                )
    return sweep, pd.concat(rows, ignore_index=True)


def depth_checks(cfg: dict, ct: CheckTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Claim 7: per-layer SpecGD for each depth and SNR; saturation steps and Delta T."""
    dc, eta = cfg["depth"], cfg["eta"]
    rows, paths = [], []
    for snr in dc["snr"]:
        sigma = cfg["mu"] / math.sqrt(snr)
        dm = make_data_model(cfg["priors"], cfg["mu"], sigma, cfg["d"], cfg["seed"])
        m, M = int(np.argmin(dm.priors)), int(np.argmax(dm.priors))
        for L in dc["depths"]:
            steps = int(math.ceil(1.1 * dm.r.max() ** (1 / L) / eta)) + 5
            alpha = run_deep_specgd(dm, L, dc["hidden"], dc["eps"], eta, steps)
            first, cont = saturation_times(alpha, dm.r, L)
            pred = predicted_saturation(dm.r, L, dc["eps"], eta)
            add_check(
                ct,
                7,
                f"L{L}_snr{snr:g}_max_abs(saturation_step-predicted)",
                "le",
                np.nanmax(np.abs(first - pred)),
                0.0,
                2.0,
            )
            meas, form = cont[M] / cont[m] - 1, delta_t_formula(dm.snr, dm.priors[m], dm.priors[M], L)
            add_check(ct, 7, f"L{L}_snr{snr:g}_rel_err(DeltaT)", "le", abs(meas - form) / form, 0.0, 0.01)
            rows.append((L, dm.snr, dm.priors[m], dm.priors[M], meas, form))
            T, k = alpha.shape
            paths.append(
                pd.DataFrame(
                    {
                        "experiment": "deep_linear",
                        "case": f"L{L}_snr{snr:g}",
                        "flow": "specgd",
                        "t": np.repeat(np.arange(T), k).astype(float),
                        "metric": np.tile([f"alpha_c{c + 1}" for c in range(k)], T),
                        "value": alpha.reshape(-1),
                    }
                )
            )
    depth = pd.DataFrame(rows, columns=["L", "snr", "p_min", "p_max", "measured_ratio", "formula_ratio"])
    return depth, pd.concat(paths, ignore_index=True)


def accuracy_checks(cfg: dict, sizes: dict, ct: CheckTable) -> pd.DataFrame:
    """Claim 8: best stopping point of SpecGF vs GF, balanced and worst-class accuracy (k = 20, p ~ 1/c)."""
    ac = cfg["accuracy"]
    p = harmonic_priors(ac["k"])
    t = np.geomspace(ac["t_range"][0], ac["t_range"][1], sizes["accuracy_t_points"])
    paths = pd.concat([accuracy_paths(p, ac["mu"], s, t) for s in ac["sigma_x"]], ignore_index=True)
    best = best_stopping(paths).set_index(["sigma_x", "flow", "metric"])["value"]
    for s in ac["sigma_x"]:
        for metric in ("balanced", "worst_class"):
            add_check(
                ct,
                8,
                f"sigma{s:g}_{metric}_best_specgf-best_gf",
                "gt",
                best[(s, "specgf", metric)] - best[(s, "gf", metric)],
                0.0,
            )
    return pd.DataFrame(
        {
            "experiment": "dm_accuracy",
            "case": "sigma" + paths["sigma_x"].map("{:g}".format),
            "flow": paths["flow"],
            "t": paths["t"],
            "metric": paths["metric"],
            "value": paths["value"],
        }
    )


def run_theory(cfg: dict, sizes: dict) -> dict[str, pd.DataFrame]:
    ct = CheckTable()
    population_checks(cfg, ct)
    trajectories = fig2_trajectories(cfg)
    sweep, gap_paths = theorem_checks(cfg, sizes, ct)
    depth, deep_paths = depth_checks(cfg, ct)
    acc_paths = accuracy_checks(cfg, sizes, ct)
    return {
        "checks": ct.frame(),
        "depth": depth,
        "trajectories": trajectories,
        "paths": pd.concat([gap_paths, deep_paths, acc_paths], ignore_index=True),
        "sweep": sweep,
    }


def theory_job(smk) -> None:
    """Rule imbalanced_theory: every theory check (claims 1-10, float64) of ``params.cfg`` at ``params.sizes``.
    Outputs: checks, depth, trajectories, paths, sweep, meta."""
    torch.set_num_threads(smk.threads)
    cfg, sizes, out = smk.params.cfg, smk.params.sizes, smk.output
    res = run_theory(cfg, sizes)
    atomic_write_csv(res["checks"], out.checks)
    atomic_write_csv(res["depth"], out.depth)
    for key in ("trajectories", "paths", "sweep"):
        atomic_write_parquet(res[key], getattr(out, key))
    atomic_write_json(run_metadata({"theory": cfg, "sizes": sizes}, cfg["seed"], "cpu"), out.meta)

"""Smoke tests of the sweeps, ablations and theory tables on tiny sizes: structure, not claims."""

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from snakemake.utils import validate

from muonrepro.precond import ablation, theory
from muonrepro.precond.sweep import FAMILY, run_sweep

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ["problem", "method", "kappa", "seed", "epsilon", "iterations", "reached"]


@pytest.fixture(scope="module")
def cfg():
    c = yaml.safe_load((ROOT / "config.yaml").read_text())
    validate(copy.deepcopy(c), str(ROOT / "workflow/schemas/config.schema.yaml"))
    P = c["precond"]
    PS = copy.deepcopy(c["scales"]["small"]["precond"])
    PS.update(
        kappas=[1, 10],
        seeds=[0, 1],
        mf={"d": 8, "r": 2},
        mf_asym={"d1": 6, "d2": 5, "r": 2},
        icl={"d": 4, "N": 10},
        icl_mc={"d": 2, "N": 3, "prompts": 2000},
        ns5={"d": 6, "r": 2},
        decouple_mf={"d": 6, "r": 2},
        ablation_kappas=[10],
    )
    PS["iters"] = dict(muon=40, gd=300, adam=200, adam_icl=200, icl_2f=50, decouple=20, s0=60, steps=40, ns5=30)
    return P, PS


def test_config_problems_are_known(cfg):
    P, _ = cfg
    assert set(P["problems"]) == set(FAMILY)


@pytest.mark.parametrize("problem", list(FAMILY))
def test_sweep_structure(cfg, problem):
    P, PS = cfg
    out = run_sweep(problem, P, PS)
    its = out.iterations
    assert list(its.columns[:7]) == CONTRACT
    methods = P["problems"][problem]["methods"]
    eps = P["problems"][problem]["epsilon"]
    assert len(its) == len(methods) * 2 * 2 * len(eps)
    assert set(out.curves) == {(m, k, s) for m in methods for k in (1, 10) for s in (0, 1)}
    for df in out.curves.values():
        assert list(df.columns[:2]) == ["iteration", "error"] and df.iteration.is_monotonic_increasing
    assert (its.iterations[~its.reached] >= 0).all() or (its.source[~its.reached] == "closed_form").all()
    assert set(out.info.columns) >= {"kappa", "seed", "epsilon", "eta0", "muon_bound", "K"}


def test_sweep_is_deterministic(cfg):
    P, PS = cfg
    a, b = run_sweep("mf", P, PS), run_sweep("mf", P, PS)
    assert a.iterations.equals(b.iterations)
    np.testing.assert_array_equal(a.curves[("adam", 10, 1)].error, b.curves[("adam", 10, 1)].error)


def test_ablation_and_theory_tables(cfg):
    P, PS = cfg
    curves, summary = ablation.step_ablation(P, PS)
    assert set(summary.rule) == {"S0", "S1", "S2", "S3"} and len(curves) > 0
    curves, summary = ablation.orthogonalizer_ablation(P, PS)
    assert set(summary.orthogonalizer) == {"svd", "ns5", "ns5_momentum"}
    assert len(theory.lemma_scalar_sweep(P["lemma"])) == len(P["lemma"]["q_bounded"]) + len(P["lemma"]["q_unbounded"])
    assert (theory.lemma_matrix_sweep(P, PS).checked > 0).all()
    assert len(theory.decoupling_mf(P, PS)) == 4
    mc = theory.icl_monte_carlo(P, PS)
    assert list(mc.matrix) == ["zero", "minimizer", "random"]

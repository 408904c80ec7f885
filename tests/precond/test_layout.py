"""Config views of the precond rules: a sweep's params hold its own problem only (another problem's edit reruns
nothing of it), and the figure notebook's kappa panels follow the scale's sweep."""

import copy
from pathlib import Path

import yaml

from muonrepro.precond.layout import figures_params, sweep_params

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yaml").read_text())


def test_a_sweep_reads_its_own_problem_and_the_lr_rule():
    p = sweep_params(CONFIG, "icl")
    assert list(p["problems"]) == ["icl"] and p["lr_selection"] == CONFIG["lr_selection"]
    other = copy.deepcopy(CONFIG)
    other["precond"]["problems"]["mf"]["init_scale"] = 0.5
    assert sweep_params(other, "icl") == p and sweep_params(other, "mf") != sweep_params(CONFIG, "mf")


def test_figure_panels_follow_the_swept_kappas():
    c = copy.deepcopy(CONFIG)
    c["scales"]["small"]["precond"]["kappas"] = [1, 10, 100, 1000, 10000]
    f = figures_params(c, "small")
    assert f["kappa_panels"] == [10, 100, 1000] and f["kappa_modes"] == 1000
    c["scales"]["small"]["precond"]["kappas"] = [2, 20, 200, 2000]
    f = figures_params(c, "small")
    assert f["kappa_panels"] == [2, 20, 200] and f["kappa_modes"] == 2000

"""Config views of the imbalanced paper's CPU rules: each rule's params are the slices its job reads, so a change
outside them does not change them (and reruns nothing), and the Colored-MNIST job's epoch count is the cost formula."""

import copy
from pathlib import Path

import yaml

from muonrepro.imbalanced import rules

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yaml").read_text())


def test_params_are_the_slices_their_jobs_read():
    c = CONFIG
    assert rules.theory_params(c, "small") == {
        "cfg": c["imbalanced"]["theory"],
        "sizes": c["scales"]["small"]["imbalanced"]["theory"],
    }
    lin = rules.linear_ce_params(c, "paper")
    assert lin["seeds"] == c["scales"]["paper"]["imbalanced"]["linear_ce"]["seeds"] and "seeds" not in lin["sizes"]
    train = rules.cmnist_train_params(c, "small")
    assert "palette" not in train["cfg"] and "seeds" not in train["sizes"]
    assert set(rules.cmnist_data_params(c, "small")["sizes"]) == {"n_train", "n_val", "n_test"}
    assert rules.figures_params(c, "small")["dpi"] == c["figures"]["dpi"]


def test_a_change_elsewhere_leaves_the_params_alone():
    other = copy.deepcopy(CONFIG)
    other["imbalanced"]["cmnist"]["palette"] = [[0, 0, 0]] * 10  # read by the data rule only
    other["energy"]["width"] = 7
    for view in (rules.theory_params, rules.linear_ce_params, rules.cmnist_train_params):
        assert view(other, "small") == view(CONFIG, "small")
    assert rules.cmnist_data_params(other, "small") != rules.cmnist_data_params(CONFIG, "small")


def test_cmnist_epochs_is_the_job_cost():
    c = copy.deepcopy(CONFIG)
    sizes = c["scales"]["small"]["imbalanced"]["cmnist"]
    sizes.update(epochs=3, seeds=[0, 1], lr_grid={"muon": [0.01, 0.02]}, tune_seeds="all")
    assert rules.cmnist_epochs(c, "small", "muon") == 3 * 2 * 2  # every seed trains every lr
    assert rules.cmnist_epochs(c, "small", "adam") == 3 * 2  # no grid: the configured lr

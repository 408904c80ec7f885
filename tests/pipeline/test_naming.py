"""The naming convention from a rule to its script."""

import pytest

from muonrepro.pipeline.naming import PREFIXES, rule_script, split_rule


@pytest.mark.parametrize(
    "rule, parts",
    [
        ("data_mnist", ("data", "mnist")),
        ("energy_train", ("energy", "train")),
        ("energy_sensitivity_units", ("energy", "sensitivity_units")),
        ("precond_sweep", ("precond", "sweep")),
        ("imbalanced_cmnist_train", ("imbalanced", "cmnist_train")),
        ("imbalanced_gpu_train", ("imbalanced_gpu", "train")),
        ("imbalanced_gpu_data_status", ("imbalanced_gpu", "data_status")),
        ("ledger_merge", ("ledger", "merge")),
    ],
)
def test_split_rule(rule, parts):
    assert split_rule(rule) == parts


@pytest.mark.parametrize("rule", ["all", "train", "energytrain", "gpu_train", "energy_", "Energy_train"])
def test_a_rule_without_a_known_prefix_is_an_error(rule):
    with pytest.raises(ValueError, match="does not start with"):
        split_rule(rule)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_prefix_splits_off_whole(prefix):
    """imbalanced_gpu_x is an imbalanced_gpu rule, not the imbalanced rule gpu_x."""
    assert split_rule(f"{prefix}_x") == (prefix, "x")


@pytest.mark.parametrize(
    "rule, script",
    [
        ("energy_train", "energy/train.py"),
        ("imbalanced_gpu_select_lr", "imbalanced_gpu/select_lr.py"),
        ("imbalanced_linear_ce", "imbalanced/linear_ce.py"),
    ],
)
def test_rule_script(rule, script):
    assert rule_script(rule) == script

"""The one lr selection: best validation score by mode, ties to the smaller lr, diverged runs excluded."""

import pytest

from muonrepro.training.lr_select import choose, select_lr


def test_choose_max_min_and_ties():
    assert choose({0.1: 0.5, 0.3: 0.9, 1.0: 0.7}, "max", 0.2)[0] == 0.3
    assert choose({0.1: 0.5, 0.3: 0.9, 1.0: 0.7}, "min", 0.2)[0] == 0.1
    assert choose({1.0: 0.9, 0.1: 0.9, 0.3: 0.2}, "max", 0.2)[0] == 0.1  # a tie goes to the smaller lr
    assert choose({(0.1, 50): 0.9, (0.1, 20): 0.9}, "max", None)[0] == (0.1, 20)  # (lr, step): earlier stop


def test_diverged_runs_are_excluded_and_all_diverged_keeps_the_fallback():
    assert choose({0.1: 0.5, 1.0: None}, "max", 0.2)[0] == 0.1
    lr, why = choose({0.1: None, 1.0: None}, "max", 0.2)
    assert lr == 0.2 and "diverged" in why
    with pytest.raises(ValueError, match="mode"):
        choose({0.1: 1.0}, "best", 0.2)


def test_select_lr_trains_every_lr_once_and_records_the_scores():
    seen = []

    def train(lr):
        seen.append(lr)
        return {0.01: 0.8, 0.03: 0.95, 0.1: None}[lr]

    out = select_lr([0.1, 0.01, 0.03], 0.05, train)
    assert seen == [0.01, 0.03, 0.1] and out["lr"] == 0.03 and out["tuned"]
    assert out["scores"] == {"0.01": 0.8, "0.03": 0.95, "0.1": None} and out["grid"] == [0.01, 0.03, 0.1]


def test_no_grid_trains_nothing():
    def train(lr):
        raise AssertionError("must not train")

    assert select_lr([], 0.05, train) == {
        "lr": 0.05,
        "tuned": False,
        "grid": [],
        "scores": {},
        "rule": "no lr grid: the configured lr",
    }
    assert select_lr([0.2], 0.05, train)["lr"] == 0.2

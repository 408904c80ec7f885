"""The one lr selection: best validation score by mode, ties to the smaller lr, diverged runs excluded."""

import pytest

from muonrepro.training.lr_select import choose, edge_status, extend_grid, past_edge, select_lr


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
    assert out["edge"] == "interior" and out["configured_grid"] == [0.01, 0.03, 0.1]


def test_no_grid_trains_nothing():
    def train(lr):
        raise AssertionError("must not train")

    assert select_lr([], 0.05, train) == {
        "lr": 0.05,
        "tuned": False,
        "grid": [],
        "configured_grid": [],
        "scores": {},
        "rule": "no lr grid: the configured lr",
        "edge": "not tuned",
    }
    assert select_lr([0.2], 0.05, train)["lr"] == 0.2


def test_past_edge_is_one_geometric_step_beyond_the_edge_the_choice_is_on():
    assert past_edge([0.01, 0.03, 0.1], 0.01) == pytest.approx(0.01 / 3)
    assert past_edge([0.01, 0.03, 0.1], 0.1) == pytest.approx(0.1 * 0.1 / 0.03)
    assert past_edge([0.005, 0.01, 0.02, 0.05], 0.005) == 0.0025
    assert past_edge([0.01, 0.03, 0.1], 0.03) is None and past_edge([0.01], 0.01) is None
    assert past_edge([0.01, 0.03], None) is None and past_edge([0.01, 0.03], 0.2) is None


def _peaked(best, seen):
    """A validation accuracy that peaks at ``best`` (log-distance), recording each lr trained."""
    import math

    def train(lr):
        seen.append(lr)
        return 1.0 - abs(math.log10(lr / best))

    return train


def test_an_edge_choice_extends_the_grid_until_interior():
    seen = []
    out = select_lr([0.005, 0.01, 0.02, 0.05], 0.02, _peaked(0.001, seen), max_extensions=5)
    assert seen[:4] == [0.005, 0.01, 0.02, 0.05] and seen[4:] == [0.0025, 0.00125, 0.000625]
    assert out["lr"] == 0.00125 and out["edge"] == "interior"
    assert out["grid"] == sorted(seen) and out["configured_grid"] == [0.005, 0.01, 0.02, 0.05]
    seen = []
    out = select_lr([0.01, 0.03, 0.1], 0.03, _peaked(1.0, seen), max_extensions=5)
    assert out["lr"] == pytest.approx(1.0 / 0.9, rel=0.2) and out["edge"] == "interior" and len(seen) == 6


def test_a_choice_still_at_the_edge_after_the_extensions_says_so():
    seen = []
    out = select_lr([0.01, 0.03, 0.1], 0.03, _peaked(1e-6, seen), max_extensions=2)
    assert len(seen) == 5 and out["lr"] == min(seen)
    assert out["edge"].startswith("at the smallest lr trained (2 extension(s) allowed)")
    seen = []
    assert select_lr([0.01, 0.03, 0.1], 0.03, _peaked(1e-6, seen), max_extensions=0)["edge"].startswith("at the")
    assert len(seen) == 3  # no extension: the configured grid only


def test_a_diverged_step_past_the_top_edge_makes_the_choice_interior():
    out = select_lr([0.01, 0.03, 0.1], 0.03, lambda lr: None if lr > 0.1 else lr, max_extensions=3)
    assert out["lr"] == 0.1 and out["edge"] == "interior" and out["scores"][str(out["grid"][-1])] is None


def test_extend_grid_for_an_experiment_that_trains_lrs_in_batches():
    batches = []
    grid, edge = extend_grid([1.0, 3.0], batches.append, lambda g: max(g), max_extensions=2)
    assert batches == [[1.0, 3.0], [9.0], [27.0]] and grid == [1.0, 3.0, 9.0, 27.0]
    assert edge.startswith("at the largest lr") and edge_status(grid, None, 2) == "no usable lr"

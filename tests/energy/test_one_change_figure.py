"""What the one-change figures show: each row's change in words, the unchanged row marked, one panel per claim."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from muonrepro.energy import one_change_figure as ocf  # noqa: E402

RESULT = {"n_seeds": 3, "ci_low": "-0.1", "ci_high": "0.2", "holds": 2, "effects": "s0: 0.1, s1: -0.05, s2: 0.2"}


def _training():
    rows = [
        ("default", "", "C6a", "0.05", "inconclusive", "inconclusive", "False"),
        ("lr adamw", "x0.5", "C6a", "0.3", "supported", "inconclusive", "True"),
        ("width", "128", "C6b", "nan", "not_supported", "not_supported", "False"),
    ]
    cols = ["setting", "value", "claim", "mean", "verdict", "default_verdict", "flips"]
    return pd.DataFrame(rows, columns=cols).assign(**RESULT)


def test_training_rows_in_words_with_the_default_marked():
    t = ocf.rows(_training(), "training")
    assert list(t["label"]) == ["default training", "lr of AdamW x0.5", "width 128"]
    assert list(t["primary"]) == [True, False, False] and list(t["flips"]) == [False, True, False]
    assert t["mean"].isna().tolist() == [False, False, True]


def test_reading_rows_use_the_reading_words():
    r = pd.DataFrame(
        [
            ("C6a", "primary", "", "0.1", "supported", "False"),
            ("C6a", "sigma_delta", "exact_ggn", "0.2", "supported", "False"),
        ],
        columns=["claim", "dimension", "value", "mean", "verdict", "flips"],
    ).assign(**RESULT)
    assert list(ocf.rows(r, "reading")["label"]) == [
        "primary reading",
        "output-gradient covariance: exact Gauss-Newton",
    ]
    with pytest.raises(ValueError, match="kind"):
        ocf.rows(r, "other")


def test_draw_one_panel_per_claim():
    fig = ocf.draw(_training(), "training", "small")
    assert len(fig.axes) == 2 and fig.axes[0].get_title().startswith("C6a: default training's verdict inconclusive; 1")
    assert ocf.seed_effects("s0: 0.1, s1: -0.2") == [0.1, -0.2]
    plt.close(fig)

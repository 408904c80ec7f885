"""Ledger rows of the GPU-scale experiments (C13, C13-cifar100, C14, C15a, C15b, C16) and the MultiNLI data
check.

The rows are computed from hand-made metric tables whose per-seed effects are known; the tests check the
arithmetic (effects, mean, t-interval computed here by hand) and that every criterion can fail, never
whether the paper's claim holds.
"""

import math

import numpy as np
import pandas as pd
import pytest

from muonrepro.imbalanced.gpu.claims import build_claims, rare_vs_frequent
from muonrepro.imbalanced.gpu.status import data_status
from muonrepro.imbalanced.gpu.train import COLUMNS
from muonrepro.ledger import COLUMNS as LEDGER_COLUMNS
from muonrepro.ledger.report import MissingEvidenceError, check_evidence

RULES = {c: "interval" for c in ("C13", "C13-cifar100", "C14", "C15a", "C15b", "C16")}
CFG = {
    "early_fraction": 0.25,
    "decoded_margin": 0.05,
    "rare_buckets": [0],
    "frequent_buckets": [2],
    "rules": RULES,
}
STATS = {"level": 0.95, "min_seeds": 3}
T_975_2 = 4.302652729911275  # Student t quantile, 2 degrees of freedom, 0.975 (tables)


def row_of(exp, rows, claim_id, skipped=None, cfg=CFG, notes=None):
    (row,) = [
        r
        for r in build_claims(
            {exp: {"message": "present"}},
            {exp: pd.DataFrame(rows, columns=COLUMNS)},
            {exp: skipped or {}},
            cfg,
            "small",
            STATS,
            notes,
        )
        if r.claim_id == claim_id
    ]
    return row


def assert_over_seeds(row, effects, verdict):
    """value = mean effect, interval = mean +- t sd / sqrt(n), both by hand."""
    e = np.asarray(effects, float)
    half = T_975_2 * e.std(ddof=1) / math.sqrt(3)
    assert row.value == pytest.approx(e.mean(), abs=1e-6) and row.n_seeds == 3
    assert row.ci_low == pytest.approx(e.mean() - half) and row.ci_high == pytest.approx(e.mean() + half)
    assert row.verdict == verdict, row.evidence


# --- C16 TinyStories -------------------------------------------------------------------------------------------


def lm_rows(opt, seed, curves):
    """curves: bucket -> test losses at steps 0, 1, 2, ..."""
    return [(opt, seed, s, s, "test_loss", f"bucket{b}", v) for b, vals in curves.items() for s, v in enumerate(vals)]


def test_rare_vs_frequent_ratio_of_summed_drops():
    rows = lm_rows("muon", 0, {0: [5.0, 4.0, 3.0], 1: [1, 1, 1], 2: [3.0, 2.0, 1.5]})
    rows += lm_rows("adam", 0, {0: [5.0, 5.0, 4.0], 1: [1, 1, 1], 2: [3.0, 2.0, 1.0]})
    rho = rare_vs_frequent(pd.DataFrame(rows, columns=COLUMNS), [0], [2])
    assert rho[("muon", 0)] == pytest.approx((1 + 2) / (1 + 1.5))
    assert rho[("adam", 0)] == pytest.approx((0 + 1) / (1 + 2))
    rho2 = rare_vs_frequent(pd.DataFrame(rows, columns=COLUMNS), [0, 1], [2])  # bucket means: rare = (b0 + b1) / 2
    assert rho2[("muon", 0)] == pytest.approx((0.5 + 1.0) / 2.5)


def ts_rows(rare_after):
    """One evaluation after step 0; frequent loss 3 -> 2 (drop 1), so rho = the rare drop 5 - rare_after."""
    rows = []
    for opt, per_seed in rare_after.items():
        for seed, after in enumerate(per_seed):
            rows += lm_rows(opt, seed, {0: [5.0, after], 2: [3.0, 2.0]})
    return rows


@pytest.mark.parametrize(
    "muon, effects, verdict",
    [
        ([4.0, 3.95, 4.05], [0.2, 0.25, 0.15], "supported"),  # rho muon 1, 1.05, 0.95 vs adam 0.5, sgd 0.8
        ([4.5, 4.55, 4.45], [-0.3, -0.35, -0.25], "not_supported"),  # Muon's rare tokens fall slower
        ([4.0, 4.5, 4.1], [0.2, -0.3, 0.1], "inconclusive"),  # the seeds disagree
    ],
)
def test_tinystories_row(muon, effects, verdict):
    rows = ts_rows({"muon": muon, "adam": [4.5] * 3, "sgd": [4.2] * 3})
    row = row_of("tinystories", rows, "C16", notes={"tinystories": "model: GPT"})
    assert_over_seeds(row, effects, verdict)
    assert "model: GPT" in row.evidence


def test_undefined_ratio_makes_a_seed_unusable_and_diverged_runs_are_said():
    rows = ts_rows({"muon": [4.0] * 3, "adam": [4.5] * 3, "sgd": [4.2] * 3})
    rows = [
        r if not (r[0] == "adam" and r[1] == 2 and r[5] == "bucket2" and r[3] == 1) else (*r[:6], 3.5) for r in rows
    ]
    rows += [("sgd", 0, 0.5, 1, "diverged", "average", 1.0)]
    row = row_of("tinystories", rows, "C16")
    assert row.n_seeds == 2 and row.verdict == "inconclusive"  # 2 usable seeds < min_seeds
    assert "adam seed 2" in row.evidence and "undefined" in row.evidence and "unusable seeds" in row.evidence
    assert "diverged runs (last finite evaluation used): sgd seed 0 at epoch 0.50" in row.evidence


# --- C15a MultiNLI, C15b CelebA ------------------------------------------------------------------------------------


def final_rows(final, metric="test_acc", group="worst_group"):
    """final: optimizer -> [value per seed] at the last evaluation (step 10); step 0 holds 0."""
    return [
        row
        for o, vals in final.items()
        for s, v in enumerate(vals)
        for row in ((o, s, 1.0, 10, metric, group, v), (o, s, 0.0, 0, metric, group, 0.0))
    ]


@pytest.mark.parametrize(
    "adam, shampoo, effects, verdict",
    [
        ([0.66, 0.67, 0.65], [0.7] * 3, [0.05, 0.06, 0.04], "supported"),  # smallest margin: Adam - Muon
        ([0.55, 0.56, 0.54], [0.7] * 3, [-0.06, -0.05, -0.07], "not_supported"),  # Adam below Muon
        ([0.66, 0.67, 0.65], [0.45, 0.46, 0.44], [-0.05, -0.04, -0.06], "not_supported"),  # Shampoo below SGD
    ],
)
def test_multinli_row(adam, shampoo, effects, verdict):
    final = {"sgd": [0.5] * 3, "muon": [0.61] * 3, "shampoo": shampoo, "adam": adam}
    assert_over_seeds(row_of("multinli", final_rows(final), "C15a"), effects, verdict)


def test_multinli_without_shampoo_is_not_run():
    final = {"sgd": [0.5], "muon": [0.6], "adam": [0.65]}
    row = row_of("multinli", final_rows(final), "C15a", skipped={"shampoo": "pytorch-optimizer missing"})
    assert row.verdict == "not_run" and "pytorch-optimizer missing" in row.evidence


@pytest.mark.parametrize(
    "muon, effects, verdict",
    [
        ([0.62, 0.63, 0.61], [0.12, 0.13, 0.11], "supported"),
        ([0.42, 0.43, 0.41], [-0.08, -0.07, -0.09], "not_supported"),  # Muon below SGD (Shampoo above)
    ],
)
def test_celeba_row(muon, effects, verdict):
    final = {"sgd": [0.5] * 3, "muon": muon, "shampoo": [0.7] * 3}
    assert_over_seeds(row_of("celeba", final_rows(final), "C15b"), effects, verdict)


def test_a_missing_seed_run_is_unusable():
    final = {"sgd": [0.5, 0.5], "muon": [0.62, 0.63, 0.61], "shampoo": [0.7] * 3}  # no SGD run for seed 2
    row = row_of("celeba", final_rows(final), "C15b")
    assert row.n_seeds == 2 and row.verdict == "inconclusive" and "unusable seeds" in row.evidence


# --- C14 dominoes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "adam, effects, verdict",
    [
        ([0.8, 0.81, 0.79], [0.05, 0.06, 0.04], "supported"),  # min over {muon, shampoo, adam} - SGD - margin
        ([0.72, 0.73, 0.71], [-0.03, -0.02, -0.04], "not_supported"),  # Adam above SGD, but by less than the margin
    ],
)
def test_dominoes_row(adam, effects, verdict):
    dec = {"sgd": [0.7] * 3, "muon": [0.9] * 3, "shampoo": [0.85] * 3, "adam": adam}
    rows = final_rows(dec, "decoded_test_acc") + final_rows({o: [0.1] * 3 for o in dec})
    assert_over_seeds(row_of("dominoes", rows, "C14"), effects, verdict)


# --- C13 CIFAR STEP-20 -----------------------------------------------------------------------------------------


def cifar_rows(opt, seed, minority, majority):
    """Test accuracy per epoch 0..n-1 (step = epoch) for the minority and majority classes."""
    return [
        (opt, seed, float(e), e, "test_acc", group, v)
        for group, vals in (("minority", minority), ("majority", majority))
        for e, v in enumerate(vals)
    ]


def cifar_table(muon_minority, muon_majority):
    """Epochs 0..4: the early window (0.25 x 4 = 1, step 0 excluded) is epoch 1; SGD: minority 0.1, majority 0.9."""
    rows = []
    for s in range(3):
        rows += cifar_rows("muon", s, [0.0, muon_minority[s], 0.0, 0.0, 0.0], [0.0, muon_majority[s], 0, 0, 0])
        rows += cifar_rows("sgd", s, [0.0, 0.1, 0.9, 0.9, 0.9], [0.0, 0.9, 0.0, 0.0, 0.0])
    return rows


@pytest.mark.parametrize("exp, claim_id", [("cifar10", "C13"), ("cifar100", "C13-cifar100")])
@pytest.mark.parametrize(
    "minority, majority, effects, verdict",
    [
        # effect = min(minority muon - sgd, gap sgd - gap muon); gap sgd = 0.8
        ([0.5, 0.51, 0.52], [0.8, 0.8, 0.8], [0.4, 0.41, 0.42], "supported"),
        ([0.05, 0.06, 0.04], [0.8, 0.8, 0.8], [-0.05, -0.04, -0.06], "not_supported"),  # minority below SGD's
        ([0.15, 0.16, 0.14], [1.0, 1.0, 1.0], [-0.05, -0.04, -0.06], "not_supported"),  # the gap widens
    ],
)
def test_cifar_row(exp, claim_id, minority, majority, effects, verdict):
    row = row_of(exp, cifar_table(minority, majority), claim_id)
    assert_over_seeds(row, effects, verdict)
    assert "epochs <= 1" in row.evidence


def test_every_seed_rule_on_the_same_table():
    """C13 judged with every_seed: 2 of 3 seeds fail -> not_supported, 1 of 3 -> inconclusive."""
    cfg = {**CFG, "rules": {**RULES, "C13": "every_seed"}}
    row = row_of("cifar10", cifar_table([0.5, 0.05, 0.05], [0.8] * 3), "C13", cfg=cfg)
    assert row.verdict == "not_supported" and "every one of >= 3 seeds" in row.criterion
    row = row_of("cifar10", cifar_table([0.5, 0.5, 0.05], [0.8] * 3), "C13", cfg=cfg)
    assert row.verdict == "inconclusive"


def test_cifar_row_links_its_figure_and_the_report_checks_it(tmp_path):
    """C13 names e2_cifar_step in its figures column (not in evidence); once it ran, the report's check
    fails while that figure is missing and passes when it exists; a not_run row needs no figure."""
    built = build_claims(
        {"cifar10": {"message": "present"}, "cifar100": {"message": "cifar100: data missing"}},
        {"cifar10": pd.DataFrame(cifar_table([0.5] * 3, [0.8] * 3), columns=COLUMNS)},
        {},
        CFG,
        "small",
        STATS,
    )
    by = {r.claim_id: r for r in built}
    c13 = by["C13"]
    assert c13.verdict == "supported" and c13.kind == "empirical"
    assert c13.figures == "figures/imbalanced/e2_cifar_step.png" and "figure" not in c13.evidence
    assert by["C13-cifar100"].verdict == "not_run" and by["C13-cifar100"].figures == c13.figures
    assert by["C13-cifar100"].evidence == "cifar100: data missing"
    assert by["C16"].figures == "figures/imbalanced/e6_tinystories.png"
    table = pd.DataFrame([vars(r) for r in built], columns=LEDGER_COLUMNS)
    with pytest.raises(MissingEvidenceError, match="imbalanced/C13: figures/imbalanced/e2_cifar_step.png"):
        check_evidence(table, root=tmp_path)
    (tmp_path / "figures/imbalanced").mkdir(parents=True)
    (tmp_path / "figures/imbalanced/e2_cifar_step.png").write_bytes(b"png")
    check_evidence(table, root=tmp_path)  # the not_run rows' figures are not required


def test_multinli_status_names_data_and_bert(tmp_path):
    data = {"multinli_root": str(tmp_path / "mnli"), "bert_dir": str(tmp_path / "bert")}
    st = data_status("multinli", data)
    assert not st["present"] and "imbalanced_gpu.data.multinli_root" in st["message"]
    assert (
        "imbalanced_gpu.data.bert_dir" in st["message"]
        and "huggingface-cli download bert-base-uncased" in st["message"]
    )
    (tmp_path / "mnli").mkdir()
    for f in ("multinli_1.0_train.jsonl", "multinli_1.0_dev_matched.jsonl"):
        (tmp_path / "mnli" / f).write_text("")
    (tmp_path / "bert").mkdir()
    (tmp_path / "bert" / "vocab.txt").write_text("[PAD]\n")
    assert data_status("multinli", data)["present"]
    st = data_status("multinli", data, pretrained=True)  # fine-tuning also needs the weights
    assert not st["present"] and "model.safetensors" in st["message"] and "multinli_root" not in st["message"]

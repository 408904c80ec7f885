"""Ledger rows of the NLP experiments (C15a MultiNLI, C16 TinyStories) and the MultiNLI data check.

The rows are computed from hand-made metric tables whose answers are known; the test checks the
arithmetic and the verdict logic, not whether the paper's claim holds.
"""

import pandas as pd
import pytest

from muonrepro.imbalanced.gpu.claims import build_claims, rare_vs_frequent
from muonrepro.imbalanced.gpu.status import data_status
from muonrepro.imbalanced.gpu.train import COLUMNS
from muonrepro.ledger import COLUMNS as LEDGER_COLUMNS
from muonrepro.ledger.report import MissingEvidenceError, check_evidence

CFG = {
    "early_fraction": 0.25,
    "seed_fraction": 0.667,
    "decoded_margin": 0.05,
    "rare_buckets": [0],
    "frequent_buckets": [2],
}


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


def test_tinystories_row_value_and_verdict():
    rows = lm_rows("muon", 0, {0: [5.0, 4.0], 2: [3.0, 2.0]})  # rho 1
    rows += lm_rows("adam", 0, {0: [5.0, 4.5], 2: [3.0, 2.0]})  # rho 0.5
    rows += lm_rows("sgd", 0, {0: [5.0, 4.2], 2: [3.0, 2.0]})  # rho 0.8
    status = {"tinystories": {"message": "present"}}
    (row,) = [
        r
        for r in build_claims(
            status,
            {"tinystories": pd.DataFrame(rows, columns=COLUMNS)},
            {},
            CFG,
            "small",
            {"tinystories": "model: GPT"},
        )
        if r.claim_id == "C16"
    ]
    assert row.value == pytest.approx(0.2) and row.verdict == "supported" and "model: GPT" in row.evidence
    worse = [r if r[0] != "muon" or r[5] != "bucket0" or r[3] == 0 else (*r[:6], 4.9) for r in rows]
    (row,) = [
        r
        for r in build_claims(status, {"tinystories": pd.DataFrame(worse, columns=COLUMNS)}, {}, CFG, "small")
        if r.claim_id == "C16"
    ]
    assert row.value == pytest.approx(0.1 - 0.8) and row.verdict == "not_supported"


def nli_rows(final):
    return [(o, 0, 1.0, 10, "test_acc", "worst_group", v) for o, v in final.items()] + [
        (o, 0, 0.0, 0, "test_acc", "worst_group", 0.0) for o in final
    ]


@pytest.mark.parametrize(
    "final, value, verdict",
    [
        ({"sgd": 0.5, "muon": 0.6, "shampoo": 0.7, "adam": 0.65}, 0.05, "supported"),
        ({"sgd": 0.5, "muon": 0.6, "shampoo": 0.7, "adam": 0.55}, -0.05, "not_supported"),  # Adam below Muon
        ({"sgd": 0.5, "muon": 0.6, "shampoo": 0.5, "adam": 0.65}, 0.0, "not_supported"),  # Shampoo not above SGD
    ],
)
def test_multinli_row(final, value, verdict):
    (row,) = [
        r
        for r in build_claims(
            {"multinli": {"message": ""}},
            {"multinli": pd.DataFrame(nli_rows(final), columns=COLUMNS)},
            {},
            CFG,
            "small",
        )
        if r.claim_id == "C15a"
    ]
    assert row.value == pytest.approx(value) and row.verdict == verdict


def test_multinli_without_shampoo_is_not_run():
    final = {"sgd": 0.5, "muon": 0.6, "adam": 0.65}
    (row,) = [
        r
        for r in build_claims(
            {"multinli": {"message": ""}},
            {"multinli": pd.DataFrame(nli_rows(final), columns=COLUMNS)},
            {"multinli": {"shampoo": "pytorch-optimizer missing"}},
            CFG,
            "small",
        )
        if r.claim_id == "C15a"
    ]
    assert row.verdict == "not_run" and "pytorch-optimizer missing" in row.evidence


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


def test_undefined_ratio_and_diverged_runs_are_said():
    rows = lm_rows("muon", 0, {0: [5.0, 4.0], 2: [3.0, 2.0]})
    rows += lm_rows("adam", 0, {0: [5.0, 4.5], 2: [3.0, 3.5]})  # frequent loss rose: rho undefined
    rows += lm_rows("sgd", 0, {0: [5.0, 4.2], 2: [3.0, 2.0]})
    rows += [("sgd", 0, 0.5, 1, "diverged", "average", 1.0)]
    (row,) = [
        r
        for r in build_claims(
            {"tinystories": {"message": ""}}, {"tinystories": pd.DataFrame(rows, columns=COLUMNS)}, {}, CFG, "small"
        )
        if r.claim_id == "C16"
    ]
    assert row.verdict == "not_run" and "['adam']" in row.evidence and "undefined" in row.evidence
    assert "diverged runs (last finite evaluation used): sgd seed 0 at epoch 0.50" in row.evidence


def cifar_rows(opt, seed, minority, majority):
    """Test accuracy per epoch 0..n-1 (step = epoch) for the minority and majority classes."""
    return [
        (opt, seed, float(e), e, "test_acc", group, v)
        for group, vals in (("minority", minority), ("majority", majority))
        for e, v in enumerate(vals)
    ]


def test_cifar_row_links_its_figure_and_the_report_checks_it(tmp_path):
    """C13 names e2_cifar_step in its figures column (not in evidence); once it ran, the report's check
    fails while that figure is missing and passes when it exists; a not_run row needs no figure."""
    rows = cifar_rows("muon", 0, [0.0, 0.5, 0.6, 0.7, 0.8], [0.0, 0.9, 0.9, 0.9, 0.9])
    rows += cifar_rows("sgd", 0, [0.0, 0.1, 0.2, 0.5, 0.8], [0.0, 0.9, 0.9, 0.9, 0.9])
    built = build_claims(
        {"cifar10": {"message": "present"}, "cifar100": {"message": "cifar100: data missing"}},
        {"cifar10": pd.DataFrame(rows, columns=COLUMNS)},
        {},
        CFG,
        "small",
    )
    by = {r.claim_id: r for r in built}
    c13 = by["C13"]
    assert c13.verdict == "supported" and c13.value == 1.0 and c13.kind == "empirical"
    assert c13.figures == "results/figures/imbalanced/e2_cifar_step.png" and "figure" not in c13.evidence
    assert by["C13-cifar100"].verdict == "not_run" and by["C13-cifar100"].figures == c13.figures
    assert by["C16"].figures == "results/figures/imbalanced/e6_tinystories.png"
    table = pd.DataFrame([vars(r) for r in built], columns=LEDGER_COLUMNS)
    with pytest.raises(MissingEvidenceError, match="imbalanced/C13: results/figures/imbalanced/e2_cifar_step.png"):
        check_evidence(table, root=tmp_path)
    (tmp_path / "results/figures/imbalanced").mkdir(parents=True)
    (tmp_path / "results/figures/imbalanced/e2_cifar_step.png").write_bytes(b"png")
    check_evidence(table, root=tmp_path)  # the not_run rows' figures are not required

"""The GPU-scale experiments through Snakemake on CPU: tiny runs on fake data in the real on-disk formats
(CIFAR-10/100 pickles, CelebA list files + JPEGs, MNIST tensor dict; MultiNLI jsonl + a BERT vocab.txt,
TinyStories text files), and a run with every dataset absent that must still finish with not_run rows."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "imbalanced" / "gpu"))
import fakes  # noqa: E402
import fakes_lm  # noqa: E402
import fakes_nli  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--cores", "2"]
pytestmark = pytest.mark.workflow
IDS = {"C13", "C13-cifar100", "C14", "C15a", "C15b", "C16"}


# the GPU-scale part of the imbalanced paper alone (its ledger rule also needs the theory and Colored-MNIST
# runs): the figures, which need every experiment's metrics; gpu_rows() builds the ledger rows from them.
# Outputs of a scale are under results/<scale>/.
FIGURES = ["e2_cifar_step", "e4_multinli", "e6_tinystories"]


def targets(scale: str) -> list[str]:
    return [f"results/{scale}/figures/imbalanced/{f}.png" for f in FIGURES]


def _merged(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merged(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def gpu_rows(wd) -> pd.DataFrame:
    """The imbalanced_claims rule's GPU-scale rows, from the files its GPU inputs name (as that rule
    calls the package: imbalanced.claims_job.claims_stage)."""
    from muonrepro.imbalanced.gpu import settings
    from muonrepro.imbalanced.gpu.claims import build_claims
    from muonrepro.ledger import COLUMNS

    cfg = _merged(yaml.safe_load((ROOT / "config.yaml").read_text()), yaml.safe_load((wd / "overlay.yaml").read_text()))
    ig, igs = cfg["imbalanced_gpu"], cfg["scales"][cfg.get("scale", "small")]["imbalanced_gpu"]
    notes = {e: settings.model_note(e, ig, igs) for e in ("multinli", "tinystories")}
    r = wd / "results" / cfg.get("scale", "small") / "imbalanced" / "gpu"
    exps = [p.parent.name for p in r.glob("*/metrics.parquet")]
    rows = build_claims(
        json.loads((r / "data_status.json").read_text()),
        {e: pd.read_parquet(r / e / "metrics.parquet") for e in exps},
        {e: json.loads((r / e / "skipped.json").read_text()) for e in exps},
        ig["claims"],
        "small",
        cfg["stats"],
        notes,
    )
    return pd.DataFrame([vars(c) for c in rows], columns=COLUMNS).set_index("claim_id")


def smk(wd, overlay):
    cfg = wd / "overlay.yaml"
    cfg.write_text(yaml.safe_dump(overlay))
    res = subprocess.run(
        SNAKEMAKE
        + ["--directory", str(wd), "--configfile", str(ROOT / "config.yaml"), str(cfg), "--", *targets("small")],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert res.returncode == 0, f"snakemake failed:\n{res.stdout[-3000:]}\n{res.stderr[-5000:]}"
    return res


def overlay(wd, small):
    return {
        "papers": ["imbalanced"],
        "device": "cpu",
        "stats": {"min_seeds": 1},  # the tiny runs use one seed, deliberately
        "imbalanced_gpu": {
            "data": {
                "cifar_root": str(wd / "cifar"),
                "celeba_root": str(wd / "celeba"),
                "multinli_root": str(wd / "multinli"),
                "tinystories_root": str(wd / "ts"),
                "bert_dir": str(wd / "bert"),
                "verify_md5": False,
            },
            "experiments": ["cifar10", "dominoes", "celeba", "multinli", "tinystories"],
            "cifar10": {"optimizers": ["sgd", "muon"]},
            "dominoes": {"optimizers": ["sgd", "muon"]},
            "celeba": {"optimizers": ["sgd"]},
        },
        "scales": {"small": {"imbalanced_gpu": small}},
    }


def test_absent_data_gives_not_run_rows(tmp_path):
    res = smk(tmp_path, overlay(tmp_path, {}))
    assert "imbalanced_gpu.data.cifar_root" in res.stderr and "download=True" in res.stderr
    rows = gpu_rows(tmp_path)
    assert set(rows.index) == IDS and (rows["verdict"] == "not_run").all()
    assert "imbalanced_gpu.data.celeba_root" in rows.loc["C15b", "evidence"]
    for f in ("e2_cifar_step",):
        assert (tmp_path / "results" / "small" / "figures" / "imbalanced" / f"{f}.png").stat().st_size > 0


def test_tiny_run_end_to_end(tmp_path):
    fakes.make_cifar10(tmp_path / "cifar", per_class_train=40, per_class_test=10)
    fakes.make_cifar100(tmp_path / "cifar")
    fakes.make_celeba(tmp_path / "celeba", n=(16, 8, 8))
    fakes.make_mnist_pt(tmp_path / "results" / "data" / "mnist.pt")
    small = {
        "seeds": [0],  # one seed keeps the test short (stats.min_seeds 1 in the overlay); no t-interval from one seed
        "width": 4,
        "evals_per_epoch": 2,
        "cifar10": {"epochs": 1, "n_max": 40, "n_val_per_class": 4},
        "cifar100": {"epochs": 1},
        "dominoes": {"epochs": 1, "n_val_per_class": 4},
        "celeba": {"epochs": 1, "image_size": 16},
    }
    ov = overlay(tmp_path, small)
    ov["imbalanced_gpu"]["experiments"].append("cifar100")
    ov["imbalanced_gpu"]["cifar100"] = {"optimizers": ["sgd", "muon"]}
    for e in ("cifar10", "cifar100", "dominoes", "celeba"):
        ov["imbalanced_gpu"][e]["model"] = {"depth": 18, "stem": "cifar"}
        ov["imbalanced_gpu"][e]["batch_size"] = 32
    smk(tmp_path, ov)
    r = tmp_path / "results" / "small" / "imbalanced" / "gpu"
    for exp, opts in (
        ("cifar10", {"sgd", "muon"}),
        ("cifar100", {"sgd", "muon"}),
        ("dominoes", {"sgd", "muon"}),
        ("celeba", {"sgd"}),
    ):
        m = pd.read_parquet(r / exp / "metrics.parquet")
        assert list(m.columns) == ["optimizer", "seed", "epoch", "step", "metric", "group", "value"]
        assert set(m["optimizer"]) == opts
        acc = m[m["metric"] == "test_acc"]
        assert acc["value"].dropna().between(0, 1).all() and acc["epoch"].max() == 1.0
        assert acc[acc["group"] == "worst_group"]["value"].notna().all()
        assert {"minority", "majority", "worst_group", "balanced", "average"} <= set(acc["group"])
    dom = pd.read_parquet(r / "dominoes" / "metrics.parquet")
    assert (dom["metric"] == "decoded_test_acc").any()
    c10 = pd.read_parquet(r / "cifar10" / "metrics.parquet")
    assert {"airplane", "truck"} <= set(c10["group"])  # per-class rows
    assert not (c10["metric"] == "decoded_test_acc").any()  # CIFAR's val split serves the lr selection only
    rows = gpu_rows(tmp_path)
    assert set(rows.index) == IDS
    # judged over seeds: one seed gives no t-interval
    assert (rows.loc[["C13", "C13-cifar100"], "n_seeds"] == 1).all()
    assert (rows.loc[["C13", "C13-cifar100"], "verdict"] == "inconclusive").all()
    assert (rows.loc[["C14", "C15a", "C15b", "C16"], "verdict"] == "not_run").all()
    assert "shampoo" in rows.loc["C14", "evidence"]  # which runs are missing
    print(rows[["verdict", "value"]].to_string())


def test_nlp_tiny_run_end_to_end(tmp_path):
    """MultiNLI (a 1-layer BERT from scratch) and TinyStories (a 1-layer GPT), with the lr selection on."""
    fakes_nli.make_multinli(tmp_path / "multinli", n_train=160, n_test=60)
    fakes_nli.make_bert_vocab(tmp_path / "bert")
    fakes_lm.make_tinystories(tmp_path / "ts", n_train_stories=120, n_valid_stories=30)
    small = {
        "seeds": [0],  # one seed keeps the test short (stats.min_seeds 1 in the overlay); C15a: no interval from one
        "evals_per_epoch": 2,
        # one tuned optimizer per experiment (the others train their configured lr): every tuned lr is a wave of
        # tuning jobs, and the two-value grid's edge choice a wave of extensions
        "lr_grid": {"multinli": {"adam": [5e-4, 1e-3]}, "tinystories": {"muon": [1.5e-3, 3e-3]}},
        "tune_epochs": 1,
        "multinli": {
            "epochs": 1,
            "max_len": 32,
            "n_train": 100,
            "n_val": 16,
            "n_test": 60,
            "bert": {"hidden": 16, "layers": 1, "heads": 2, "intermediate": 32},
        },
        "tinystories": {
            "epochs": 1,
            "n_train_tokens": 3000,
            "n_test_tokens": 600,
            "model": {"context": 16, "n_layers": 1, "d_model": 16, "n_heads": 2},
        },
    }
    ov = overlay(tmp_path, small)
    ov["imbalanced_gpu"]["experiments"] = ["multinli", "tinystories"]
    ov["imbalanced_gpu"]["multinli"] = {"optimizers": ["sgd", "adam", "muon", "shampoo"], "batch_size": 16}
    ov["imbalanced_gpu"]["tinystories"] = {"optimizers": ["sgd", "adam", "muon"], "batch_size": 16, "vocab_size": 64}
    smk(tmp_path, ov)
    r = tmp_path / "results" / "small" / "imbalanced" / "gpu"
    nli = pd.read_parquet(r / "multinli" / "metrics.parquet")
    assert set(nli["optimizer"]) == {"sgd", "adam", "muon", "shampoo"} and nli["epoch"].max() == 1.0
    acc = nli[nli["metric"] == "test_acc"]
    assert acc["value"].between(0, 1).all() and {"worst_group", "average"} <= set(acc["group"])
    lm = pd.read_parquet(r / "tinystories" / "metrics.parquet")
    loss = lm[lm["metric"] == "test_loss"]
    assert {"bucket0", "bucket4", "average"} <= set(loss["group"]) and (loss["value"] > 0).all()
    for exp, opt in (("multinli", "adam"), ("tinystories", "muon")):
        choice = json.loads((r / exp / "lr" / f"{opt}.json").read_text())
        # the configured two lrs, and any tuned past an edge choice by the grid-edge rule (its own test below)
        assert set(choice["configured_grid"]) <= set(choice["grid"]) == {float(k) for k in choice["scores"]}
        assert choice["lr"] in choice["grid"] and len(choice["grid"]) >= 2
        run_meta = json.loads((r / exp / "runs" / f"{opt}_seed0.json").read_text())
        assert run_meta["config"]["opt_cfg"]["lr"] == choice["lr"]  # the training used the selected lr
    rows = gpu_rows(tmp_path)
    assert rows.loc["C15a", "n_seeds"] == 1 and rows.loc["C15a", "verdict"] == "inconclusive", rows.loc["C15a"]
    assert rows.loc["C16", "verdict"] == "inconclusive", rows.loc["C16", "evidence"]
    assert "from scratch" in rows.loc["C15a", "evidence"]
    for f in ("e4_multinli", "e6_tinystories"):
        assert (tmp_path / "results" / "small" / "figures" / "imbalanced" / f"{f}.png").stat().st_size > 0


def test_paper_scale_plan(tmp_path):
    """At scale: paper every run is a GPU job after an lr selection; BERT-base fine-tuning needs its weights."""
    fakes_nli.make_multinli(tmp_path / "multinli", n_train=20, n_test=10)
    fakes_nli.make_bert_vocab(tmp_path / "bert")  # vocab.txt only: no pretrained weights
    fakes_lm.make_tinystories(tmp_path / "ts", n_train_stories=10, n_valid_stories=5)
    ov = overlay(tmp_path, {})
    ov["scale"] = "paper"
    ov["imbalanced_gpu"]["experiments"] = ["multinli", "tinystories"]
    ov["scales"] = {"paper": ov["scales"].pop("small")}
    cfg = tmp_path / "overlay.yaml"
    cfg.write_text(yaml.safe_dump(ov))
    res = subprocess.run(
        SNAKEMAKE
        + [
            "--directory",
            str(tmp_path),
            "--configfile",
            str(ROOT / "config.yaml"),
            str(cfg),
            "-n",
            "--quiet",
            "rules",
            "--",
            *targets("paper"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert "imbalanced_gpu:" not in res.stderr  # data notices print when a run starts, never in a dry run
    from muonrepro.imbalanced.gpu.status import data_status

    status = data_status("multinli", {**ov["imbalanced_gpu"]["data"]}, pretrained=True)
    assert not status["runnable"] and "imbalanced_gpu.data.bert_dir" in status["message"]
    assert "model.safetensors" in status["message"]
    jobs = dict(line.split()[:2] for line in res.stdout.splitlines() if line.startswith("imbalanced_gpu_"))
    n_opts = len(yaml.safe_load((ROOT / "config.yaml").read_text())["imbalanced_gpu"]["tinystories"]["optimizers"])
    assert jobs["imbalanced_gpu_select_lr"] == str(n_opts) and jobs["imbalanced_gpu_train"] == str(3 * n_opts)


def test_a_tuned_lr_at_the_grid_edge_is_extended_through_checkpoints(tmp_path):
    """The grid-edge rule at GPU scale: lr 1e4 diverges, so 1e-4 is chosen at the grid's lower edge and the
    imbalanced_gpu_lr_round checkpoints tune lrs past it. The choice record equals the package's rule
    (``training.lr_select.select_lr``) replayed on the tuned scores, with every extension lr tuned by a job."""
    from muonrepro.training.lr_select import select_lr

    fakes.make_cifar10(tmp_path / "cifar", per_class_train=40, per_class_test=10)
    small = {
        "seeds": [0],
        "width": 4,
        "evals_per_epoch": 2,
        "tune_epochs": 1,
        "lr_grid": {"cifar10": {"sgd": [1.0e-4, 1.0e4]}},
        "cifar10": {"epochs": 1, "n_max": 40, "n_val_per_class": 4},
    }
    ov = overlay(tmp_path, small)
    ov["imbalanced_gpu"]["experiments"] = ["cifar10"]
    ov["imbalanced_gpu"]["cifar10"] = {"optimizers": ["sgd"], "model": {"depth": 18, "stem": "cifar"}, "batch_size": 32}
    cfg = tmp_path / "overlay.yaml"
    cfg.write_text(yaml.safe_dump(ov))
    target = "results/small/imbalanced/gpu/cifar10/lr/sgd.json"
    res = subprocess.run(
        SNAKEMAKE + ["--directory", str(tmp_path), "--configfile", str(ROOT / "config.yaml"), str(cfg), "--", target],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, f"snakemake failed:\n{res.stdout[-3000:]}\n{res.stderr[-5000:]}"
    choice = json.loads((tmp_path / target).read_text())
    tuned = {
        t["lr"]: t["score"]
        for t in (
            json.loads(f.read_text()) for f in (tmp_path / "results/small/imbalanced/gpu/cifar10/tune").glob("*.json")
        )
    }
    assert tuned[1.0e4] is None and len(tuned) >= 3  # the diverged edge lr, and at least one extension tuned
    max_ext = yaml.safe_load((ROOT / "config.yaml").read_text())["lr_selection"]["max_extensions"]
    replay = select_lr([1.0e-4, 1.0e4], 0.1, lambda lr: tuned[lr], "max", max_ext)
    assert choice["grid"] == replay["grid"] == sorted(tuned) and choice["lr"] == replay["lr"]
    assert choice["edge"] == replay["edge"] and choice["configured_grid"] == [1.0e-4, 1.0e4]

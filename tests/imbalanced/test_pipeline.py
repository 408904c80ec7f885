"""Tiny integration run of every stage of the imbalanced workflow (the rules' jobs, ``<what>_job``, called
with a namespace in place of the ``snakemake`` object) with the repository's method config and tiny sizes, then the
figure notebook. Checks the output
contract (file names, columns), not the paper's claims."""

import copy
import json
from pathlib import Path
from types import SimpleNamespace as NS

import pandas as pd
import pytest
import torch
import yaml

from muonrepro import plotting
from muonrepro.data.colored_mnist import cmnist_data_job
from muonrepro.imbalanced import linear_ce
from muonrepro.imbalanced.claims_job import claims_stage
from muonrepro.imbalanced.cmnist import cmnist_train_job
from muonrepro.imbalanced.curves import CURVE_COLUMNS, curves_job, merge_curves
from muonrepro.imbalanced.gpu.status import data_status
from muonrepro.imbalanced.theory.checks import theory_job
from muonrepro.ledger import COLUMNS, read_claims
from muonrepro.training.lr_select import edge_status

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
I = CONFIG["imbalanced"]  # noqa: E741 (the paper's config block, as in the rules)
SIZES = {
    "theory": {
        "sweep_cases": 40,
        "outside_cases": 20,
        "ngf_cases": 8,
        "t_grid": 40,
        "ngf_substeps": 2,
        "accuracy_t_points": 5,
    },
    "linear_ce": {"n_train": 300, "n_val": 300, "n_test": 100, "steps": 40, "n_eval": 6},
    "cmnist": {
        "n_train": 300,
        "n_val": 100,
        "n_test": 200,
        "width": 16,
        "epochs": 1,
        "eval_every": 2,
        "lr_grid": {"muon": [0.01, 0.02]},
    },
}
FIGURES = ["fig2_trajectories", "loss_gaps", "depth", "dm_accuracy", "fig4_linear_ce", "cmnist_groups", "fig6_depth"]


def cmnist_job(data, sizes, layers, opt, seeds, out, **params):
    """The imbalanced_cmnist_train job's namespace (``params``: checkpoint, early_fraction, max_extensions, else
    no checkpoint, the window 0.25 and no grid extension)."""
    params = {"checkpoint": None, "early_fraction": 0.25, "max_extensions": 0, **params}
    return NS(
        input=NS(data=str(data), code=[]),
        params=NS(cfg=I["cmnist"], sizes=sizes, seeds=seeds, device="cpu", **params),
        wildcards=NS(layers=str(layers), imb_opt=opt),
        output=out,
        threads=torch.get_num_threads(),  # as it is: the job sets it
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    r = tmp_path_factory.mktemp("results")
    theory = {
        k: r / f"{k}.{ext}"
        for k, ext in (
            ("checks", "csv"),
            ("depth", "csv"),
            ("trajectories", "parquet"),
            ("paths", "parquet"),
            ("sweep", "parquet"),
            ("meta", "json"),
        )
    }
    theory_job(
        NS(
            params=NS(cfg=copy.deepcopy(I["theory"]), sizes=SIZES["theory"]),
            output=NS(**theory),
            threads=torch.get_num_threads(),
        )
    )
    lin = [str(r / f"lin{seed}.parquet") for seed in (0, 1, 2)]
    out = NS(curves=lin, meta=[r / f"lin{seed}.json" for seed in (0, 1, 2)])
    max_ext = CONFIG["lr_selection"]["max_extensions"]
    params = NS(cfg=I["linear_ce"], sizes=SIZES["linear_ce"], seeds=[0, 1, 2], max_extensions=max_ext)
    linear_ce.linear_ce_job(NS(params=params, output=out, threads=torch.get_num_threads()))
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 10, (700,), generator=g)
    x = torch.zeros(700, 784, dtype=torch.uint8)
    x[torch.arange(700), y * 70] = 255
    torch.save({"train_x": x[:500], "train_y": y[:500], "test_x": x[500:], "test_y": y[500:]}, r / "mnist.pt")
    cmnist_data_job(
        NS(
            input=NS(mnist=str(r / "mnist.pt")),
            params=NS(cfg=I["cmnist"], sizes=SIZES["cmnist"]),
            output=[str(r / "cmnist.pt")],
        )
    )
    cm = []
    for L in I["cmnist"]["depths"]:
        for opt in I["cmnist"]["optimizers"]:
            out = NS(curves=[r / f"cm_L{L}_{opt}.parquet"], meta=[r / f"cm_L{L}_{opt}.json"])
            cmnist_train_job(cmnist_job(r / "cmnist.pt", SIZES["cmnist"], L, opt, [0], out))
            cm.append(str(out.curves[0]))
    curves_job(
        NS(
            input=NS(trajectories=str(theory["trajectories"]), linear_ce=lin, cmnist=cm),
            params=NS(early_fraction=I["claims"]["early_fraction"], max_extensions=max_ext),
            output=NS(curves=r / "curves.parquet", selection=r / "lr_selection.csv"),
        )
    )
    ig = CONFIG["imbalanced_gpu"]
    status = {
        e: data_status(e, {**ig["data"], **{k: str(r / "absent") for k in ig["data"] if k.endswith(("_root", "_dir"))}})
        for e in ig["experiments"]
    }
    (r / "data_status.json").write_text(json.dumps(status))
    gpu = {"status": r / "data_status.json", "metrics": [], "skipped": [], "cfg": ig["claims"], "model_notes": {}}
    claims_stage(
        str(theory["checks"]),
        str(r / "curves.parquet"),
        {**I["claims"], "depths": I["cmnist"]["depths"], "lr_grid": SIZES["cmnist"]["lr_grid"]},
        "small",
        CONFIG["stats"],
        gpu,
        r / "claims.csv",
        str(r / "lr_selection.csv"),
        CONFIG["lr_selection"]["max_extensions"],
    )
    return r


def test_contract_files(results):
    checks = pd.read_csv(results / "checks.csv")
    assert list(checks.columns) == ["check", "value", "reference", "tolerance", "passed"]
    assert checks["check"].str.match(r"^C\d+:.+:(abs|le|ge|gt|info)$").all()
    depth = pd.read_csv(results / "depth.csv")
    assert list(depth.columns) == ["L", "snr", "p_min", "p_max", "measured_ratio", "formula_ratio"]
    assert len(depth) == len(I["theory"]["depth"]["depths"]) * len(I["theory"]["depth"]["snr"])
    curves = pd.read_parquet(results / "curves.parquet")
    assert list(curves.columns) == ["experiment", "optimizer", "seed", "step", "metric", "group", "value"]
    assert {"fig2", "linear_ce", "cmnist_L2", "cmnist_L4"} <= set(curves["experiment"])
    sel = pd.read_csv(results / "lr_selection.csv")
    muon = sel[(sel["experiment"] == "cmnist_L2") & (sel["optimizer"] == "muon")]
    cm_meta = json.loads((results / "cm_L2_muon.json").read_text())
    lrs = cm_meta["config"]["lrs"]  # the grid, extended past an edge choice
    assert cm_meta["seed"] == 0 and {0.01, 0.02} <= set(lrs) and muon["lr"].iloc[0] in lrs
    assert muon["grid"].iloc[0] == "; ".join(f"{lr:g}" for lr in lrs)
    assert muon["edge"].iloc[0] == edge_status(lrs, muon["lr"].iloc[0], CONFIG["lr_selection"]["max_extensions"])


def test_ledger_rows(results):
    claims = read_claims(results / "claims.csv")
    assert list(claims.columns) == COLUMNS
    assert claims["claim_id"].tolist() == [f"C{i}" for i in range(1, 13)] + [
        "C17",
        "C17-levels",
        "sanity-lr",
        "C13",
        "C13-cifar100",
        "C14",
        "C15a",
        "C15b",
        "C16",
    ]
    assert (claims["paper"] == "imbalanced").all() and (claims["scale"] == "small").all()
    rows = claims.set_index("claim_id")
    checks = pd.read_csv(results / "checks.csv")
    for n in range(1, 11):  # a theorem row's verdict and value follow from its check rows
        judged = checks[checks["check"].str.startswith(f"C{n}:") & ~checks["check"].str.endswith(":info")]
        assert len(judged), f"no judged checks for C{n}"
        assert rows.loc[f"C{n}", "verdict"] == ("supported" if judged["passed"].all() else "not_supported")
        assert rows.loc[f"C{n}", "n_seeds"] == ""  # not judged over seeds
    c1 = checks[checks["check"].str.startswith("C1:")]["value"]
    assert float(rows.loc["C1", "value"]) == pytest.approx(c1.max(), rel=1e-3)
    c9 = checks.set_index("check")["value"]
    assert rows.loc["C9", "value"] == (
        f"{c9['C9:population_whole_run_max|dalpha|/r:le']:.4g}; "
        f"{c9['C9:finite_sample_random_init_whole_run_max|dalpha|/r:le']:.4g}"
    )
    # the empirical rows are judged over seeds: 3 linear-CE seeds; one Colored-MNIST seed < min_seeds
    assert int(rows.loc["C11", "n_seeds"]) == 3
    assert float(rows.loc["C11", "ci_low"]) <= float(rows.loc["C11", "value"]) <= float(rows.loc["C11", "ci_high"])
    for c in ("C12", "C17"):
        assert rows.loc[c, "verdict"] == "inconclusive" and "fewer than the 3" in rows.loc[c, "evidence"]
    assert (
        rows.loc["C17-levels", "verdict"] == "inconclusive" and "fewer than the 3" in rows.loc["C17-levels", "reason"]
    )
    assert (rows.loc[["C13", "C14", "C15a", "C15b", "C16"], "verdict"] == "not_run").all()
    sel = pd.read_csv(results / "lr_selection.csv")
    edges = (sel["edge"] != "interior") & (sel["edge"] != "not tuned")
    assert int(rows.loc["sanity-lr", "value"]) == edges.sum()
    assert rows.loc["sanity-lr", "verdict"] == ("supported" if not edges.any() else "not_supported")


@pytest.mark.parametrize("pending", [[], ["cmnist"]])
def test_figure_notebook_runs(results, tmp_path, pending):
    """Every figure is drawn, also when Colored-MNIST was left out of the run (config pending: no cmnist curves)."""
    papermill = pytest.importorskip("papermill")
    import jupytext

    nb = jupytext.read(ROOT / "workflow" / "notebooks" / "imbalanced_figures.py")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    inputs = {
        k: str(results / f)
        for k, f in (
            ("checks", "checks.csv"),
            ("depth", "depth.csv"),
            ("paths", "paths.parquet"),
            ("sweep", "sweep.parquet"),
            ("curves", "curves.parquet"),
            ("selection", "lr_selection.csv"),
        )
    }
    if pending:
        curves = pd.read_parquet(inputs["curves"])
        inputs["curves"] = str(tmp_path / "curves.parquet")
        curves[~curves["experiment"].str.startswith("cmnist")].to_parquet(inputs["curves"])
    outputs = {n: str(tmp_path / f"{n}.png") for n in FIGURES}
    params = {
        "inputs": inputs,
        "outputs": outputs,
        "scale": "small",
        "theory": I["theory"],
        "linear_ce": {k: v for k, v in I["linear_ce"].items() if k != "lr_grid"},
        "cmnist": {k: I["cmnist"][k] for k in ("correlation", "depths", "batch_size")},
        "cmnist_sizes": SIZES["cmnist"],
        "claims": I["claims"],
        "pending": pending,
    }
    papermill.execute_notebook(
        nb, str(tmp_path / "out.ipynb"), parameters=params, kernel_name="python3", progress_bar=False
    )
    for n in FIGURES:
        width, _ = plotting.png_size(tmp_path / f"{n}.png")
        assert width <= plotting.MAX_WIDTH_PX, f"{n}.png is {width} px wide: illegible in the report"


def test_a_linear_ce_choice_at_the_grid_edge_trains_past_it_for_every_seed(tmp_path, monkeypatch):
    """A choice always at the largest lr (the choice is replaced here, the training is real): the grid grows upward
    (x3 a step) until the extensions run out, 2 for each claim metric's choice (balanced, worst class); every seed
    trains the same lrs, and the selection table says so."""
    monkeypatch.setattr(linear_ce, "linear_ce_choice", lambda df, rule, group: {"lr": df["lr"].max()})
    cfg = {**I["linear_ce"], "lr_grid": {"gd": [1.0e-3, 3.0e-3]}}
    paths = NS(curves=[tmp_path / f"s{s}.parquet" for s in (0, 1)], meta=[tmp_path / f"s{s}.json" for s in (0, 1)])
    params = NS(cfg=cfg, sizes=SIZES["linear_ce"], seeds=[0, 1], max_extensions=2)
    linear_ce.linear_ce_job(NS(params=params, output=paths, threads=torch.get_num_threads()))
    grid = [1e-3, 3e-3, 9e-3, 2.7e-2, 8.1e-2, 0.243]
    for p in paths.curves:
        assert sorted(pd.read_parquet(p)["lr"].unique()) == pytest.approx(grid)
    assert json.loads(paths.meta[1].read_text())["config"]["lrs_trained"]["gd"] == pytest.approx(grid)
    _, sel = merge_curves(pd.DataFrame(columns=CURVE_COLUMNS), [pd.read_parquet(p) for p in paths.curves], [], 0.25, 2)
    assert (sel["grid"] == "0.001; 0.003; 0.009; 0.027; 0.081; 0.243").all()
    assert list(sel["edge"]) == [edge_status(grid, lr, 2) for lr in sel["lr"]]

"""Rerun only what changed: after one complete tiny run, each change plans exactly the jobs it must.

The run uses a copy of the workflow and of the package sources (PYTHONPATH points at the copy), so
that tests can edit a notebook or a package module without touching the checkout; every edit is
undone before the next test. Expected job sets are exact: (rule, wildcards) pairs. The jobs
downstream of every run (aggregation, figures, ledgers, report) are read from the complete run, so
"one run and everything after it" is spelled once.

Code-change tracking: each energy rule declares the muonrepro sources its script imports as an input
named `code` (workflow/rules/common.smk: package_sources); Snakemake reruns a job whose input changed
(by checksum for small files, so a touched but unchanged file reruns nothing).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
MNIST = (ROOT / ".." / "shared" / "data" / "mnist").resolve()
START = {"data_mnist", "energy_theory"}  # jobs that no training run feeds
OPTS = ("sgd", "adamw", "muon")

pytestmark = [pytest.mark.workflow, pytest.mark.skipif(not MNIST.exists(), reason=f"real MNIST not found at {MNIST}")]

JOB = re.compile(r"^\s*(?:local)?rule (\w+):\n((?:[ \t]+\S.*\n)*)", re.M)


def jobs(out: str) -> set[tuple[str, str]]:
    """(rule, wildcards) of every job block Snakemake printed (planned in a dry run, or run)."""
    found = set()
    for m in JOB.finditer(out):
        wc = re.search(r"^\s+wildcards: (.*)$", m[2], re.M)
        found.add((m[1], wc[1] if wc else ""))
    return found


class Sandbox:
    def __init__(self, base: Path):
        self.repo, self.wd = base / "repo", base / "wd"
        ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", ".snakemake", "*.egg-info")
        self.repo.mkdir()
        for name in ("Snakefile", "config.yaml"):
            shutil.copy2(ROOT / name, self.repo / name)
        for name in ("workflow", "profiles", "envs"):
            if (ROOT / name).exists():
                shutil.copytree(ROOT / name, self.repo / name, ignore=ignore)
        shutil.copytree(ROOT / "src" / "muonrepro", self.repo / "src" / "muonrepro", ignore=ignore)
        self.wd.mkdir()
        tiny = yaml.safe_load((ROOT / "tests" / "config" / "tiny.yaml").read_text())
        tiny["papers"] = ["energy"]
        self.mnist = base / "mnist"  # a copy, so that a test may touch the raw files
        shutil.copytree(MNIST / "raw", self.mnist / "raw")
        tiny["data"] = {"mnist_root": str(self.mnist), "download": False}
        tiny["energy"]["depths"] = [1]
        self.tiny = tiny
        self.cfg = self.wd / "tiny.yaml"
        self.cfg.write_text(yaml.safe_dump(tiny))
        self.env = {**os.environ, "PYTHONPATH": str(self.repo / "src"), "PYTHONUNBUFFERED": "1"}

    def smk(self, *args, config=None, check=True) -> str:
        cfg = self.cfg
        if config is not None:
            cfg = self.wd / "changed.yaml"
            cfg.write_text(yaml.safe_dump(config))
        cmd = [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(self.repo / "Snakefile"),
            "--directory",
            str(self.wd),
            "--cores",
            "2",
            "--configfile",
            str(cfg),
            *args,
        ]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=self.env)
        if check and res.returncode != 0:
            raise AssertionError(f"snakemake failed ({res.returncode}):\n{res.stdout[-5000:]}\n{res.stderr[-3000:]}")
        return res.stdout + res.stderr

    def plan(self, config=None) -> set[tuple[str, str]]:
        return jobs(self.smk("-n", config=config))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = Sandbox(tmp_path_factory.mktemp("rerun"))
    out = box.smk()
    box.all = jobs(out)  # every job of the complete run
    assert {r for r, _ in box.all} >= START | {"energy_train", "energy_extract", "energy_claims", "all"}, box.all
    box.tail = {j for j in box.all if j[0] not in START and "opt=" not in j[1]}
    # the code inputs are the sandbox's copy of the package (relative to the working directory)
    assert "../repo/src/muonrepro/training/loop.py" in out
    return box


def per_run(box, rules, opts=OPTS):
    """The jobs of the given rules for the given optimizers' runs, as in the complete run."""
    return {j for j in box.all if j[0] in rules and any(f"opt={o}," in j[1] + "," for o in opts)}


class edited:
    """Append a line to a file for the duration of a with-block, then restore its bytes."""

    def __init__(self, path: Path, line: str):
        self.path, self.line = path, line

    def __enter__(self):
        self.orig = self.path.read_bytes()
        self.path.write_bytes(self.orig + self.line.encode() + b"\n")

    def __exit__(self, *exc):
        self.path.write_bytes(self.orig)


def test_complete_run_plans_nothing_even_with_touched_sources(sandbox):
    assert {r for r, _ in sandbox.all} >= {"energy_select_lr", "energy_train", "energy_extract"}
    # a newer mtime without a content change (a git checkout, an editor save) reruns nothing:
    # Snakemake compares the recorded checksums of small inputs
    for f in (sandbox.repo / "src" / "muonrepro").rglob("*.py"):
        os.utime(f)
    assert sandbox.plan() == set()


def test_touched_or_recopied_raw_mnist_reruns_nothing(sandbox):
    # a restored or re-copied dataset has newer mtimes; data_mnist accepts only the canonical bytes, so
    # nothing downstream can change (a paper-scale run resumed on a fresh copy must not start over)
    raw = sandbox.mnist / "raw"
    for f in raw.iterdir():
        shutil.copyfile(f, f.with_name(f.name + ".new"))
        os.replace(f.with_name(f.name + ".new"), f)
    assert sandbox.plan() == set()


def test_plotting_change_reruns_only_the_figure_and_the_report(sandbox):
    nb = sandbox.repo / "workflow" / "notebooks" / "energy_figures.py"
    with edited(nb, "# %% [markdown]\n# a plotting-only change"):
        planned = sandbox.plan()
    report = {j for j in sandbox.all if j[0] in {"ledger_report", "all"}}
    assert planned == {("energy_figures", "")} | report


def test_plotting_setting_change_reruns_only_the_figures_and_the_report(sandbox):
    # figures.dpi is a plotting-only setting: a notebook parameter of every figure rule, of nothing else
    dpi = yaml.safe_load((sandbox.repo / "config.yaml").read_text())["figures"]["dpi"]
    changed = yaml.safe_load(sandbox.cfg.read_text())
    changed["figures"] = {"dpi": dpi * 2}
    report = {j for j in sandbox.all if j[0] in {"ledger_report", "all"}}
    assert sandbox.plan(changed) == {("energy_figures", ""), ("energy_sensitivity_figures", "")} | report


def test_one_optimizers_lr_reruns_only_its_runs_and_what_follows(sandbox):
    changed = yaml.safe_load(sandbox.cfg.read_text())
    changed["energy"]["optimizers"] = {"adamw": {"lr": 0.002}}
    # the sensitivity arrays (energy_extract's temporary output) are gone: the group's (architecture x seed)
    # other runs are re-extracted so that the common mode set can be recomputed
    assert (
        sandbox.plan(changed)
        == per_run(sandbox, {"energy_select_lr", "energy_train"}, ["adamw"])
        | per_run(sandbox, {"energy_extract"})
        | sandbox.tail
    )
    assert per_run(sandbox, {"energy_train"}, ["adamw"]) == {("energy_train", "arch=mlp1, opt=adamw, seed=0")}


@pytest.mark.parametrize(
    "module, rules, singles",
    [
        (
            "training/loop.py",
            {"energy_select_lr", "energy_train", "energy_extract"},
            set(),
        ),
        ("energy/estimator/per_mode.py", {"energy_extract"}, set()),
        # the Gini is taken after the per-run passes (aggregate, sensitivity units: the tail), but the units
        # need the group's temporary sensitivity arrays (energy_extract's) again; the theory checks compute
        # Gini test vectors too
        ("energy/estimator/gini.py", {"energy_extract"}, {"energy_theory"}),
    ],
)
def test_package_source_change_reruns_the_rules_that_import_it(sandbox, module, rules, singles):
    with edited(sandbox.repo / "src" / "muonrepro" / module, "# changed"):
        planned = sandbox.plan()
    assert planned == per_run(sandbox, rules) | {j for j in sandbox.all if j[0] in singles} | sandbox.tail


def test_replaced_mnist_reruns_everything_downstream(sandbox):
    mnist = sandbox.wd / "results" / "data" / "mnist.pt"
    st = mnist.stat()
    tmp = mnist.with_name("mnist.pt.new")
    shutil.copyfile(mnist, tmp)
    os.replace(tmp, mnist)  # a new file (same bytes, newer mtime)
    try:
        planned = sandbox.plan()
    finally:
        os.utime(mnist, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert planned == {j for j in sandbox.all if j[0] not in START}


def test_diverging_lr_reruns_one_optimizer_and_is_recorded_as_diverged(sandbox):
    """Runs the change (last test of the module: it alters the run). SGD with lr=1e6 reaches a
    non-finite loss within 5 steps: only SGD's jobs and what follows rerun, training stops at the next
    evaluation (the loop's one divergence rule) and the run is recorded as diverged in its metadata, in accuracy.csv and in the ledger, and the rest of the
    pipeline completes (tests/integration/faults has the unit-level checks; the workflow-level one is here, to
    reuse this module's completed run)."""
    changed = yaml.safe_load(sandbox.cfg.read_text())
    changed["energy"]["optimizers"] = {"sgd": {"lr": 1.0e6}}
    out = sandbox.smk(config=changed)
    assert (
        jobs(out)
        == per_run(sandbox, {"energy_select_lr", "energy_train"}, ["sgd"])
        | per_run(sandbox, {"energy_extract"})
        | sandbox.tail
    )
    r = sandbox.wd / "results" / "small"  # the tiny config's scale (the default)
    meta = json.loads((r / "energy" / "runs" / "mlp1_sgd_s0" / "meta.json").read_text())
    per_epoch = math.ceil(meta["config"]["n_train"] / meta["config"]["batch_size"])
    # detected at the first evaluation after the blow-up (the end of epoch 1), where training stopped
    assert meta["diverged"] is True and meta["steps"] == meta["diverged_step"] == per_epoch
    acc = pd.read_csv(r / "energy" / "accuracy.csv")
    assert acc.loc[acc["optimizer"] == "sgd", "diverged"].all()
    assert not acc.loc[acc["optimizer"] != "sgd", "diverged"].any()
    claims = pd.read_csv(r / "claims.csv").set_index("claim_id")
    assert claims.loc["sanity-acc", "verdict"] == "not_supported"
    assert "diverged runs: mlp1/sgd/s0" in claims.loc["sanity-acc", "evidence"]
    gini = pd.read_csv(r / "energy" / "gini.csv")
    assert gini.loc[gini["optimizer"] == "sgd", "diverged"].all()
    assert (r / "figures" / "energy" / "gini.png").exists()

"""The real workflow, run by Snakemake on a tiny config (real MNIST, narrow MLPs, one epoch).

Checks every contract file and claim row, that a no-change rerun plans no job, that changing an
extraction parameter reruns extraction but not training, and that a bad config fails at parse time.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from muonrepro.energy.theory.checks import COUNTEREXAMPLE_CHECK, INEQUALITY_CHECKS

ROOT = Path(__file__).resolve().parents[3]
MNIST = (ROOT / ".." / "shared" / "data" / "mnist").resolve()
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile")]

pytestmark = [pytest.mark.workflow, pytest.mark.skipif(not MNIST.exists(), reason=f"real MNIST not found at {MNIST}")]


def smk(workdir, *args, configfiles=(), check=True):
    cmd = SNAKEMAKE + ["--directory", str(workdir), "--cores", "2"]
    if configfiles:
        cmd += ["--configfile", *map(str, configfiles)]
    res = subprocess.run(
        cmd + list(args), capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    if check and res.returncode != 0:
        raise AssertionError(f"snakemake failed ({res.returncode}):\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}")
    return res


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    wd = tmp_path_factory.mktemp("wf")
    tiny = yaml.safe_load((ROOT / "tests" / "config" / "tiny.yaml").read_text())
    tiny["data"] = {"mnist_root": str(MNIST)}
    tiny["papers"] = ["energy"]
    cfg = wd / "tiny.yaml"
    cfg.write_text(yaml.safe_dump(tiny))
    smk(wd, configfiles=[cfg])
    return wd, cfg


ENERGY_FIGURES = [
    "theory_checks",
    "gini",
    "cumulative_energy",
    "energy_trajectory",
    "per_mode_heatmap",
    "curvature_deciles",
    "offdiag",
    "training_curves",
    "reading_robustness",
]


def test_contract_files(run):
    wd, _ = run
    r = wd / "results"
    gini = pd.read_csv(r / "energy" / "gini.csv")
    assert {"arch", "optimizer", "seed", "matrix", "mode_set", "n_modes", "gini", "per_mode_energy"} <= set(
        gini.columns
    )
    assert len(gini) == 3 * (1 + 2) * 3  # optimizers x matrices of mlp1 + mlp2 x mode sets
    assert gini["gini"].between(0, 1).all() and (gini["n_modes"] > 0).all()
    common = gini[gini["mode_set"] == "common"].groupby(["arch", "matrix"])["n_modes"].nunique()
    assert (common == 1).all()  # like for like: the same modes for every optimizer
    energy = pd.read_csv(r / "energy" / "energy.csv")
    assert {"direct_preact", "direct_logits", "per_mode_sum"} <= set(energy.columns) and len(energy) == 6
    off = pd.read_csv(r / "energy" / "offdiag.csv")
    assert off["offdiag"].between(0, 1).all() and (off["offdiag"] <= off["baseline"] + 0.1).all()
    acc = pd.read_csv(r / "energy" / "accuracy.csv")
    assert {"arch", "optimizer", "seed", "lr", "epoch", "test_acc"} <= set(acc.columns)
    assert (acc["test_acc"] > 0.5).all()  # a bug would give ~0.1 (chance)
    theory = pd.read_csv(r / "energy" / "theory_checks.csv")
    assert list(theory.columns) == ["check", "value", "reference", "tolerance", "passed"]
    pm = pd.read_parquet(r / "energy" / "per_mode" / "mlp2_muon_s0.parquet")
    assert {"matrix", "i", "j", "lambda", "mu", "energy", "retained", "retained_any"} <= set(pm.columns)
    assert len(pm) == 32 * 784 + 32 * 32
    for name in ENERGY_FIGURES:
        png = r / "figures" / "energy" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = json.loads((r / "energy" / "runs" / "mlp1_sgd_s0" / "meta.json").read_text())
    assert meta["seed"] == 0 and meta["versions"]["torch"] and meta["diverged"] is False
    steps = meta["config"]["log_steps"]
    assert steps[0] == 0 and steps[-1] == meta["steps"] and len(steps) == 8  # tiny config: n_snapshots 8
    summary = json.loads((r / "energy" / "extract" / "mlp1_sgd_s0.json").read_text())
    assert summary["log_steps"] == steps and sum(summary["log_weights"]) == meta["steps"]


def test_claims_ledger(run):
    wd, _ = run
    claims = pd.read_csv(wd / "results" / "claims.csv")
    assert {"paper", "claim_id", "kind", "value", "n_seeds", "ci_low", "ci_high", "criterion", "verdict"} <= set(
        claims.columns
    )
    energy = claims[claims["paper"] == "energy"].set_index("claim_id")
    empirical = ["C6a", "C6b", "C6c", "C5-runs"]
    assert set(energy.index) == {"C3", "C4", "C5", "sanity-acc", *empirical, *(f"{c}-sensitivity" for c in empirical)}
    assert set(energy["verdict"]) <= {"supported", "not_supported", "inconclusive", "not_run"}
    assert (energy.loc[empirical, "kind"] == "empirical").all()
    # one seed in the tiny config, three needed: every empirical row is inconclusive, whatever its effect
    assert (energy.loc[empirical, "verdict"] == "inconclusive").all()
    assert (energy.loc[empirical, "n_seeds"].astype(float) == 1).all()
    assert (
        "of 2 architectures" in energy.loc["C6b", "metric"] or "over the 2 architectures" in energy.loc["C6b", "metric"]
    )
    # the theory rows: the computed values of the float64 checks, not a fixed verdict
    theory = pd.read_csv(wd / "results" / "energy" / "theory_checks.csv").set_index("check")
    equal = theory[~theory.index.isin([*INEQUALITY_CHECKS, COUNTEREXAMPLE_CHECK])]
    gap = (equal["value"] - equal["reference"]).abs() / equal["reference"].abs().clip(lower=1.0)
    assert (gap <= equal["tolerance"]).all()
    two_l = theory.loc["output_metric_estimator_sum_vs_twice_loss"]
    d2 = theory.loc["output_metric_mean_delta_sq_vs_mode_formula", "value"]
    assert two_l["value"] == pytest.approx(two_l["reference"], rel=1e-10) and abs(d2 / two_l["reference"] - 1) > 0.1
    assert f"{two_l['reference']:.6g}" in energy.loc["C3", "evidence"]
    for cid, n in (("C3", 25), ("C4", 11), ("C5", 5)):
        passed, total = map(int, energy.loc[cid, "value"].split("/"))
        assert total == n and (passed == total) == (energy.loc[cid, "verdict"] == "supported")


def test_no_change_rerun_plans_nothing(run):
    wd, cfg = run
    out = smk(wd, "-n", configfiles=[cfg]).stdout
    assert "Nothing to be done" in out


def test_param_change_reruns_extraction_not_training(run, tmp_path):
    wd, cfg = run
    changed = yaml.safe_load(cfg.read_text())
    changed["energy"]["estimator"] = {"rel_threshold": 1e-6}
    cfg2 = tmp_path / "changed.yaml"
    cfg2.write_text(yaml.safe_dump(changed))
    out = smk(wd, "-n", configfiles=[cfg2]).stdout
    assert "energy_extract" in out and "energy_train" not in out and "energy_select_lr" not in out


def test_bad_config_key_fails_at_parse_time(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("energy:\n  widht: 12\n")
    res = smk(tmp_path, "-n", configfiles=[bad], check=False)
    assert res.returncode != 0 and "widht" in res.stdout + res.stderr


def test_lint_is_clean(tmp_path):
    res = smk(ROOT, "--lint", check=False)
    assert res.returncode == 0, res.stdout + res.stderr


def _chrome():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    for exe in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not Path(exe).exists():
            pytest.skip(f"{exe} missing: apt-get install chromium chromium-driver (.ci/run does this as root)")
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
    ):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_window_size(1400, 1000)
    return driver


def test_html_report_in_a_real_browser(run):
    """snakemake --report renders in headless Chromium: the ledger page names each paper, and every
    figure of the report decodes as an image (no broken image). Saves a screenshot artifact."""
    wd, cfg = run
    smk(wd, "--report", "report.html", configfiles=[cfg])
    summary = (wd / "results" / "REPRODUCTION.md").read_text()
    assert "## energy:" in summary and "| energy |" in summary
    driver = _chrome()
    try:
        driver.get((wd / "report.html").as_uri())
        driver.implicitly_wait(5)
        # the rendered DOM's text (element.text would drop the part of the scrolled panel off screen)
        body = driver.execute_script("return document.body.textContent")
        assert "Claims ledger" in body and "energy: Spectral Equalization" in body
        for cid in ("C3", "C6a", "C6b", "C6c", "C5-runs", "sanity-acc"):
            assert cid in body
        figures = driver.execute_script("return Object.keys(results).filter(k => results[k].mime_type == 'image/png')")
        assert sorted(Path(f).stem for f in figures) == sorted(ENERGY_FIGURES)
        sizes = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const keys = Object.keys(results).filter(k => results[k].mime_type == 'image/png');
            Promise.all(keys.map(k => new Promise(res => {
                const img = new Image();
                img.onload = () => res([k, img.naturalWidth, img.naturalHeight]);
                img.onerror = () => res([k, 0, 0]);
                img.src = results[k].data_uri;
            }))).then(done);
        """)
        broken = [k for k, w, h in sizes if w == 0 or h == 0]
        assert not broken, f"broken images in the report: {broken}"
        # open the energy category as a reader would, and keep a screenshot
        driver.execute_script("app.showCategory('Energy paper')")
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        driver.save_screenshot(str(artifacts / "report.png"))
    finally:
        driver.quit()

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


def test_contract_files(run):
    wd, _ = run
    r = wd / "results"
    gini = pd.read_csv(r / "energy" / "gini.csv")
    assert {"arch", "optimizer", "seed", "matrix", "n_modes", "gini", "cumulative_energy", "direct_energy"} <= set(
        gini.columns
    )
    assert len(gini) == 3 * (1 + 2)  # optimizers x matrices of mlp1 + mlp2
    assert gini["gini"].between(0, 1).all() and (gini["n_modes"] > 0).all()
    acc = pd.read_csv(r / "energy" / "accuracy.csv")
    assert {"arch", "optimizer", "seed", "lr", "epoch", "test_acc"} <= set(acc.columns)
    assert (acc["test_acc"] > 0.5).all()  # a bug would give ~0.1 (chance)
    theory = pd.read_csv(r / "energy" / "theory_checks.csv")
    assert list(theory.columns) == ["check", "value", "reference", "tolerance", "passed"]
    pm = pd.read_parquet(r / "energy" / "per_mode" / "mlp2_muon_s0.parquet")
    assert {"matrix", "i", "j", "lambda", "mu", "energy"} <= set(pm.columns)
    assert len(pm) == 32 * 784 + 32 * 32
    for name in ["gini", "cumulative_energy", "per_mode_heatmap", "curvature_deciles", "training_curves"]:
        png = r / "figures" / "energy" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = json.loads((r / "energy" / "runs" / "mlp1_sgd_s0" / "meta.json").read_text())
    assert meta["seed"] == 0 and meta["versions"]["torch"] and meta["diverged"] is False


def test_claims_ledger(run):
    wd, _ = run
    claims = pd.read_csv(wd / "results" / "claims.csv")
    assert list(claims.columns) == [
        "paper",
        "claim_id",
        "kind",
        "claim",
        "metric",
        "value",
        "criterion",
        "verdict",
        "scale",
        "figures",
        "evidence",
    ]
    energy = claims[claims["paper"] == "energy"].set_index("claim_id")
    assert set(energy.index) == {
        "C3",
        "C4",
        "C5",
        "C6a",
        "C6b",
        "C6c",
        "sanity-acc",
        "C6a-sensitivity",
        "C6b-sensitivity",
        "C6c-sensitivity",
    }
    assert set(energy["verdict"]) <= {"supported", "not_supported", "not_run"}
    assert energy.loc["C6b", "value"].endswith("/2")  # two architectures in the tiny config
    # the theory rows are exact identities: they must hold whatever the empirical rows say
    assert (energy.loc[["C3", "C4", "C5"], "verdict"] == "supported").all()


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
        for cid in ("C3", "C6a", "C6b", "C6c", "sanity-acc"):
            assert cid in body
        figures = driver.execute_script("return Object.keys(results).filter(k => results[k].mime_type == 'image/png')")
        assert sorted(Path(f).stem for f in figures) == sorted(
            [
                "theory_checks",
                "gini",
                "cumulative_energy",
                "per_mode_heatmap",
                "curvature_deciles",
                "training_curves",
                "sensitivity_heatmap",
            ]
        )
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

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

from muonrepro import plotting
from muonrepro.energy.theory.checks import COUNTEREXAMPLE_CHECK, INEQUALITY_CHECKS
from muonrepro.ledger import COLUMNS

ROOT = Path(__file__).resolve().parents[3]
OUT = "results/small"  # the tiny config's scale is the default one; its outputs are under results/<scale>/
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
    r = wd / OUT
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
        width, _ = plotting.png_size(png)
        assert width <= plotting.MAX_WIDTH_PX, f"{name}.png is {width} px wide: illegible in the report"
    meta = json.loads((r / "energy" / "runs" / "mlp1_sgd_s0" / "meta.json").read_text())
    assert meta["seed"] == 0 and meta["versions"]["torch"] and meta["diverged"] is False
    steps = meta["config"]["log_steps"]
    assert steps[0] == 0 and steps[-1] == meta["steps"] and len(steps) == 8  # tiny config: n_snapshots 8
    summary = json.loads((r / "energy" / "extract" / "mlp1_sgd_s0.json").read_text())
    assert summary["log_steps"] == steps and sum(summary["log_weights"]) == meta["steps"]


def test_claims_ledger(run):
    wd, _ = run
    claims = pd.read_csv(wd / OUT / "claims.csv")
    assert list(claims.columns) == COLUMNS
    energy = claims[claims["paper"] == "energy"].set_index("claim_id")
    empirical = ["C6a", "C6b", "C6c", "C5-runs"]
    assert set(energy.index) == {
        "C3",
        "C4",
        "C5",
        "sanity-acc",
        "sanity-lr",
        "instrument-kfac",
        *empirical,
        *(f"{c}-sensitivity" for c in empirical),
    }
    assert energy.loc["instrument-kfac", "kind"] == "instrument"
    if energy.loc["instrument-kfac", "verdict"] != "supported":  # the rows resting on the estimator cannot be read
        assert (energy.loc[["C6a", "C6c"], "verdict"] == "inconclusive").all()
        assert energy.loc["C6a", "reason"].startswith("instrument check failed")
    assert set(energy["verdict"]) <= {"supported", "not_supported", "inconclusive", "not_run"}
    assert (energy.loc[["C6a", "C6b", "C6c"], "kind"] == "empirical").all()
    assert energy.loc["C5-runs", "kind"] == "extension"  # our question, not the paper's C5
    assert energy.loc["sanity-lr", "verdict"] == "not_run"  # the tiny config tunes no lr
    # every row that is not supported says why, in one sentence; a supported row does not
    assert (claims["reason"].fillna("").str.strip().ne("") == claims["verdict"].ne("supported")).all()
    # one seed in the tiny config (stats.min_seeds 1): a row judged by its t-interval is inconclusive (an interval
    # needs 2 seeds); an every_seed row gets the verdict of its one effect
    assert (energy.loc[["C6c", "C5-runs"], "verdict"] == "inconclusive").all()
    assert energy.loc["C5-runs", "reason"] == "1 usable seed: a t-interval needs at least 2"
    assert (energy.loc[empirical, "n_seeds"].astype(float) == 1).all()
    assert (
        "of 2 architectures" in energy.loc["C6b", "metric"] or "over the 2 architectures" in energy.loc["C6b", "metric"]
    )
    # the theory rows: the computed values of the float64 checks, not a fixed verdict
    theory = pd.read_csv(wd / OUT / "energy" / "theory_checks.csv").set_index("check")
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


def test_figure_links_resolve_from_the_pages(run):
    """Every figure the ledger names exists under the scale's output root, and every figure link in
    REPRODUCTION.md and report/index.html points, from where that file lives, to an existing file."""
    import re

    wd, _ = run
    root = wd / OUT
    figures = pd.read_csv(root / "claims.csv", keep_default_na=False)["figures"]
    named = {f for cell in figures for f in cell.split("; ") if f}
    assert named and all(not f.startswith("results/") and (root / f).is_file() for f in named), named
    md = root / "REPRODUCTION.md"
    html = root / "report" / "index.html"
    links = {
        md: re.findall(r"\]\(([^)]+\.png)\)", md.read_text()),
        html: re.findall(r'<img src="([^"]+)"', html.read_text()),
    }
    for page, hrefs in links.items():
        assert {Path(h).name for h in hrefs} == {Path(f).name for f in named}, (page, hrefs)
        for h in hrefs:
            assert not Path(h).is_absolute() and (page.parent / h).resolve().is_file(), (page, h)
    assert f"`{OUT}/`" in md.read_text()  # the page says what the ledger's paths are relative to


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


def test_html_report_in_a_real_browser(run, headless_chrome):
    """snakemake --report renders in headless Chromium: the ledger page names each paper, and every
    figure of the report decodes as an image (no broken image). Saves a screenshot artifact."""
    wd, cfg = run
    smk(wd, "--report", "report.html", configfiles=[cfg])
    summary = (wd / OUT / "REPRODUCTION.md").read_text()
    assert "## energy:" in summary and "| energy |" in summary
    driver = headless_chrome()
    driver.set_window_size(1400, 1000)
    try:
        driver.get((wd / "report.html").as_uri())
        driver.implicitly_wait(5)
        # the rendered DOM's text (element.text would drop the part of the scrolled panel off screen)
        body = driver.execute_script("return document.body.textContent")
        assert "Verdicts at a glance" in body and "index.html" in body
        figures = driver.execute_script("return Object.keys(results).filter(k => results[k].mime_type == 'image/png')")
        assert sorted(Path(f).stem for f in figures) == sorted(ENERGY_FIGURES)
        pages = driver.execute_script("return Object.keys(results).filter(k => results[k].mime_type == 'text/html')")
        assert [Path(f).name for f in pages] == ["index.html"]
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


def _boxes(driver):
    """Bounding boxes (page coordinates) of the page's block elements, in document order."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('main > *')).map(e => {
            const r = e.getBoundingClientRect();
            return [e.tagName, e.id || '', r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY];
        });
    """)


def test_standalone_report_page_as_a_reader_sees_it(run, headless_chrome):
    """results/<scale>/report/index.html in headless Chromium, judged by geometry and pixels, not text: at 1400x900
    the verdict summary is visible at the top without scrolling; every figure decodes and lies inside the
    viewport's width; no two blocks overlap; the top of the page is not blank. Screenshots are kept in
    test-artifacts/."""
    import numpy as np
    from PIL import Image

    wd, _ = run
    page = wd / OUT / "report" / "index.html"
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    driver = headless_chrome()
    driver.set_window_size(1400, 1000)
    try:
        for width, height in ((1400, 900), (800, 900)):
            driver.set_window_size(width, height)
            driver.get(page.as_uri())
            driver.execute_async_script("""
                const done = arguments[arguments.length - 1];
                Promise.all(Array.from(document.images).map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })))
                    .then(done);
            """)
            inner = driver.execute_script("return [innerWidth, innerHeight]")
            top = driver.execute_script("""
                const r = document.getElementById('summary').getBoundingClientRect(); return [r.top, r.bottom, r.width];
            """)
            assert 0 <= top[0] < inner[1] and top[2] > 0, f"summary not visible at the top at {width}x{height}: {top}"
            images = driver.execute_script("""
                return Array.from(document.images).map(i => {
                    const r = i.getBoundingClientRect();
                    return [i.getAttribute('src'), i.naturalWidth, i.naturalHeight, r.left, r.right];
                });
            """)
            assert len(images) >= 6
            for src, nw, nh, left, right in images:
                assert nw > 0 and nh > 0, f"{src} does not decode"
                assert 0 <= left and right <= inner[0] + 0.5, (
                    f"{src} sticks out of the {width}-px viewport: {left}-{right}"
                )
            boxes = _boxes(driver)
            for a, b in zip(boxes, boxes[1:]):
                assert a[5] <= b[3] + 0.5, f"{a[:2]} overlaps {b[:2]} at {width}x{height}"
            shot = artifacts / f"report_index_{width}x{height}.png"
            driver.save_screenshot(str(shot))
            pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
            assert pixels[: height // 2].std() > 10, "the top half of the page is blank"
        driver.set_window_size(1400, 900)
        full = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(1400, min(full, 12000))
        driver.save_screenshot(str(artifacts / "report_index_full.png"))
    finally:
        driver.quit()

"""The standalone report page (``report/index.html``) as a reader sees it, in headless Chromium, rendered from a real
ledger of the pipeline (``data/claims_small.csv``: a default run at scale small) with placeholder figures of the
real figures' sizes. At 1400x900, 1000x900 (the narrowest table layout) and 420x900 (stacked cards), with every
expandable row closed and then open: no horizontal scrolling, no table, image or block wider than the viewport, no
table cell holding text narrower than a readable minimum or clipping it, no word cut by a line break, no text in tables
and captions below a readable size; the verdict summary on the first screen; every in-page link (table of contents,
summary, captions, rows) has its target; every row's metric, value, reason and evidence on the page; each figure once,
decoded, linked to itself at full size, with a caption naming its rows; the seeds in words. Full-page screenshots go to
test-artifacts/."""

import base64
from pathlib import Path

import pytest

from muonrepro.ledger import figure_list, read_claims
from muonrepro.ledger.html import to_html
from muonrepro.ledger.report import check_evidence, figure_href, fmt_number

ROOT = Path(__file__).resolve().parents[2]
LEDGER = Path(__file__).parent / "data" / "claims_small.csv"
ARTIFACTS = ROOT / "test-artifacts"
MIN_CELL_PX = 40  # a table cell holding text is at least this wide
MIN_FONT_PX = 11  # text in tables and captions is at least this large
# the figures' pixel sizes in a default run at scale small (dpi 130; fig6_depth made taller); others: DEFAULT_SIZE
SIZES = {
    "cumulative_energy": (1835, 560),
    "curvature_deciles": (2522, 719),
    "gini": (1315, 560),
    "offdiag": (1405, 773),
    "reading_robustness": (1456, 2359),
    "theory_checks": (1185, 1735),
    "training_curves": (1378, 429),
    "cmnist_groups": (1835, 1080),
    "depth": (1575, 586),
    "dm_accuracy": (1705, 586),
    "e2_cifar_step": (1055, 223),
    "e3_dominoes": (1055, 172),
    "e4_multinli": (1055, 223),
    "e5_celeba": (1055, 206),
    "e6_tinystories": (1055, 189),
    "fig2_trajectories": (2485, 534),
    "fig4_linear_ce": (1835, 612),
    "fig6_depth": (2810, 900),
    "loss_gaps": (2226, 612),
    "R1_mf_convergence": (1911, 502),
    "R2_mf_iterations": (743, 641),
    "R3_mf_modes": (1315, 571),
    "R4_icl_convergence": (1911, 502),
    "R5_icl_iterations": (743, 658),
    "R6_icl_modes": (1312, 554),
    "R7_step_rules": (1575, 554),
    "R8_orthogonalizer": (1976, 502),
    "R8b_adam_rotation": (1120, 623),
    "X1_extensions": (1380, 528),
}
DEFAULT_SIZE = (1380, 528)
# as the ledger_report rule passes them (config seeds per paper; imbalanced per experiment family)
SEEDS = {
    "energy": [0, 1, 2],
    "precond": [0, 1, 2],
    "imbalanced": {"linear_ce": [0, 1, 2], "cmnist": [0, 1, 2], "gpu": [0, 1, 2]},
}


def _placeholder(path: Path, size: tuple[int, int]) -> None:
    """A figure-like PNG: panels with axes, lines and labels, so that a screenshot shows where figures are."""
    from PIL import Image, ImageDraw

    w, h = size
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    panels = max(1, round(w / h * 0.9))
    pw = w // panels
    for i in range(panels):
        x0, y0, x1, y1 = i * pw + 60, 40, (i + 1) * pw - 20, h - 50
        d.rectangle([x0, y0, x1, y1], outline="black", width=2)
        pts = [(x0 + t * (x1 - x0) / 40, y1 - (y1 - y0) * (1 - 0.9 ** (t * (i + 1) / 2))) for t in range(41)]
        d.line(pts, fill=("#1f77b4", "#d62728", "#2ca02c")[i % 3], width=4)
        d.text((x0 + 10, y0 + 10), f"{path.stem} panel {i + 1}", fill="black", font_size=max(14, h // 30))
    img.save(path)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """results/small/report/index.html written from the real ledger, its figures under results/small/figures/."""
    root = tmp_path_factory.mktemp("report") / "results" / "small"
    claims = read_claims(LEDGER)
    for f in {f for cell in claims["figures"] for f in figure_list(cell)}:
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        _placeholder(root / f, SIZES.get(Path(f).stem, DEFAULT_SIZE))
    check_evidence(claims, root)
    out = root / "report" / "index.html"
    out.parent.mkdir(parents=True)
    env = {
        "scale": "small",
        "root": "results/small/",
        "seeds": SEEDS,
        "devices": ["cpu"],
        "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "versions": {},
        "dirty": "1 of 3 results came from a tree with uncommitted changes to tracked files",  # the longest header
    }
    out.write_text(to_html(claims, env, figure_href(root, out)))
    return out, claims


@pytest.fixture(scope="module")
def driver(headless_chrome):
    d = headless_chrome()
    yield d
    d.quit()


def _open(driver, url: str, width: int, height: int) -> None:
    """The page in a viewport of exactly width x height CSS pixels (a window cannot be made this narrow)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.get(url)
    driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        Promise.all(Array.from(document.images).map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })))
            .then(done);
    """)
    assert driver.execute_script("return [innerWidth, innerHeight]") == [width, height]


LAYOUT = r"""
    const vw = window.innerWidth, out = {};
    out.scrollWidth = document.documentElement.scrollWidth;
    const box = e => e.getBoundingClientRect();
    const shown = e => { const r = box(e); return r.width > 0 && r.height > 0; };
    const name = e => (e.id || e.closest('[id]')?.id || '') + ' ' + e.tagName.toLowerCase() + ' '
        + (e.getAttribute('src') || e.textContent.trim().slice(0, 40));
    out.wide = Array.from(document.querySelectorAll('table, img, figure, pre, dl, details, nav, p, h1, h2, h3'))
        .filter(shown).filter(e => box(e).left < -0.5 || box(e).right > vw + 0.5)
        .map(e => [name(e), Math.round(box(e).left), Math.round(box(e).right)]);
    const cells = Array.from(document.querySelectorAll('td, th')).filter(shown).filter(e => e.textContent.trim());
    out.narrow = cells.filter(e => box(e).width < arguments[0]).map(e => [name(e), Math.round(box(e).width)]);
    out.clipped = cells.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => [name(e), e.scrollWidth, e.clientWidth]);
    out.small = Array.from(document.querySelectorAll('td, th, figcaption, summary, dd, nav li'))
        .filter(shown).filter(e => parseFloat(getComputedStyle(e).fontSize) < arguments[1])
        .map(e => [name(e), getComputedStyle(e).fontSize]);
    // words that a line break cuts in two, like "inconclusi / ve": a run of letters and digits inside a word (letters,
    // digits and hyphens, up to 24, in brackets or before punctuation); a path or identifier (with / _ = . and the
    // like) or a longer word may have to break anywhere in a narrow column
    out.broken = [];
    const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        if (!n.parentElement.checkVisibility()) continue;
        for (const w of n.textContent.matchAll(/\S+/g)) {
            const word = w[0].replace(/^[(\['"]+/, '').replace(/[)\]'".,;:!?]+$/, '');
            if (word.length > 24 || !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(word)) continue;
            for (const m of w[0].matchAll(/[A-Za-z0-9]{2,}/g)) {
                const r = document.createRange();
                r.setStart(n, w.index + m.index);
                r.setEnd(n, w.index + m.index + m[0].length);
                const lines = new Set(Array.from(r.getClientRects()).map(b => Math.round(b.top)));
                if (lines.size > 1) out.broken.push([name(n.parentElement), m[0]]);
            }
        }
    }
    // the page's blocks follow one another: none overlaps the next
    const blocks = Array.from(document.querySelector('main').children).filter(shown).map(e => [name(e), box(e)]);
    out.overlaps = blocks.slice(1).map((b, i) => [blocks[i], b]).filter(([a, b]) => a[1].bottom > b[1].top + 0.5)
        .map(([a, b]) => [a[0], b[0]]);
    out.cellCount = cells.length;
    return out;
"""


@pytest.mark.parametrize("width", [1400, 1000, 420])
def test_report_page_fits_and_reads_at(page, driver, width):
    out, claims = page
    height = 900
    _open(driver, out.as_uri(), width, height)
    # closed and then with every row's metric and evidence open
    for state in ("closed", "open"):
        if state == "open":
            driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        got = driver.execute_script(LAYOUT, MIN_CELL_PX, MIN_FONT_PX)
        where = f"at {width}x{height}, details {state}"
        assert got["scrollWidth"] <= width, f"the page scrolls sideways {where}: {got['scrollWidth']} px wide"
        assert not got["wide"], f"elements stick out of the {width}-px viewport {where}: {got['wide']}"
        assert got["cellCount"] > len(claims), f"too few table cells {where}"
        assert not got["narrow"], f"cells narrower than {MIN_CELL_PX} px {where}: {got['narrow']}"
        assert not got["clipped"], f"cells whose text overflows them {where}: {got['clipped']}"
        assert not got["small"], f"text smaller than {MIN_FONT_PX} px {where}: {got['small']}"
        assert not got["broken"], f"words cut by a line break {where}: {got['broken'][:20]}"
        assert not got["overlaps"], f"blocks overlapping the next {where}: {got['overlaps']}"
    driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = false)")

    # the verdict summary starts on the first screen, below the header and the table of contents
    top = driver.execute_script("return document.getElementById('summary').getBoundingClientRect().top")
    assert 0 <= top < height, f"the verdict summary starts below the first screen at {width}x{height}: {top}"

    # every in-page link has its target; the table of contents names every paper and section
    links = driver.execute_script("return Array.from(document.querySelectorAll('a[href^=\"#\"]')).map(a => a.hash)")
    missing = driver.execute_script(
        "return arguments[0].filter(h => !document.getElementById(decodeURIComponent(h.slice(1))))", links
    )
    assert not missing, f"links to absent ids: {missing}"
    toc = driver.execute_script("return Array.from(document.querySelectorAll('nav#contents a')).map(a => a.hash)")
    papers = list(dict.fromkeys(claims["paper"]))
    assert [h for h in toc if h[1:] in papers] == [f"#{p}" for p in papers]
    assert len(toc) >= 1 + len(papers) + claims.groupby("paper")["kind"].nunique().sum() - 1

    # every row is on the page with its metric and evidence
    ids = driver.execute_script("return Array.from(document.querySelectorAll('tbody.claim')).map(e => e.id)")
    assert sorted(ids) == sorted(f"{r.paper}-{r.claim_id}" for r in claims.itertuples())
    text = driver.execute_script("return document.body.textContent")
    for r in claims.itertuples():
        parts = (r.metric, r.evidence, fmt_number(r.value), r.reason)
        assert all(x in text for x in parts), f"{r.paper}/{r.claim_id}: not all of {parts} is on the page"

    # each figure once, decoded, opening at full size; its caption names its rows
    figures = sorted({f for cell in claims["figures"] for f in figure_list(cell)})
    shown = driver.execute_script("""
        return Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth,
            i.closest('a') ? i.closest('a').getAttribute('href') : null, i.closest('figure').textContent]);
    """)
    assert sorted(Path(src).name for src, *_ in shown) == sorted(Path(f).name for f in figures)
    for src, natural, href, caption in shown:
        assert natural > 0 and href == src, f"{src}: broken or not linked to itself at full size"
        assert "row" in caption and not caption.startswith(Path(src).name), f"{src}: caption {caption!r}"

    # the header in words, no Python dict
    header = driver.execute_script("return Array.from(document.querySelectorAll('p.meta')).map(p => p.textContent)")
    seeds = next(p for p in header if p.startswith("Seeds"))
    assert "{" not in seeds and "[" not in seeds and "n/a" not in seeds, seeds
    assert all(f"{p} 3 seeds (0-2)" in seeds for p in SEEDS) and "Colored-MNIST" in seeds, seeds

    ARTIFACTS.mkdir(exist_ok=True)
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "fromSurface": True}
    )
    (ARTIFACTS / f"report_page_{width}x{height}_full.png").write_bytes(base64.b64decode(shot["data"]))

"""One figure style: every method of every paper has a fixed colour, marker and label; distinct
methods look distinct; figures are written atomically and reproducibly; notebooks style nothing themselves."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
import yaml
from matplotlib.colors import to_hex

from muonrepro import plotting
from muonrepro.energy.estimator.names import retention_name
from muonrepro.imbalanced.theory.dynamics import RULES as THEORY_RULES
from muonrepro.precond.steps import RULES as STEP_RULES

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
NOTEBOOKS = sorted((ROOT / "workflow" / "notebooks").glob("*.py"))


def _config_groups() -> dict[str, list[str]]:
    """The sets of methods that the config puts side by side in one figure."""
    ig = CONFIG["imbalanced_gpu"]
    groups = {
        "energy.optimizers": list(CONFIG["energy"]["optimizers"]),
        "imbalanced.cmnist.optimizers": list(CONFIG["imbalanced"]["cmnist"]["optimizers"]),
        "imbalanced.linear_ce.lr_grid": list(CONFIG["imbalanced"]["linear_ce"]["lr_grid"]),
        "imbalanced_gpu.optimizers": list(ig["optimizers"]),
        **{f"imbalanced_gpu.{e}.optimizers": ig[e]["optimizers"] for e in ig["experiments"]},
        **{f"precond.problems.{p}.methods": v["methods"] for p, v in CONFIG["precond"]["problems"].items()},
    }
    return groups


GROUPS = {
    **_config_groups(),
    "imbalanced theory rules": list(THEORY_RULES),
    "imbalanced flows": ["gf", "specgf", "ngf"],
    "precond step rules": list(STEP_RULES),
    "precond orthogonalizers": ["svd", "ns5", "ns5_momentum"],
}
ALL_NAMES = sorted({n for names in GROUPS.values() for n in names})


@pytest.mark.parametrize("name", ALL_NAMES)
def test_every_method_has_a_colour_marker_and_label(name):
    assert matplotlib.colors.is_color_like(plotting.color(name))
    assert plotting.marker(name) in matplotlib.markers.MarkerStyle.markers
    assert name in plotting.LABELS, f"{name}: add a readable label to muonrepro.plotting.LABELS"


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_methods_shown_together_have_distinct_colours(group):
    names = GROUPS[group]
    colours = [to_hex(plotting.color(n)) for n in names]
    assert len(set(colours)) == len(names), f"{group}: {dict(zip(names, colours))}"


def test_each_method_has_its_own_colour_in_every_paper():
    colours = [to_hex(c) for c in plotting.COLORS.values()]
    assert len(set(colours)) == len(colours)
    assert set(plotting.MARKERS) == set(plotting.COLORS)
    # a name drawn like another names one that exists, and has its own label
    assert all(t in plotting.COLORS and n in plotting.LABELS for n, t in plotting.DRAWN_AS.items())


def test_unknown_method_fails_naming_where_to_add_it():
    with pytest.raises(KeyError, match="lion.*muonrepro.plotting.COLORS"):
        plotting.color("lion")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("muon_s1", "simplified Muon (msgn)"),
        ("specgd", "SpecGD"),
        ("worst_class", "worst class"),
        ("hand_case0", "hand-picked case"),
        ("inside1", "random case 1 (inside conditions)"),
        ("sigma0.5", "sigma_x = 0.5"),
        ("some_new_group", "some new group"),
    ],
)
def test_labels_are_readable(name, expected):
    assert plotting.label(name) == expected


def test_line_style_gives_each_optimizer_its_fixed_colour_and_marker():
    kw = plotting.line_style(["sgd", "muon"])
    assert kw["hue"] == kw["style"] == "optimizer"
    assert kw["hue_order"] == kw["style_order"] == ["sgd", "muon"]
    assert kw["palette"] == {"sgd": plotting.color("sgd"), "muon": plotting.color("muon")}
    assert kw["markers"] == {"sgd": plotting.marker("sgd"), "muon": plotting.marker("muon")}
    assert kw["dashes"] is False


def test_relabel_legend_maps_internal_names():
    fig, ax = plt.subplots()
    for n in ("muon_s1", "gd"):
        ax.plot([0, 1], [0, 1], label=n)
    plotting.relabel_legend(ax.legend(title="optimizer"))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["simplified Muon (msgn)", "GD"]
    plt.close(fig)


def test_shades_stay_in_the_family_and_run_light_to_dark():
    s = plotting.shades("muon", 4)
    assert len(set(s)) == 4 and sum(s[0]) > sum(s[-1])


def _figure(n_points=20):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(range(n_points), [i**2 for i in range(n_points)], color=plotting.color("muon"), label="muon")
    ax.set(xlabel="iteration", ylabel="loss", title="t")
    return fig


class _Broken(matplotlib.artist.Artist):
    def draw(self, renderer):
        raise RuntimeError("drawing failed")


def test_save_leaves_no_file_when_drawing_fails(tmp_path):
    fig = _figure()
    fig.add_artist(_Broken())
    out = tmp_path / "fig.png"
    with pytest.raises(RuntimeError, match="drawing failed"):
        plotting.save(fig, out, 100)
    assert list(tmp_path.iterdir()) == []
    assert not plt.fignum_exists(fig.number)


def test_save_writes_identical_bytes_twice(tmp_path):
    plotting.use_theme()
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    plotting.save(_figure(), a, 80, footer="ours: every setting")
    plotting.save(_figure(), b, 80, footer="ours: every setting")
    assert a.read_bytes() == b.read_bytes()
    assert b"Software" not in a.read_bytes()


def test_every_reading_of_the_config_has_words():
    grid = CONFIG["energy"]["sensitivity"]
    values = {
        "sigma_delta": grid["sigma_delta"],
        "retention": [retention_name("thr", t) for t in grid["thresholds"]]
        + [retention_name("damp", d) for d in grid["damping"]],
        **{k: grid[k] for k in ("mode_set", "mode_identity", "energy", "tail_binning", "bin_stat", "gini_variant")},
    }
    for dim, vals in values.items():
        for v in vals:
            assert "_" not in plotting.reading_label(dim, v), (dim, v)
    assert plotting.reading_label("retention", "thr0.0001") == "mode retention: keep modes >= 1e-04 of the largest"
    with pytest.raises(KeyError, match="READING_VALUES"):
        plotting.reading_label("energy", "new_reading")
    with pytest.raises(KeyError, match="READING_DIMENSIONS"):
        plotting.reading_label("new_dimension", "sum")


def test_png_size_reads_the_header_as_written(tmp_path):
    fig = plt.figure(figsize=(3, 2))
    fig.savefig(tmp_path / "f.png", dpi=50)
    plt.close(fig)
    assert plotting.png_size(tmp_path / "f.png") == (150, 100)
    (tmp_path / "x.png").write_bytes(b"GIF89a" + bytes(20))
    with pytest.raises(ValueError, match="not a PNG"):
        plotting.png_size(tmp_path / "x.png")


def test_panel_grid_keeps_rows_within_the_legible_width():
    fig, axes = plotting.panel_grid(5, ncols=3)
    assert len(axes) == 5 and len(fig.axes) == 5
    assert fig.get_size_inches()[0] * 130 <= plotting.MAX_WIDTH_PX  # the notebooks' dpi
    plt.close(fig)


def test_footer_sits_below_every_axis_label(tmp_path):
    fig = _figure()
    plotting._add_footer(fig, "ours: " + "a long settings note " * 20)
    renderer = fig.canvas.get_renderer()
    footer = fig.texts[-1].get_window_extent(renderer)
    assert all(footer.y1 < ax.get_tightbbox(renderer).y0 for ax in fig.axes)
    plt.close(fig)


def test_save_rejects_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="not supported"):
        plotting.save(_figure(), tmp_path / "fig.jpg", 80)
    assert list(tmp_path.iterdir()) == []


# A notebook takes its whole style from muonrepro.plotting and its preamble and save from muonrepro.notebook: no
# backend, theme, palette, colour literal or save of its own.
FORBIDDEN = {
    "its own backend": re.compile(r"matplotlib\.use\("),
    "its own theme": re.compile(r"\bset_(theme|style|palette|context)\(|rcParams|use_theme\("),
    "its own save": re.compile(r"\bsavefig\(|plotting\.save\(|^def save\(", re.M),
    "its own palette": re.compile(r"color_palette\(|\bcmap\s*=\s*['\"]"),
    "a colour literal": re.compile(
        r"['\"](#[0-9a-fA-F]{3,8}|tab:\w+|C\d|red|blue|green|orange|purple|brown|pink|olive|cyan|magenta|yellow)['\"]"
    ),
}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_takes_its_style_from_plotting_and_its_preamble_from_notebook(notebook):
    text = notebook.read_text()
    found = {what: pattern.findall(text) for what, pattern in FORBIDDEN.items()}
    assert not any(found.values()), f"{notebook.name}: {found}"
    assert re.search(r"^from muonrepro import (\w+, )?notebook\b", text, re.M)
    assert "nb = notebook.preamble(" in text and "nb.save(" in text


def test_notebooks_are_found():
    assert len(NOTEBOOKS) >= 5


def test_panel_grid_wraps_panels_into_rows_and_drops_the_unused_cells():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from muonrepro import plotting

    fig, axes = plotting.panel_grid(5, ncols=3)
    assert len(axes) == 5 and len(fig.axes) == 5  # 2 rows of 3, the sixth cell removed
    w, h = fig.get_size_inches()
    assert w < 4.2 * 5 and h > 3.6 * 2  # narrower than one row of five, two rows tall
    plt.close(fig)
    fig, axes = plotting.panel_grid(2, ncols=3)
    assert len(axes) == 2 and fig.get_size_inches()[0] < 4.2 * 3
    plt.close(fig)


def test_seed_spread_curves_interpolates_each_seed_inside_its_own_range_only():
    import numpy as np
    import pandas as pd

    # seed 0 recorded at 0, 2, 4; seed 1 at 0, 1 (it stopped at its target): on the union 0, 1, 2, 4
    curves = {0: pd.Series([1.0, 1e-2, 1e-4], index=[0, 2, 4]), 1: pd.Series([1.0, 1e-3], index=[0, 1])}
    x, mean, lo, hi = plotting.seed_spread_curves(curves)
    assert list(x) == [0, 1, 2, 4]
    # seed 0 at x=1: geometric midpoint of 1 and 1e-2 (log-space interpolation); seed 1 absent past x=1
    np.testing.assert_allclose(lo, [1.0, 1e-3, 1e-2, 1e-4])
    np.testing.assert_allclose(hi, [1.0, 1e-1, 1e-2, 1e-4])
    np.testing.assert_allclose(mean, [1.0, (1e-1 + 1e-3) / 2, 1e-2, 1e-4])
    _, mean, _, _ = plotting.seed_spread_curves(curves, log=False)  # linear interpolation: seed 0 at x=1 is 0.505
    np.testing.assert_allclose(mean[1], (0.505 + 1e-3) / 2)

"""The one figure style of every paper: a fixed colour, marker and label per optimizer (or update
rule, flow, ablation variant), one theme, and one atomic, byte-reproducible ``save``.

Colours come in families, one hue per kind of update, so a method looks the same in every figure
of every paper: spectral methods (Muon, simplified Muon, SpecGD, the msgn variants) red/pink;
SGD/GD blue; Adam-like orange; Frobenius-normalized (NMD, NGD) green; sign updates (Signum,
SignGD) purple; Shampoo brown. A flow is drawn like its discrete rule (``gf`` like ``gd``), and the
exact-msgn variant and step rule S1 like simplified Muon, which they are.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from muonrepro.util.io import atomic_path

COLORS = {
    # spectral methods (orthogonalized updates): reds and pinks
    "muon": "#d62728",
    "muon_s1": "#a50f15",
    "specgd": "#e377c2",
    "ns5": "#fc8d59",
    "ns5_momentum": "#7a0177",
    # gradient descent: blues
    "sgd": "#1f77b4",
    "gd": "#08306b",
    # Adam-like: oranges
    "adam": "#ff7f0e",
    "adamw": "#b35806",
    # Frobenius-normalized updates: greens
    "nmd": "#2ca02c",
    "ngd": "#74c476",
    # sign updates: purples
    "signum": "#6a3d9a",
    "signgd": "#9e6ebd",
    # Kronecker-factored preconditioning
    "shampoo": "#8c564b",
    # step-size rules of simplified Muon other than its own S1 (precond ablation)
    "S0": "#7f7f7f",
    "S2": "#35978f",
    "S3": "#bcbd22",
}
MARKERS = {
    "muon": "o",
    "muon_s1": "o",
    "specgd": "D",
    "ns5": "d",
    "ns5_momentum": "h",
    "sgd": "s",
    "gd": "s",
    "adam": "^",
    "adamw": "v",
    "nmd": "P",
    "ngd": "P",
    "signum": "X",
    "signgd": "X",
    "shampoo": "*",
    "S0": "<",
    "S2": ">",
    "S3": "p",
}
# names drawn exactly like another: a flow like its discrete rule; exact msgn and S1 are simplified Muon
DRAWN_AS = {"gf": "gd", "specgf": "specgd", "ngf": "ngd", "svd": "muon_s1", "S1": "muon_s1"}

LABELS = {
    "muon": "Muon",
    "muon_s1": "simplified Muon (msgn)",
    "specgd": "SpecGD",
    "svd": "exact msgn (SVD)",
    "ns5": "Newton-Schulz msgn (5 steps)",
    "ns5_momentum": "Newton-Schulz msgn + momentum",
    "sgd": "SGD",
    "gd": "GD",
    "adam": "Adam",
    "adamw": "AdamW",
    "nmd": "NMD",
    "ngd": "NGD",
    "signum": "Signum",
    "signgd": "SignGD",
    "shampoo": "Shampoo",
    "gf": "GF",
    "specgf": "SpecGF",
    "ngf": "NGF",
    "S0": "S0 constant step",
    "S1": "S1 geometric step",
    "S2": "S2 step eta ||grad||_op",
    "S3": "S3 step eta ||grad||_*",
    # groups, metrics and cases that reach legends and titles
    "worst_class": "worst class",
    "worst_group": "worst group",
    "majority_class": "majority class",
    "minority_class": "minority class",
    "test_acc": "test accuracy",
    "decoded_test_acc": "decoded test accuracy",
    "test_loss": "test loss",
    "thm1_minority": "Thm 1, minority",
    "thm1_balanced": "Thm 1, balanced",
    "thm2_minority": "Thm 2, minority",
    "thm2_balanced": "Thm 2, balanced",
    # internal quantities (column names) that reach axes, legends and titles
    "energy_sum": "energy per bin (sum)",
    "energy_mean": "energy per mode (bin mean)",
    "direct_preact": "direct energy at the pre-activations",
    "direct_logits": "direct energy at the logits",
    "per_mode_sum": "sum of per-mode energies",
    "msgn": "exact polar (msgn)",
}
# numbered internal names: (pattern, label template filled with the groups)
PATTERNS = [
    (re.compile(r"hand_case(\d+)"), "hand-picked case"),
    (re.compile(r"inside(\d+)"), "random case {0} (inside conditions)"),
    (re.compile(r"outside(\d+)"), "random case {0} (outside conditions)"),
    (re.compile(r"sigma([0-9.]+)"), "sigma_x = {0}"),
    (re.compile(r"L(\d+)_snr([0-9.]+)"), "L = {0}, SNR {1}"),
    (re.compile(r"bucket(\d+)"), "token bucket {0}"),
    (re.compile(r"c(\d+)"), "class {0}"),
]
# the energy estimator's readings (``energy.estimator.readings``, config energy.sensitivity) in words
READING_DIMENSIONS = {
    "sigma_delta": "output-gradient covariance",
    "retention": "mode retention",
    "mode_identity": "mode identity",
    "mode_set": "mode set",
    "energy": "energy",
    "tail_binning": "tail bins",
    "bin_stat": "bin statistic",
    "gini_variant": "Gini",
}
READING_VALUES = {
    "sampled1": "1 sampled label per image",
    "sampled10": "10 sampled labels per image",
    "exact_ggn": "exact Gauss-Newton",
    "empirical": "empirical (the true labels)",
    "rank": "eigenvalue rank at each snapshot",
    "frozen": "eigenbasis of the first snapshot",
    "common": "modes kept for every optimizer",
    "every": "modes kept at every snapshot",
    "any": "modes kept at any snapshot",
    "cumulative": "cumulative per mode",
    "closed_form": "closed form per mode",
    "gain": "per-mode gain (closed form / first snapshot)",
    "direct_preact": "direct, at the pre-activations",
    "direct_logits": "direct, at the logits",
    "time_avg": "time-averaged curvature",
    "per_log": "each snapshot's curvature",
    "sum": "sum over the bin",
    "mean": "mean over the bin",
    "plain": "plain",
    "corrected": "n/(n-1)-corrected",
}
READING_PATTERNS = [
    (re.compile(r"thr([0-9.e+-]+)"), lambda v: f"keep modes >= {float(v):.0e} of the largest"),
    (re.compile(r"damp([0-9.e+-]+)"), lambda v: f"keep all, damped by {float(v):.0e} of the largest"),
]


def reading_label(dimension: str, value: str) -> str:
    """One change of the estimator's reading in words, e.g. ``sigma_delta``, ``exact_ggn`` ->
    "output-gradient covariance: exact Gauss-Newton"; unknown names fail, naming where to add them."""
    if dimension not in READING_DIMENSIONS:
        raise KeyError(f"reading dimension {dimension!r} has no words: add it to plotting.READING_DIMENSIONS")
    words = READING_VALUES.get(value)
    for pattern, fill in READING_PATTERNS:
        if words is None and (m := pattern.fullmatch(value)):
            words = fill(m.group(1))
    if words is None:
        raise KeyError(f"reading value {value!r} has no words: add it to plotting.READING_VALUES")
    return f"{READING_DIMENSIONS[dimension]}: {words}"


SEQUENTIAL = "viridis"  # ordered quantities (kappa, depth, mode index) and heat maps
OUTCOME_COLORS = {
    "passed": "#1b9e77",
    "supported": "#1b9e77",
    "failed": "#d95f02",
    "not_supported": "#d95f02",
    "inconclusive": "#999999",
}
FOOTER_FONTSIZE = 8
# the one seed-spread convention: mean over seeds, min-max range over seeds (band or error bar)
SEED_ERRORBAR = ("pi", 100)  # seaborn ``errorbar=``: the whole range of the seeds (estimator: the mean)
POSITIVE_FLOOR = 1e-17  # lower edge of a band or error bar on a log axis: never <= 0
# the widest figure (pixels, at the figures' dpi) whose text stays legible in the report's ~1270-px column: shown
# there at >= 0.63 of its size; wider figures go in rows of panels (``panel_grid``), not one long row
MAX_WIDTH_PX = 2000
_METADATA = {  # no software version or date in the file: the same figure gives the same bytes
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    "svg": {"Creator": None, "Date": None},
}


def _drawn_as(name: str) -> str:
    name = DRAWN_AS.get(name, name)
    if name not in COLORS:
        raise KeyError(f"no colour for {name!r}: add it to muonrepro.plotting.COLORS and MARKERS (or DRAWN_AS)")
    return name


def color(name: str) -> str:
    """The fixed colour of an optimizer, update rule, flow or ablation variant."""
    return COLORS[_drawn_as(name)]


def marker(name: str) -> str:
    """The fixed marker of an optimizer, update rule, flow or ablation variant."""
    return MARKERS[_drawn_as(name)]


def palette(names) -> dict[str, str]:
    """``{name: colour}`` for a seaborn ``palette=`` keyed by internal names."""
    return {n: color(n) for n in names}


def line_style(names, column: str = "optimizer") -> dict:
    """Seaborn keyword arguments that draw each of ``names`` (a ``column`` of the data) in its fixed
    colour and marker, solid lines: ``sns.relplot(..., **line_style(order))``."""
    names = list(names)
    return {
        "hue": column,
        "hue_order": names,
        "palette": palette(names),
        "style": column,
        "style_order": names,
        "markers": {n: marker(n) for n in names},
        "dashes": False,
    }


def label(name) -> str:
    """Readable label of an internal name (optimizer, group, case); unknown names lose underscores."""
    name = str(name)
    if name in LABELS:
        return LABELS[name]
    for pattern, template in PATTERNS:
        m = pattern.fullmatch(name)
        if m:
            return template.format(*m.groups())
    return name.replace("_", " ")


def relabel_legend(legend, fmt: str = "{}") -> None:
    """Replace the internal names in a legend's entries (and its title) by their labels."""
    if legend is None:
        return
    for text in legend.get_texts():
        text.set_text(fmt.format(label(text.get_text())))
    title = legend.get_title()
    if title.get_text():
        title.set_text(label(title.get_text()))


def seed_note(n_seeds: int, kind: str = "band") -> str:
    """The one wording of the seed spread, for every title, legend or caption: "mean over 3 seeds, band: min-max"."""
    if n_seeds <= 1:
        return f"{n_seeds} seed, no spread"
    return f"mean over {n_seeds} seeds, {kind}: min-max"


def seed_spread(data, by, value: str):
    """Mean and min-max over seeds of ``value`` per ``by`` group: a frame with columns
    ``mean``, ``lo``, ``hi``, ``n`` indexed by ``by`` (one row per group, seeds being the group's rows)."""
    return data.groupby(by)[value].agg(mean="mean", lo="min", hi="max", n="count")


def seed_spread_wide(wide):
    """Mean and min-max across the columns (one per seed) of a wide frame: ``(x, mean, lo, hi)`` arrays;
    a row where some seed is missing uses the seeds present."""
    import numpy as np

    return (
        np.asarray(wide.index),
        wide.mean(axis=1).to_numpy(float),
        wide.min(axis=1).to_numpy(float),
        wide.max(axis=1).to_numpy(float),
    )


def seed_spread_curves(curves, log: bool = True):
    """Mean and min-max over seeds of curves recorded at different x (``curves``: ``{seed: Series}``, x the
    index): ``(x, mean, lo, hi)`` on the union of the seeds' x, as :func:`seed_spread_wide`. Each seed's curve is
    interpolated between its own recorded x (linearly in log space when ``log``, values floored at 1e-300), never
    extended past its first or last one: there only the seeds present count."""
    import numpy as np
    import pandas as pd

    wide = pd.concat([c.rename(seed) for seed, c in curves.items()], axis=1).sort_index()
    if log:
        logw = np.log(wide.clip(lower=1e-300)).interpolate(method="index", limit_area="inside")
        wide = np.exp(logw).where(logw.notna())
    else:
        wide = wide.interpolate(method="index", limit_area="inside")
    return seed_spread_wide(wide)


def _positive(ax, *arrays):
    """On a log y axis, raise every value to a positive floor (a non-positive edge would fill the axis)."""
    import numpy as np

    if ax.get_yscale() != "log":
        return arrays
    return tuple(np.clip(np.asarray(a, float), POSITIVE_FLOOR, None) for a in arrays)


def seed_band(ax, x, mean, lo, hi, color, label=None, alpha=0.2, lw=1.6, log: bool | None = None, **kw):
    """The mean over seeds as a line and the min-max range over seeds as a band. Set the y scale first
    (or pass ``log=True``): on a log axis the band's edges are floored at a positive value."""
    if log:
        ax.set_yscale("log")
    mean, lo, hi = _positive(ax, mean, lo, hi)
    (line,) = ax.plot(x, mean, color=color, label=label, lw=lw, **kw)
    ax.fill_between(x, lo, hi, color=color, alpha=alpha, lw=0)
    return line


def seed_errorbar(ax, x, mean, lo, hi, color, label=None, log: bool | None = None, **kw):
    """The mean over seeds as a point and the min-max range over seeds as an error bar (never a bar:
    a bar on a log axis hides its ratio); on a log y axis the lower end is floored at a positive value."""
    import numpy as np

    if log:
        ax.set_yscale("log")
    mean, lo, hi = _positive(ax, mean, lo, hi)
    mean, lo, hi = (np.asarray(v, float) for v in (mean, lo, hi))
    kw = {"capsize": 3, "ms": 5, "ls": "none", "marker": "o", **kw}
    return ax.errorbar(x, mean, yerr=[mean - lo, hi - mean], color=color, label=label, mfc=color, **kw)


def ours_footer(scale: str, settings: str) -> str:
    """The one wording of the "ours" footer: which settings are this reproduction's, not the paper's."""
    settings = settings.strip().rstrip(".")
    return f"Scale {scale}. Ours (not stated in the paper, chosen by this reproduction): {settings}."


def panel_grid(n: int, ncols: int = 3, panel: tuple[float, float] = (4.2, 3.6), **kw):
    """A figure of ``n`` panels in rows of at most ``ncols`` (so that it stays legible at a page's width, not one
    long row), the unused cells removed: ``(fig, axes)`` with ``axes`` a list of the ``n`` panels."""
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, grid = plt.subplots(
        nrows, ncols, figsize=(panel[0] * ncols + 1.5, panel[1] * nrows + 0.8), squeeze=False, **kw
    )
    cells = list(grid.flat)
    for ax in cells[n:]:
        ax.remove()
    return fig, cells[:n]


def shades(name: str, n: int) -> list[tuple[float, float, float]]:
    """``n`` shades of one method's colour, light to dark (settings of one rule in one panel)."""
    from matplotlib.colors import to_rgb

    base = to_rgb(color(name))
    out = []
    for i in range(n):
        f = -0.55 + 0.85 * i / max(1, n - 1)  # < 0: toward white, > 0: toward black
        target = 1.0 if f < 0 else 0.0
        out.append(tuple(c + abs(f) * (target - c) for c in base))
    return out


def ordered_colors(n: int) -> list[tuple[float, float, float, float]]:
    """``n`` colours of the sequential map for an ordered quantity; the light end stays readable on white."""
    import matplotlib

    cmap = matplotlib.colormaps[SEQUENTIAL]
    return [cmap(0.85 * i / max(1, n - 1)) for i in range(n)]


def use_theme() -> None:
    """The one theme of every figure notebook."""
    import seaborn as sns

    sns.set_theme(
        style="whitegrid",
        context="notebook",
        rc={
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 8,
            "legend.title_fontsize": 9,
            "legend.framealpha": 0.85,
            "figure.titlesize": 11,
            "image.cmap": SEQUENTIAL,
            "lines.linewidth": 1.6,
        },
    )


def _add_footer(fig, text: str) -> None:
    """Footer text under everything drawn (tick labels, axis labels, legends), wrapped to the figure's width."""
    fig.canvas.draw()  # runs the layout engine, so the boxes below are final
    box = fig.get_tightbbox(fig.canvas.get_renderer())  # inches
    width_in, height_in = fig.get_size_inches()
    chars = max(40, int(box.width * 72 / (0.55 * FOOTER_FONTSIZE)))
    fig.text(
        box.x0 / width_in,
        (box.y0 - 0.08) / height_in,
        textwrap.fill(text, chars),
        ha="left",
        va="top",
        fontsize=FOOTER_FONTSIZE,
        color="0.3",
    )


def png_size(path) -> tuple[int, int]:
    """(width, height) in pixels of a PNG file, from its header."""
    head = Path(path).read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def save(fig, path, dpi: int, footer: str | None = None) -> None:
    """Write ``fig`` to ``path`` atomically (a failed draw leaves no file), with an optional footer
    (the "ours" settings note) placed below the lowest label; the figure is closed either way."""
    import matplotlib.pyplot as plt

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    try:
        if fmt not in _METADATA:
            raise ValueError(f"{path}: figure format {fmt!r} not supported; use one of {sorted(_METADATA)}")
        if footer:
            _add_footer(fig, footer)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight", metadata=_METADATA[fmt])
    finally:
        plt.close(fig)

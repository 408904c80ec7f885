"""What every figure notebook (``workflow/notebooks/*.py``) shares: its preamble, its one ``save`` and the
runner that executes it (``run_job``, the script of every figure rule).

A notebook draws; the package computes (each paper's ``figure_data`` module, the seed spread in
:mod:`muonrepro.plotting`). Its first code cell is::

    nb = notebook.preamble(outputs, dpi, scale, ours="settings that are ours", order=["sgd", "adamw", "muon"])

which draws on the Agg backend in the one theme (:func:`muonrepro.plotting.use_theme`), and ``nb.palette`` /
``nb.lines`` give the optimizers of ``order`` their fixed colours (seaborn ``palette=``) and colour, marker and
solid line (``**nb.lines``). Each figure is written by ``nb.save(fig, name, caption=...)``: to ``outputs[name]``
at ``dpi``, atomically and byte-reproducibly (:func:`muonrepro.plotting.save`), with a footer under the lowest
label: the figure's caption (if any), then the "ours" note (:func:`muonrepro.plotting.ours_footer`) of the
notebook's ``ours`` or of the figure's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from muonrepro import plotting


@dataclass(frozen=True)
class Notebook:
    """One figure notebook's outputs (``{figure name: path}``), dpi, scale, the settings that are ours in all
    of its figures (``ours``; a figure may give its own) and the optimizers it draws side by side (``order``)."""

    outputs: dict
    dpi: int
    scale: str
    ours: str | None = None
    order: tuple = ()

    @property
    def palette(self) -> dict[str, str]:
        """``{optimizer: colour}`` of ``order``: a seaborn ``palette=``."""
        return plotting.palette(self.order)

    @property
    def lines(self) -> dict:
        """Seaborn keyword arguments that draw each optimizer of ``order`` in its colour and marker, solid lines."""
        return plotting.line_style(self.order)

    def footer(self, caption: str | None = None, ours: str | None = None) -> str | None:
        """The footer of a figure: its caption, then the "ours" note (of ``ours``, else the notebook's)."""
        ours = ours if ours is not None else self.ours
        parts = [caption, plotting.ours_footer(self.scale, ours) if ours is not None else None]
        return " ".join(p for p in parts if p) or None

    def save(self, fig, name: str, caption: str | None = None, ours: str | None = None) -> None:
        """Write ``fig`` to ``outputs[name]`` with :meth:`footer` under its lowest label; the figure is closed."""
        plotting.save(fig, self.outputs[name], self.dpi, footer=self.footer(caption, ours))


def preamble(outputs: dict, dpi: int, scale: str, ours: str | None = None, order=()) -> Notebook:
    """The first cell of a figure notebook: drawing on the Agg backend (no display; call it before the first
    figure), the one theme, numpy's global random state seeded (seaborn's strip-plot jitter draws from it, so a
    figure is the same bytes at every render), and the notebook's :class:`Notebook` (its ``save``, palette and
    line styles)."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    np.random.seed(0)  # noqa: NPY002 - seaborn's jitter uses the global state; seeding it is the only handle
    plotting.use_theme()
    return Notebook(dict(outputs), int(dpi), str(scale), ours, tuple(order))


def run_job(smk) -> None:
    """Every figure rule: execute the jupytext py:percent notebook ``input.notebook`` with papermill into
    ``output.executed``. Its parameters: ``params.nb``, then ``inputs`` (every input but the notebook and the
    code, as paths) and ``outputs`` (every output but the executed notebook: figure name -> path)."""
    import jupytext
    import papermill

    nb = jupytext.read(smk.input.notebook)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = dict(smk.params.nb)
    params["inputs"] = {
        k: (str(v) if isinstance(v, str) else [str(x) for x in v])
        for k, v in smk.input.items()
        if k not in ("notebook", "code")
    }
    params["outputs"] = {k: str(v) for k, v in smk.output.items() if k != "executed"}
    papermill.execute_notebook(
        nb, smk.output.executed, parameters=params, kernel_name="python3", log_output=False, progress_bar=False
    )

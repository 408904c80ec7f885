"""The figure notebooks' shared preamble and save (muonrepro.notebook): Agg backend, the one theme, each
optimizer's fixed style, and one save whose footer is the figure's caption then the "ours" note."""

import matplotlib
import pytest

from muonrepro import notebook, plotting


@pytest.fixture
def nb(tmp_path):
    return notebook.preamble(
        {"a": str(tmp_path / "a.png"), "b": str(tmp_path / "b.png")}, 60, "small", ours="widths", order=["sgd", "muon"]
    )


def test_preamble_draws_on_agg_in_the_theme_with_the_optimizers_styles(nb):
    import seaborn as sns

    assert matplotlib.get_backend().lower() == "agg"
    assert matplotlib.rcParams["axes.titlesize"] == 11 and matplotlib.rcParams["image.cmap"] == plotting.SEQUENTIAL
    assert sns.axes_style()["axes.grid"]  # whitegrid
    assert nb.palette == {"sgd": plotting.color("sgd"), "muon": plotting.color("muon")}
    assert nb.lines == plotting.line_style(["sgd", "muon"])


def test_footer_is_the_caption_then_the_ours_note(nb):
    ours = plotting.ours_footer("small", "widths")
    assert nb.footer() == ours
    assert nb.footer("R1. A caption.") == "R1. A caption. " + ours
    assert nb.footer("R1. A caption.", ours="depths") == "R1. A caption. " + plotting.ours_footer("small", "depths")
    bare = notebook.Notebook({}, 60, "small")
    assert bare.footer() is None and bare.footer("only a caption") == "only a caption"
    assert bare.footer(ours="lr") == plotting.ours_footer("small", "lr")


def test_save_writes_the_named_output_with_its_footer_and_closes_the_figure(nb, tmp_path):
    import matplotlib.pyplot as plt

    def figure():
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1], [1, 0])
        return fig

    fig = figure()
    nb.save(fig, "a", caption="A caption.")
    assert fig.texts[-1].get_text().replace("\n", " ") == nb.footer("A caption.")
    assert not plt.fignum_exists(fig.number)
    # the same figure through plotting.save with the same footer: the same bytes (dpi and footer are the notebook's)
    plotting.save(figure(), tmp_path / "ref.png", 60, footer=nb.footer("A caption."))
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "ref.png").read_bytes()
    fig = figure()
    with pytest.raises(KeyError):
        nb.save(fig, "not_an_output")
    plt.close(fig)


def test_a_jittered_strip_plot_is_the_same_bytes_at_every_render(tmp_path):
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    df = pd.DataFrame({"optimizer": ["sgd", "muon"] * 6, "gini": [0.1 * i for i in range(12)]})
    shots = []
    for k in range(2):
        nb = notebook.preamble({"f": str(tmp_path / f"f{k}.png")}, 40, "small", order=["sgd", "muon"])
        fig, ax = plt.subplots()
        sns.stripplot(data=df, x="optimizer", y="gini", jitter=0.3, ax=ax)
        nb.save(fig, "f")
        shots.append((tmp_path / f"f{k}.png").read_bytes())
    assert shots[0] == shots[1]

"""The imbalanced paper's claim table, where it differs from the others (tests/ledger/test_paper_claim_tables.py
checks every table against the code, the config, the notebooks, the rules and the published ledgers): its rows
come from two parts, the CPU claims and the GPU-scale ones, each with its own rule and figure notebook."""

import re
from pathlib import Path

import pytest

from muonrepro.imbalanced.claim_table import TABLE

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = {
    False: (ROOT / "workflow/notebooks/imbalanced_figures.py").read_text(),
    True: (ROOT / "workflow/notebooks/imbalanced_gpu_figures.py").read_text(),
}
PART = {False: "muonrepro.imbalanced.claims", True: "muonrepro.imbalanced.gpu"}  # as in the two rule files


@pytest.mark.parametrize("gpu", [False, True])
def test_every_figure_is_saved_by_its_notebook(gpu):
    """``nb.save(fig, "<name>", ...)`` in the CPU notebook; ``curves("<name>", ...)`` (which saves it) in the GPU one."""
    for name in TABLE.figures(computed_in=PART[gpu]):
        assert re.search(rf'(nb\.save\(\s*fig,|curves\()\s*"{name}"', NOTEBOOKS[gpu]), name


def test_the_two_figure_lists_split_the_tables_figures():
    cpu, gpu = TABLE.figures(computed_in=PART[False]), TABLE.figures(computed_in=PART[True])
    assert not set(cpu) & set(gpu)
    assert sorted(cpu + gpu) == sorted(TABLE.figures())
    assert gpu == ["e2_cifar_step", "e3_dominoes", "e4_multinli", "e5_celeba", "e6_tinystories"]

"""What the workflow imports while it parses: the modules its rule files import must not pull in torch or
scipy.stats (together ~2 s), which every Snakemake invocation would pay again, and every job on a cluster, where
each job parses the workflow anew."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "scipy.stats")


def rule_file_imports() -> list[str]:
    """The ``muonrepro`` import statements of the Snakefile and the rule files."""
    files = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
    return [
        line.strip()
        for f in files
        for line in f.read_text().splitlines()
        if re.match(r"\s*(from|import) muonrepro\b", line)
    ]


def heavy_after(statements: list[str]) -> list[str]:
    """The HEAVY modules loaded in a fresh interpreter after running ``statements``."""
    code = "\n".join([*statements, "import sys", f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.split()


def test_the_rule_files_import_the_package():
    assert len(rule_file_imports()) >= 10  # the check below reads something


def test_parsing_the_workflow_imports_neither_torch_nor_scipy_stats():
    assert heavy_after(rule_file_imports()) == []


def test_the_check_sees_a_heavy_import():
    """The instrument on a case whose answer is known: a module that imports torch is caught."""
    assert heavy_after(["import muonrepro.energy.estimator.readings"]) == ["torch"]

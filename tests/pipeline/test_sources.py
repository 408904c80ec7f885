"""The package sources a workflow script imports (each rule's ``code`` input), read from the import
statements of a throw-away ``muonrepro`` package written to tmp_path."""

from pathlib import Path
from textwrap import dedent

import pytest

from muonrepro.pipeline import sources
from muonrepro.pipeline.sources import module_file, muonrepro_imports, package_dir, package_sources


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))


@pytest.fixture()
def pkg(tmp_path, monkeypatch):
    """A fake package tmp_path/muonrepro; the working directory is tmp_path, so paths come back as
    ``muonrepro/...``."""
    write(
        tmp_path,
        {
            "muonrepro/__init__.py": "",
            "muonrepro/util/__init__.py": "",
            "muonrepro/util/io.py": "import json\n\ndef save(x):\n    return json.dumps(x)\n",
            "muonrepro/util/seeds.py": "",
            "muonrepro/unused.py": "",
            # an __init__ that imports: importing anything under stats runs it
            "muonrepro/stats/__init__.py": "from .verdict import decide\n",
            "muonrepro/stats/verdict.py": "from muonrepro.util import seeds\n\ndef decide():\n    pass\n",
            # relative imports of every form, and a chain a -> b -> c
            "muonrepro/energy/__init__.py": "",
            "muonrepro/energy/claims.py": "from . import gini\nfrom .table import rows\nfrom ..util.io import save\n",
            "muonrepro/energy/gini.py": "from muonrepro.energy import table\n",
            "muonrepro/energy/table.py": "import muonrepro.stats\n\ndef rows():\n    pass\n",
            # a cycle
            "muonrepro/cyc/__init__.py": "",
            "muonrepro/cyc/a.py": "from muonrepro.cyc import b\n",
            "muonrepro/cyc/b.py": "from muonrepro.cyc import a\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path / "muonrepro"


def script(tmp_path: Path, text: str) -> Path:
    """A workflow script (each test has its own tmp_path, so ``package_sources``'s cache never answers
    for another test's file)."""
    write(tmp_path, {"workflow/scripts/script.py": text})
    return tmp_path / "workflow" / "scripts" / "script.py"


def test_package_dir_is_the_imported_package():
    root = package_dir()
    assert root.is_absolute()
    assert root / "pipeline" / "sources.py" == Path(sources.__file__).resolve()


def test_module_file_finds_modules_and_packages(pkg):
    assert module_file("muonrepro", pkg) == pkg / "__init__.py"
    assert module_file("muonrepro.util", pkg) == pkg / "util" / "__init__.py"
    assert module_file("muonrepro.util.io", pkg) == pkg / "util" / "io.py"


def test_module_file_is_none_for_a_name_or_a_missing_module(pkg):
    assert module_file("muonrepro.util.io.save", pkg) is None
    assert module_file("muonrepro.nope", pkg) is None


def test_imports_absolute_forms(tmp_path):
    path = script(
        tmp_path,
        """
        import os, muonrepro.util.io
        import muonrepro.stats as st
        from muonrepro.util import seeds
        from muonrepro.util.io import save, load
        import numpy
        import muonrepro_other
        """,
    )
    assert muonrepro_imports(path) == {
        "muonrepro.util.io",
        "muonrepro.stats",
        "muonrepro.util",
        "muonrepro.util.seeds",
        "muonrepro.util.io.save",
        "muonrepro.util.io.load",
    }


def test_imports_inside_functions_count(tmp_path):
    path = script(tmp_path, "def f():\n    from muonrepro.util import io\n    return io\n")
    assert muonrepro_imports(path) == {"muonrepro.util", "muonrepro.util.io"}


def test_an_edited_file_is_read_again(tmp_path):
    """The parsed imports are cached per text: an edit of the same size, at once, is still seen."""
    path = script(tmp_path, "from muonrepro.util import aa\n")
    assert muonrepro_imports(path) == {"muonrepro.util", "muonrepro.util.aa"}
    path.write_text("from muonrepro.util import bb\n")
    assert muonrepro_imports(path) == {"muonrepro.util", "muonrepro.util.bb"}


def test_relative_imports_resolve_against_the_module(pkg):
    assert muonrepro_imports(pkg / "energy" / "claims.py", "muonrepro.energy.claims") == {
        "muonrepro.energy",
        "muonrepro.energy.gini",
        "muonrepro.energy.table",
        "muonrepro.energy.table.rows",
        "muonrepro.util.io",
        "muonrepro.util.io.save",
    }


def test_relative_imports_in_an_init_resolve_against_the_package(pkg):
    assert muonrepro_imports(pkg / "stats" / "__init__.py", "muonrepro.stats") == {
        "muonrepro.stats.verdict",
        "muonrepro.stats.verdict.decide",
    }


def test_plain_import_brings_the_init_chain(pkg, tmp_path):
    path = script(tmp_path, "import muonrepro.util.io\n")
    assert package_sources(path, pkg) == ["muonrepro/__init__.py", "muonrepro/util/__init__.py", "muonrepro/util/io.py"]


def test_from_package_import_module(pkg, tmp_path):
    path = script(tmp_path, "from muonrepro.util import seeds\n")
    assert package_sources(path, pkg) == [
        "muonrepro/__init__.py",
        "muonrepro/util/__init__.py",
        "muonrepro/util/seeds.py",
    ]


def test_a_name_imported_from_a_module_adds_only_that_module(pkg, tmp_path):
    path = script(tmp_path, "from muonrepro.util.io import save\n")
    assert package_sources(path, pkg) == ["muonrepro/__init__.py", "muonrepro/util/__init__.py", "muonrepro/util/io.py"]


def test_an_init_that_imports_brings_what_it_imports(pkg, tmp_path):
    path = script(tmp_path, "import muonrepro.stats\n")
    assert package_sources(path, pkg) == [
        "muonrepro/__init__.py",
        "muonrepro/stats/__init__.py",
        "muonrepro/stats/verdict.py",
        "muonrepro/util/__init__.py",
        "muonrepro/util/seeds.py",
    ]


def test_transitive_and_relative_imports(pkg, tmp_path):
    path = script(tmp_path, "from muonrepro.energy.claims import rows\n")
    got = package_sources(path, pkg)
    assert got == sorted(
        [
            "muonrepro/__init__.py",
            "muonrepro/energy/__init__.py",
            "muonrepro/energy/claims.py",
            "muonrepro/energy/gini.py",
            "muonrepro/energy/table.py",
            "muonrepro/stats/__init__.py",
            "muonrepro/stats/verdict.py",
            "muonrepro/util/__init__.py",
            "muonrepro/util/io.py",
            "muonrepro/util/seeds.py",
        ]
    )
    assert "muonrepro/unused.py" not in got


def test_an_import_cycle_terminates(pkg, tmp_path):
    path = script(tmp_path, "from muonrepro.cyc import a\n")
    assert package_sources(path, pkg) == [
        "muonrepro/__init__.py",
        "muonrepro/cyc/__init__.py",
        "muonrepro/cyc/a.py",
        "muonrepro/cyc/b.py",
    ]


def test_a_script_without_package_imports_has_no_sources(pkg, tmp_path):
    path = script(tmp_path, "import json\nprint(json.dumps({}))\n")
    assert package_sources(path, pkg) == []


def test_paths_are_relative_to_the_working_directory(pkg, tmp_path, monkeypatch):
    path = script(tmp_path, "import muonrepro.util.io\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert package_sources(path, pkg)[-1] == "../muonrepro/util/io.py"


def test_export_checkout_puts_src_first_once(monkeypatch, tmp_path):
    import os
    import sys

    from muonrepro.pipeline.sources import export_checkout

    monkeypatch.setenv("PYTHONPATH", f"/elsewhere{os.pathsep}{tmp_path}")
    monkeypatch.setattr(sys, "path", list(sys.path))
    export_checkout(tmp_path)
    export_checkout(tmp_path)
    assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(tmp_path), "/elsewhere"]
    assert sys.path[0] == str(tmp_path) and sys.path.count(str(tmp_path)) == 1


SCRIPTS = Path(__file__).resolve().parents[2] / "workflow" / "scripts"
TRAINING_SCRIPTS = [
    "energy/select_lr.py",
    "energy/train.py",
    "energy/robust_train.py",
    "imbalanced/linear_ce.py",
    "imbalanced/cmnist_data.py",
    "imbalanced/cmnist_train.py",
    "imbalanced_gpu/tune.py",
    "imbalanced_gpu/train.py",
    "precond/sweep.py",
]


@pytest.mark.parametrize("script", TRAINING_SCRIPTS)
def test_editing_the_ledger_code_never_reruns_training(script):
    """A training job's code inputs (its script's transitive imports) hold no claims, claim-table or ledger
    module: rewording a claim or changing a verdict statistic must not rerun hours of paper-scale training."""
    mods = [Path(p).as_posix() for p in package_sources(SCRIPTS / script)]
    assert mods, script
    bad = [m for m in mods if "/ledger/" in m or "claim" in Path(m).name or "/stats/" in m]
    assert not bad, f"{script} depends on {bad}"

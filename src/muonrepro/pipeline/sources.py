"""Code-change tracking for the rules.

Snakemake reruns a ``script:`` job when its script changes, but not when a module of the
``muonrepro`` package that the script imports changes. Each rule therefore declares the package
sources its script imports (transitively, read from the import statements) as an input named
``code``: editing ``training/loop.py`` reruns the training rules and what depends on them, not
extraction's upstream; a touched but unchanged file reruns nothing (Snakemake compares checksums of
small inputs).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
from functools import cache
from pathlib import Path


def package_dir() -> Path:
    """The source folder of the ``muonrepro`` that this Python imports (an editable install: src/)."""
    return Path(importlib.util.find_spec("muonrepro").submodule_search_locations[0]).resolve()


def module_file(module: str, root: Path) -> Path | None:
    """Source file of a muonrepro module name under ``root`` (the package folder), or None (e.g. a
    name imported from a module rather than a module)."""
    base = root.joinpath(*module.split(".")[1:])
    for cand in (base / "__init__.py", base.with_suffix(".py")):
        if cand.is_file():
            return cand
    return None


def muonrepro_imports(path: Path, module: str | None = None) -> set[str]:
    """muonrepro module names imported anywhere in ``path`` (``module``: its own dotted name, for
    relative imports)."""
    path = Path(path)
    return set(_imports(path.read_text(), path.name == "__init__.py", module, str(path)))


@cache
def _imports(text: str, is_init: bool, module: str | None, filename: str) -> frozenset[str]:
    """``muonrepro_imports`` of one text: the workflow parses each module once, not once per rule that imports it."""
    package = (module if is_init else module.rpartition(".")[0]).split(".") if module else []
    names = set()
    for node in ast.walk(ast.parse(text, filename=filename)):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return frozenset(n for n in names if n == "muonrepro" or n.startswith("muonrepro."))


@cache
def package_sources(script: str | Path, root: Path | None = None) -> list[str]:
    """Sorted muonrepro source files (with their parent packages' ``__init__.py``) that ``script``
    (a workflow script or notebook) imports, transitively; paths relative to the working directory,
    so that moving the checkout together with its results does not change the set of inputs."""
    root = root or package_dir()
    seen: dict[str, Path | None] = {}
    todo = muonrepro_imports(Path(script))
    while todo:
        parts = todo.pop().split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__
            name = ".".join(parts[:i])
            if name not in seen:
                seen[name] = module_file(name, root)
                if seen[name] is not None:
                    todo |= muonrepro_imports(seen[name], name)
    return sorted({os.path.relpath(f) for f in seen.values() if f is not None})


def export_checkout(src: str | Path) -> None:
    """Put the checkout's ``src`` first on this process's ``sys.path`` and on the ``PYTHONPATH`` every job
    inherits (once), so the jobs import this checkout in any software environment."""
    src = str(src)
    if src not in sys.path:
        sys.path.insert(0, src)
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != src]
    os.environ["PYTHONPATH"] = os.pathsep.join([src, *rest])

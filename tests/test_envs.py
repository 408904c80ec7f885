"""The conda environment (envs/*.yaml, for `--sdm conda`) installs what pyproject.toml declares."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
ENVS = sorted((ROOT / "envs").glob("*.yaml"))
CONDA_TO_PYPI = {"pytorch": "torch"}  # conda-forge names that differ from the PyPI names
NOT_PACKAGES = {"python", "pip"}  # the interpreter and the installer, not dependencies of the package
NOT_IN_ENV = {"test", "slurm"}  # extras the workflow's jobs do not import


def conda_spec(dep: str) -> tuple[str, SpecifierSet]:
    """``pytorch>=2.9`` -> (``torch``, ``>=2.9``)."""
    name, spec = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", dep.strip()).groups()
    return CONDA_TO_PYPI.get(name.lower(), name.lower()), SpecifierSet(spec)


def pyproject_specs() -> dict[str, SpecifierSet]:
    return {Requirement(r).name.lower(): Requirement(r).specifier for r in PROJECT["dependencies"]}


def env_parts(env: Path) -> tuple[dict[str, SpecifierSet], list[str]]:
    deps = yaml.safe_load(env.read_text())["dependencies"]
    conda = dict(conda_spec(d) for d in deps if isinstance(d, str))
    pip = [line for d in deps if isinstance(d, dict) for line in d["pip"]]
    return {k: v for k, v in conda.items() if k not in NOT_PACKAGES}, pip


def test_there_is_an_env():
    assert ENVS


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.name)
def test_conda_packages_are_the_pyproject_dependencies(env):
    conda, _ = env_parts(env)
    assert sorted(conda) == sorted(pyproject_specs())


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.name)
def test_conda_version_bounds_are_the_pyproject_bounds(env):
    conda, _ = env_parts(env)
    want = pyproject_specs()
    assert {k: str(v) for k, v in conda.items()} == {k: str(want[k]) for k in conda}


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.name)
def test_pip_installs_the_package_itself_with_the_workflows_extras(env):
    """The one pip line is an editable install of this checkout (the path is relative to the env
    file), with the optional extras the workflow imports."""
    _, pip = env_parts(env)
    assert len(pip) == 1, pip
    m = re.fullmatch(r"-e\s+(?P<path>[^\s\[#]+)(?:\[(?P<extras>[^\]]*)\])?\s*(?:#.*)?", pip[0].strip())
    assert m, pip[0]
    assert (env.parent / m["path"]).resolve() == ROOT
    extras = {e.strip() for e in (m["extras"] or "").split(",") if e.strip()}
    assert extras == set(PROJECT["optional-dependencies"]) - NOT_IN_ENV


def test_conda_names_map_to_pypi_names():
    assert conda_spec("pytorch>=2.9") == ("torch", SpecifierSet(">=2.9"))
    assert conda_spec("snakemake>=9.0,<10") == ("snakemake", SpecifierSet(">=9.0,<10"))
    assert conda_spec("pyyaml") == ("pyyaml", SpecifierSet(""))

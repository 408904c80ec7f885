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
def test_pip_installs_the_workflows_extras(env):
    """The pip section installs exactly the optional extras the workflow imports (requirement by requirement,
    as pyproject.toml states them); the package itself comes from the checkout through PYTHONPATH."""
    _, pip = env_parts(env)
    want = sorted(
        r
        for extra in set(PROJECT["optional-dependencies"]) - NOT_IN_ENV
        for r in PROJECT["optional-dependencies"][extra]
    )
    assert sorted(pip) == want


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.name)
def test_env_works_wherever_snakemake_copies_it(env, tmp_path):
    """Snakemake copies the env file to .snakemake/conda/<hash>.yaml: no entry may name a local path (an
    editable install, a relative path, a file: URL), and no defunct channel is listed."""
    copy = tmp_path / ".snakemake" / "conda" / "0123abcd.yaml"
    copy.parent.mkdir(parents=True)
    copy.write_text(env.read_text())
    spec = yaml.safe_load(copy.read_text())
    _, pip = env_parts(copy)
    for line in pip:
        assert not line.startswith(("-e", ".", "/", "file:")) and "@ file:" not in line, line
    assert "pytorch" not in spec["channels"] and "defaults" not in spec["channels"]


def test_workflow_puts_this_checkout_on_the_jobs_path():
    """The env does not install the package: common.smk puts <workflow>/src first on sys.path and on the
    PYTHONPATH that every job inherits."""
    common = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    assert 'SRC = f"{workflow.basedir}/src"' in common and "export_checkout(SRC)" in common


def test_conda_names_map_to_pypi_names():
    assert conda_spec("pytorch>=2.9") == ("torch", SpecifierSet(">=2.9"))
    assert conda_spec("snakemake>=9.0,<10") == ("snakemake", SpecifierSet(">=9.0,<10"))
    assert conda_spec("pyyaml") == ("pyyaml", SpecifierSet(""))

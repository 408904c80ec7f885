"""Config validation at parse time, and conda envs that agree with pyproject.toml."""

import copy
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")


@pytest.fixture()
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_default_config_is_valid(config):
    validate(copy.deepcopy(config), SCHEMA)


@pytest.mark.parametrize("mutate, key", [
    (lambda c: c["energy"].update(widht=3), "widht"),
    (lambda c: c.update(scale="huge"), "huge"),
    (lambda c: c["energy"]["optimizers"]["sgd"].update(lr=-1), "lr"),
    (lambda c: c["scales"]["small"]["energy"].update(seeds=[]), "seeds"),
    (lambda c: c["energy"]["estimator"].update(sigma_delta="kfac"), "kfac"),
    (lambda c: c.update(papers=["energy", "nope"]), "nope"),
])
def test_bad_config_fails_naming_the_key(config, mutate, key):
    mutate(config)
    with pytest.raises(WorkflowError) as e:
        validate(config, SCHEMA)
    assert key in str(e.value)


def _names(reqs):
    out = set()
    for r in reqs:
        name = re.split(r"[<>=!~ \[]", r.strip(), maxsplit=1)[0].lower()
        out.add({"pytorch": "torch"}.get(name, name))
    return out


def test_conda_env_lists_the_pyproject_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for env in sorted((ROOT / "envs").glob("*.yaml")):
        deps = yaml.safe_load(env.read_text())["dependencies"]
        conda = _names(d for d in deps if isinstance(d, str)) - {"python", "pip"}
        assert conda == _names(project["dependencies"]), env.name

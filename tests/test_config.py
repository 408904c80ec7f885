"""Config validation at parse time."""

import copy
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


@pytest.mark.parametrize(
    "mutate, key",
    [
        (lambda c: c["energy"].update(widht=3), "widht"),
        (lambda c: c.update(scale="huge"), "huge"),
        (lambda c: c["energy"]["optimizers"]["sgd"].update(lr=-1), "lr"),
        (lambda c: c["scales"]["small"]["energy"].update(seeds=[]), "seeds"),
        (lambda c: c["energy"]["estimator"].update(sigma_delta="kfac"), "kfac"),
        (lambda c: c.update(papers=["energy", "nope"]), "nope"),
    ],
)
def test_bad_config_fails_naming_the_key(config, mutate, key):
    mutate(config)
    with pytest.raises(WorkflowError) as e:
        validate(config, SCHEMA)
    assert key in str(e.value)


def _set(path, value):
    """Mutation that sets config[path[0]][path[1]]... = value (creating nothing: the parents exist)."""

    def mutate(c):
        for k in path[:-1]:
            c = c[k]
        c[path[-1]] = value

    return mutate


def _where(path):
    return "".join(f"[{k!r}]" for k in path)


# Every malformed config must be rejected at parse time, with the offending key in the message.
# Unknown keys, at every level: a misspelling must not silently fall back to a default.
UNKNOWN_KEYS = [
    (("enrgy",), {"width": 3}),
    (("data", "mnist_rot"), "x"),
    (("energy", "optimizers", "sgd", "momentun"), 0.9),
    (("energy", "optimizers", "muon", "aux_adamw", "beta"), [0.9, 0.95]),
    (("energy", "optimizers", "lion"), {"lr": 0.1}),
    (("energy", "estimator", "treshold"), 1e-8),
    (("scales", "small", "energy", "epoch"), 3),
    (("scales", "tiny"), {"energy": {}}),
    (("figures", "dpii"), 130),
    (("energy", "figures"), {"dpi": 130}),  # the figure settings are top-level, one for every paper
]
# Bad values of known keys: wrong types, out of range, not one of the allowed values.
BAD_VALUES = [
    (("energy", "width"), "wide"),
    (("energy", "width"), 3.5),
    (("energy", "bias"), "yes"),
    (("energy", "depths"), 2),
    (("energy", "optimizers", "adamw", "lr"), "1e-3x"),
    (("energy", "optimizers", "muon", "nesterov"), "true"),
    (("scales", "small", "energy", "seeds"), 0),
    (("scales", "small", "energy", "epochs"), 1.5),
    (("data", "download"), "no"),
    (("papers",), "energy"),
    (("energy", "width"), 0),
    (("energy", "depths"), [0]),
    (("energy", "depths"), [1, 1]),
    (("energy", "optimizers", "sgd", "lr"), 0),
    (("energy", "optimizers", "sgd", "momentum"), 1.0),
    (("energy", "optimizers", "adamw", "betas"), [0.9]),
    (("energy", "optimizers", "adamw", "betas"), [0.9, 1.0]),
    (("energy", "optimizers", "muon", "ns_steps"), 0),
    (("energy", "optimizers", "muon", "method"), "qr"),
    (("energy", "estimator", "rel_threshold"), 2.0),
    (("energy", "claims", "min_test_acc", "small"), 1.5),
    (("scales", "small", "energy", "n_train"), 50),
    (("scales", "small", "energy", "n_train"), 70000),
    (("scales", "small", "energy", "probe_size"), 0),
    (("scales", "small", "energy", "val_size"), -1),
    (("scales", "paper", "energy", "lr_grid", "sgd"), []),
    (("scales", "paper", "energy", "lr_grid", "sgd"), [0.1, -0.1]),
    (("device",), "tpu"),
    (("figures", "dpi"), 49),
    (("figures", "dpi"), 130.5),
]


def _id(case):
    path, value = case
    return ".".join(path) + "=" + repr(value)


@pytest.mark.parametrize("path, value", UNKNOWN_KEYS, ids=map(_id, UNKNOWN_KEYS))
def test_unknown_key_is_rejected_naming_it(config, path, value):
    _set(path, value)(config)
    with pytest.raises(WorkflowError) as e:
        validate(config, SCHEMA)
    msg = str(e.value)
    assert f"'{path[-1]}' was unexpected" in msg and f"On instance{_where(path[:-1])}" in msg, msg


@pytest.mark.parametrize("path, value", BAD_VALUES, ids=map(_id, BAD_VALUES))
def test_bad_value_is_rejected_naming_its_key(config, path, value):
    _set(path, value)(config)
    with pytest.raises(WorkflowError) as e:
        validate(config, SCHEMA)
    msg = str(e.value)
    # jsonschema reports the instance path, e.g. "On instance['energy']['width']" (for an item of a
    # list, the list's path followed by the index)
    assert f"On instance{_where(path)}" in msg, msg


def test_figure_dpi_defaults_when_absent(config):
    del config["figures"]
    validate(config, SCHEMA)
    assert config["figures"] == {"dpi": 130}


def test_a_bad_config_fails_before_any_job(tmp_path):
    """At parse time: `snakemake -n` exits non-zero, naming the key, and creates no results."""
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text("scales:\n  small:\n    energy:\n      n_train: 50\n")
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(ROOT / "Snakefile"),
            "--directory",
            str(tmp_path),
            "--cores",
            "1",
            "--configfile",
            str(bad),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = res.stdout + res.stderr
    assert res.returncode != 0 and "['scales']['small']['energy']['n_train']" in out, out[-2000:]
    assert not (tmp_path / "results").exists()

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


# -------------------------------------------------------------------------------------------------
# What the schema cannot express (muonrepro.pipeline.config_checks, run by common.smk right after validate):
# non-finite numbers, numbers YAML 1.1 reads as strings, and cross-field rules.
def checked(config):
    """As workflow/rules/common.smk does it: non-finite numbers, the schema (with hints), the cross-field rules."""
    from muonrepro.pipeline.config_checks import check_config, check_finite, schema_hints

    check_finite(config)
    with schema_hints(config):
        validate(config, SCHEMA)
    check_config(config)


def test_default_and_tiny_configs_pass_every_check(config):
    checked(copy.deepcopy(config))
    checked({**copy.deepcopy(config), "scale": "paper"})
    tiny = yaml.safe_load((ROOT / "tests" / "config" / "tiny.yaml").read_text())
    merged = copy.deepcopy(config)
    merged["energy"].update(tiny["energy"])
    merged["stats"].update(tiny["stats"])
    merged["scales"]["small"]["energy"].update(tiny["scales"]["small"]["energy"])
    checked(merged)


# (key path, YAML literal): each literal is a non-finite float once YAML has read it; list items as (path, index)
NON_FINITE = [
    (("energy", "optimizers", "sgd", "lr"), ".nan"),
    (("energy", "optimizers", "sgd", "lr"), ".inf"),
    (("energy", "optimizers", "adamw", "lr"), "1.0e+400"),
    (("energy", "optimizers", "muon", "aux_adamw", "weight_decay"), "-.inf"),
    (("energy", "estimator", "rel_threshold"), ".nan"),
    (("scales", "paper", "energy", "lr_grid", "sgd", 1), ".nan"),
    (("precond", "adam", "lr_grid", 0), ".inf"),
    (("precond", "claims", "A4", "min_slope"), "-.inf"),
    (("imbalanced", "theory", "mu"), ".nan"),
    (("imbalanced_gpu", "decode", "l2"), "1.0e+999"),
]


def _dotted(path):
    from muonrepro.pipeline.config_rules import key_path

    return key_path(path)


@pytest.mark.parametrize("path, literal", NON_FINITE, ids=[f"{_dotted(p)}={v}" for p, v in NON_FINITE])
def test_non_finite_number_is_rejected_naming_its_key(config, path, literal):
    from muonrepro.pipeline.config_checks import ConfigError

    value = yaml.safe_load(f"x: {literal}")["x"]
    _set(path, value)(config)
    with pytest.raises(ConfigError) as e:
        checked(config)
    msg = str(e.value)
    assert f"{_dotted(path)} = " in msg and "not a finite number" in msg, msg


# (key path, what the user typed): YAML 1.1 reads it as a string; the error says how to write the number
NUMERIC_STRINGS = [
    (("energy", "optimizers", "adamw", "lr"), "1e-3", "1.0e-3"),
    (("energy", "estimator", "rel_threshold"), "1.0e-8", "1.0e-8"),  # quoted in the YAML file: a string
    (("precond", "adam", "eps"), "1E-12", "1.0e-12"),
    (("scales", "paper", "energy", "lr_grid", "sgd", 0), "3e-2", "3.0e-2"),
    (("imbalanced", "theory", "eta"), ".5e-3", "0.5e-3"),
    (("precond", "lemma", "a0"), "1.0e4", "1.0e+4"),
]


@pytest.mark.parametrize("path, typed, fix", NUMERIC_STRINGS, ids=[f"{_dotted(p)}={t}" for p, t, _ in NUMERIC_STRINGS])
def test_number_read_as_a_string_gets_a_hint(config, path, typed, fix):
    from muonrepro.pipeline.config_checks import ConfigError

    _set(path, typed)(config)
    with pytest.raises(ConfigError) as e:
        checked(config)
    msg = str(e.value)
    assert f"On instance{_where(path)}" in msg, msg  # the schema's own message stays
    assert f"{_dotted(path)} = {typed!r}" in msg and f"write {fix}" in msg, msg


def test_yaml_really_reads_those_as_strings():
    assert yaml.safe_load("a: 1e-3\nb: 1.0e4\nc: 1.0e-3\nd: 1.0e+4") == {"a": "1e-3", "b": "1.0e4", "c": 1e-3, "d": 1e4}


def _upd(path, **kw):
    def mutate(c):
        for k in path:
            c = c[k]
        c.update(kw)

    return mutate


# Cross-field rules (muonrepro.pipeline.config_rules): (mutation, keys the message must name)
CROSS_FIELD = {
    "more_snapshots_than_steps": (  # 1 epoch of ceil(3000 / 128) = 24 steps: 25 logs at most
        _upd(("scales", "small", "energy"), n_train=3000, epochs=1, n_snapshots=26),
        ["scales.small.energy.n_snapshots = 26", "25 steps", "energy.batch_size"],
    ),
    "min_seeds_above_a_seeds_list": (
        _upd(("stats",), min_seeds=4),
        ["scales.small.energy.seeds", "scales.small.imbalanced.cmnist.seeds", "stats.min_seeds = 4"],
    ),
    "one_seed_against_min_seeds": (
        _upd(("scales", "small", "precond"), seeds=[0]),
        ["scales.small.precond.seeds = [0] has 1 seed(s), fewer than stats.min_seeds = 3"],
    ),
    "tail_bins_not_below_n_deciles": (
        _upd(("energy", "claims"), tail_bins=12),
        ["energy.claims.tail_bins", "energy.estimator.n_deciles"],
    ),
    "n_deciles_not_above_tail_bins": (
        _upd(("energy", "estimator"), n_deciles=3),
        ["energy.claims.tail_bins", "energy.estimator.n_deciles"],
    ),
    "no_retention_in_sensitivity_grid": (
        _upd(("energy", "sensitivity"), thresholds=[], damping=[]),
        ["energy.sensitivity.thresholds", "energy.sensitivity.damping"],
    ),
    "primary_threshold_not_in_grid": (
        _upd(("energy", "estimator"), rel_threshold=1.0e-9),
        ["energy.estimator.rel_threshold", "energy.sensitivity.thresholds"],
    ),
    "primary_sigma_delta_not_in_grid": (
        _upd(("energy", "sensitivity"), sigma_delta=["exact_ggn"]),
        ["energy.estimator.sigma_delta", "energy.sensitivity.sigma_delta"],
    ),
    "primary_identity_not_in_grid": (
        _upd(("energy", "sensitivity"), mode_identity=["frozen"]),
        ["energy.sensitivity.mode_identity", "'rank'"],
    ),
    "val_size_not_below_n_train": (
        _upd(("scales", "paper", "energy"), val_size=60000),
        ["scales.paper.energy.val_size", "scales.paper.energy.n_train"],
    ),
    "lr_tuned_on_the_test_set": (
        _upd(("scales", "paper", "energy"), val_size=0),
        ["scales.paper.energy.lr_grid", "scales.paper.energy.val_size"],
    ),
    "lr_grid_never_tuned": (
        _upd(("scales", "paper", "energy"), tune_epochs=0),
        ["scales.paper.energy.lr_grid", "scales.paper.energy.tune_epochs"],
    ),
    "lr_grid_of_an_unknown_optimizer": (
        _upd(("scales", "paper", "energy", "lr_grid"), adam=[0.001]),
        ["scales.paper.energy.lr_grid", "'adam'", "energy.optimizers"],
    ),
    "kappa_plot_not_in_ablation_kappas": (
        _upd(("precond", "ablation"), kappa_plot=10000),
        ["precond.ablation.kappa_plot", "scales.small.precond.ablation_kappas", "scales.paper.precond.ablation_kappas"],
    ),
    "ablation_kappas_without_kappa_plot": (
        _upd(("scales", "paper", "precond"), ablation_kappas=[10, 100]),
        ["precond.ablation.kappa_plot", "scales.paper.precond.ablation_kappas"],
    ),
    "a6_kappa_not_swept": (
        _upd(("precond", "claims", "A6"), kappa=500),
        ["precond.claims.A6.kappa", "scales.small.precond.kappas"],
    ),
    "mf_rank_above_dimension": (
        _upd(("scales", "small", "precond", "mf"), r=200),
        ["scales.small.precond.mf.r", "scales.small.precond.mf.d"],
    ),
    "mf_asym_rank_above_dimension": (
        _upd(("scales", "small", "precond", "mf_asym"), r=45),
        ["scales.small.precond.mf_asym.r", "d1"],
    ),
    "a1_range_reversed": (
        _upd(("precond", "claims", "A1"), err_lo=1.0),
        ["precond.claims.A1.err_lo", "precond.claims.A1.err_hi"],
    ),
    "claim_depth_not_trained": (
        _upd(("imbalanced", "claims"), claim_depth=3),
        ["imbalanced.claims.claim_depth", "imbalanced.cmnist.depths"],
    ),
    "cmnist_splits_exceed_mnist": (
        _upd(("scales", "paper", "imbalanced", "cmnist"), n_val=10000),
        ["scales.paper.imbalanced.cmnist.n_train + n_val"],
    ),
    "cmnist_lr_grid_of_an_unknown_optimizer": (
        _upd(("scales", "small", "imbalanced", "cmnist", "lr_grid"), shampoo=[0.001]),
        ["scales.small.imbalanced.cmnist.lr_grid", "imbalanced.cmnist.optimizers"],
    ),
    "cmnist_tuning_window_not_whole_epochs": (
        _upd(("scales", "paper", "imbalanced", "cmnist"), epochs=21),
        ["scales.paper.imbalanced.cmnist.tune_seeds", "early_fraction x epochs = 5.25"],
    ),
    "linear_ce_unknown_rule": (
        _upd(("imbalanced", "linear_ce", "lr_grid"), adam=[0.001]),
        ["imbalanced.linear_ce.lr_grid", "'adam'"],
    ),
    "rare_bucket_out_of_range": (
        _upd(("imbalanced_gpu", "claims"), rare_buckets=[5]),
        ["imbalanced_gpu.claims.rare_buckets", "imbalanced_gpu.tinystories.n_buckets"],
    ),
    "bucket_both_rare_and_frequent": (
        _upd(("imbalanced_gpu", "claims"), frequent_buckets=[0, 4]),
        ["imbalanced_gpu.claims.rare_buckets and frequent_buckets"],
    ),
    "cifar10_minority_out_of_range": (
        _upd(("imbalanced_gpu", "cifar10"), minority=[5, 12]),
        ["imbalanced_gpu.cifar10.minority"],
    ),
    "dominoes_same_digit_twice": (
        _upd(("imbalanced_gpu", "dominoes"), digits=[3, 3]),
        ["imbalanced_gpu.dominoes.digits"],
    ),
    "gpu_lr_grid_never_tuned": (
        _upd(("scales", "paper", "imbalanced_gpu"), tune_epochs=0),
        ["scales.paper.imbalanced_gpu.lr_grid.cifar10", "scales.paper.imbalanced_gpu.tune_epochs"],
    ),
    "gpu_lr_grid_without_validation_split": (
        _upd(("scales", "paper", "imbalanced_gpu", "cifar100"), n_val_per_class=0),
        ["scales.paper.imbalanced_gpu.lr_grid.cifar100", "scales.paper.imbalanced_gpu.cifar100.n_val_per_class"],
    ),
}


@pytest.mark.parametrize("case", list(CROSS_FIELD))
def test_cross_field_problem_is_rejected_naming_both_keys(config, case):
    from muonrepro.pipeline.config_checks import ConfigError

    mutate, keys = CROSS_FIELD[case]
    mutate(config)
    with pytest.raises(ConfigError) as e:
        checked(config)
    msg = str(e.value)
    assert all(k in msg for k in keys), msg


def test_every_problem_of_a_stage_is_reported_at_once(config):
    """Non-finite numbers first (all of them), then, once they are fixed, every cross-field problem."""
    from muonrepro.pipeline.config_checks import ConfigError

    config["energy"]["optimizers"]["sgd"]["lr"] = float("nan")
    config["precond"]["adam"]["lr_grid"] = [float("inf"), 0.1]
    config["energy"]["claims"]["tail_bins"] = 12
    config["precond"]["ablation"]["kappa_plot"] = 7
    with pytest.raises(ConfigError) as e:
        checked(config)
    msg = str(e.value)
    assert msg.startswith("2 config settings are not finite") and msg.count("\n  - ") == 2, msg
    config["energy"]["optimizers"]["sgd"]["lr"] = 0.05
    config["precond"]["adam"]["lr_grid"] = [0.1]
    with pytest.raises(ConfigError) as e:
        checked(config)
    msg = str(e.value)
    # tail_bins, and kappa_plot against each scale's ablation_kappas
    assert msg.startswith("3 config settings would make") and msg.count("\n  - ") == 3, msg


def _user_facing_keys(schema):
    """Every key a user is expected to change: each top-level key, its direct keys, the energy
    estimator's keys, and each size/count key of a scale preset."""
    top = schema["properties"]
    preset = schema["$defs"]["scale_preset"]["properties"]
    keys = {name: spec for name, spec in top.items()}
    for name, spec in top.items():
        for sub, sub_spec in spec.get("properties", {}).items():
            keys[f"{name}.{sub}"] = sub_spec
    for sub, sub_spec in top["energy"]["properties"]["estimator"]["properties"].items():
        keys[f"energy.estimator.{sub}"] = sub_spec
    for paper, spec in preset.items():
        for sub, sub_spec in spec["properties"].items():
            keys[f"scales.<scale>.{paper}.{sub}"] = sub_spec
    return keys


def test_every_user_facing_key_has_a_description():
    schema = yaml.safe_load(Path(SCHEMA).read_text())
    keys = _user_facing_keys(schema)
    assert len(keys) > 80
    missing = sorted(k for k, spec in keys.items() if not str(spec.get("description", "")).strip())
    assert not missing, f"schema keys without a description: {missing}"

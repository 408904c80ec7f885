"""muonrepro.pipeline.config_checks / config_rules: the pieces (the config-level cases are in tests/test_config.py)."""

from __future__ import annotations

import pytest

from muonrepro.pipeline.config_checks import (
    ConfigError,
    non_finite_problems,
    numeric_string_hints,
    schema_hints,
    yaml_float,
)
from muonrepro.pipeline.config_rules import key_path


@pytest.mark.parametrize(
    "typed, fix",
    [("1e-3", "1.0e-3"), ("1E5", "1.0e+5"), ("1.0e3", "1.0e+3"), ("-2e-4", "-2.0e-4"), (".5", "0.5"), ("3.", "3.0")],
)
def test_yaml_float_spells_a_number_yaml_reads_as_a_float(typed, fix):
    import yaml

    assert yaml_float(typed) == fix
    assert isinstance(yaml.safe_load(f"x: {fix}")["x"], float)


def test_key_path_names_nested_keys_and_list_items():
    assert key_path(("energy", "optimizers", "sgd", "lr")) == "energy.optimizers.sgd.lr"
    assert key_path(("scales", "paper", "energy", "lr_grid", "sgd", 1)) == "scales.paper.energy.lr_grid.sgd[1]"


def test_non_finite_numbers_anywhere_are_found_ints_and_strings_are_not():
    cfg = {"a": {"b": [1.0, float("nan")], "c": float("-inf")}, "d": 10**400, "e": "nan", "f": True}
    found = non_finite_problems(cfg)
    assert [p.split(" = ")[0] for p in found] == ["a.b[1]", "a.c"]


def test_only_numeric_strings_get_hints():
    cfg = {"root": "resources/cifar", "sd": "sampled1", "mode": "auto", "lr": "1e-3", "q": "0.5", "v": "1.2.3"}
    hints = numeric_string_hints(cfg)
    assert [h.split(" = ")[0] for h in hints] == ["lr", "q"]
    assert "write 1.0e-3, not 1e-3" in hints[0] and "without quotes" in hints[1]


def test_schema_hints_passes_other_errors_through_unchanged():
    with pytest.raises(KeyError):
        with schema_hints({"width": 3}):
            raise KeyError("width")
    with pytest.raises(ConfigError) as e:
        with schema_hints({"lr": "1e-3"}):
            raise RuntimeError("'1e-3' is not of type 'number'")
    assert str(e.value).startswith("'1e-3' is not of type 'number'") and "write 1.0e-3" in str(e.value)


def test_duplicate_keys_are_named_with_their_lines(tmp_path):
    from muonrepro.pipeline.config_checks import ConfigError, check_duplicate_keys, duplicate_key_problems

    ok = tmp_path / "ok.yaml"
    ok.write_text("energy:\n  width: 256\nprecond:\n  width: 3\n")  # the same key in two mappings is fine
    assert duplicate_key_problems(ok) == []
    bad = tmp_path / "bad.yaml"
    bad.write_text("energy:\n  width: 256\n  claims: {tail_bins: 3, tail_bins: 4}\n  width: 128\nscale: small\n")
    problems = duplicate_key_problems(bad)
    assert len(problems) == 2
    assert any("key 'tail_bins' at line 3 (first at line 3)" in p for p in problems)  # a flow mapping too
    assert any("key 'width' at line 4 (first at line 2)" in p for p in problems)
    with pytest.raises(ConfigError, match="are written twice"):
        check_duplicate_keys([ok, bad])
    check_duplicate_keys([ok])


def test_the_shipped_configs_have_no_duplicate_keys():
    from pathlib import Path

    from muonrepro.pipeline.config_checks import duplicate_key_problems

    root = Path(__file__).resolve().parents[2]
    for path in [root / "config.yaml", *root.glob("tests/config/*.yaml"), *root.glob("profiles/*/config.yaml")]:
        assert duplicate_key_problems(path) == [], path

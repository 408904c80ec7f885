"""Config checks at parse time that the JSON schema cannot express (``workflow/rules/common.smk`` runs them
right after ``validate``), so that a config whose numbers would be meaningless fails before any job runs.

- Non-finite numbers (``check_finite``, before the schema): JSON-schema comparisons with NaN are false, so
  ``lr: .nan`` (or ``.inf``, or a literal beyond the float range such as ``1.0e+400``) passes
  ``minimum``/``maximum``; one pass over the whole config rejects every one, naming its key path
  (``energy.optimizers.sgd.lr``).
- Numbers that YAML 1.1 (PyYAML, which Snakemake uses) reads as strings: ``1e-3`` (a float needs a dot
  in the mantissa and a sign in the exponent). The schema error only says "'1e-3' is not of type
  'number'"; ``schema_hints`` adds how to write it (``1.0e-3``).
- Cross-field rules (``check_config``, after the schema; ``config_rules``): pairs of keys that are each
  valid alone but not together.
- Duplicate keys (``check_duplicate_keys``, on every config file read: ``config.yaml`` and each
  ``--configfile`` overlay): YAML lets the last of two equal keys win without a word, so a setting
  written twice silently changes what a claim measures.

Each stage reports all its problems at once, one line each, in one ``ConfigError``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager

import yaml

from muonrepro.pipeline.config_rules import cross_field_problems, key_path

# a number as one would write it, which YAML 1.1 may still read as a string (1e-3, 1.0e3, "0.5")
_NUMBER = re.compile(r"^[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class ConfigError(ValueError):
    """A config that passes the schema but would give meaningless numbers (or one that fails the schema,
    with a hint). The message lists every problem with its key path and what to do."""


def leaves(obj, path: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """(key path, value) of every scalar in a nested dict/list config."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, (*path, k))
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            yield from leaves(v, (*path, i))
    else:
        yield path, obj


def non_finite_problems(config: dict) -> list[str]:
    """One line per NaN or infinite number anywhere in the config."""
    return [
        f"{key_path(path)} = {value!r} is not a finite number (YAML reads .nan, .inf and literals beyond "
        f"~1.8e308 such as 1.0e+400 as NaN or inf; JSON-schema bounds do not catch them): write a finite value"
        for path, value in leaves(config)
        if isinstance(value, float) and not math.isfinite(value)
    ]


def yaml_float(text: str) -> str:
    """How to write the number ``text`` so that YAML 1.1 reads it as a float: ``1e-3`` -> ``1.0e-3``."""
    mantissa, _, exponent = text.strip().replace("_", "").lower().partition("e")
    sign = mantissa[0] if mantissa[:1] in "+-" and mantissa else ""
    mantissa = mantissa[len(sign) :]
    if mantissa.startswith("."):
        mantissa = "0" + mantissa
    if "." not in mantissa:
        mantissa += ".0"
    if mantissa.endswith("."):
        mantissa += "0"
    if exponent and exponent[0] not in "+-":
        exponent = "+" + exponent
    return f"{sign}{mantissa}" + (f"e{exponent}" if exponent else "")


def numeric_string_hints(config: dict) -> list[str]:
    """One line per string that looks like a number (YAML 1.1 read it as a string), with its spelling as a float."""
    out = []
    for path, value in leaves(config):
        if isinstance(value, str) and _NUMBER.match(value.strip()):
            fix = yaml_float(value)
            if fix != value.strip():
                why = f"write {fix}, not {value}: YAML 1.1 reads {value} as a string"
            else:
                why = f"write {fix} without quotes: quoted, it is a string"
            out.append(f"{key_path(path)} = {value!r}: if this key wants a number, {why}")
    return out


@contextmanager
def schema_hints(config: dict):
    """Around ``validate(config, schema)``: a schema error is raised again with a hint for every value that
    looks like a number but is a string (``1e-3``), and the schema's own message (which names the key)."""
    try:
        yield
    except Exception as e:
        hints = numeric_string_hints(config)
        if not hints:
            raise
        raise ConfigError(
            f"{e}\nValues that YAML read as strings (a YAML 1.1 float needs a dot in the mantissa and a sign in "
            "the exponent, e.g. 1.0e-3, 1.0e+5):\n" + "\n".join(f"  - {h}" for h in hints)
        ) from e


def _raise(problems: list[str], what: str) -> None:
    if problems:
        n = len(problems)
        raise ConfigError(
            f"{n} config setting{'s' if n > 1 else ''} {what} (checked at parse time, before any job runs; fix "
            "config.yaml or the --config / --configfile override):\n" + "\n".join(f"  - {p}" for p in problems)
        )


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that records every mapping key written twice (with its line), instead of keeping the last."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    self.duplicates.append(f"key {key!r} at line {line} (first at line {seen[key]})")
                else:
                    seen[key] = line
            except TypeError:  # an unhashable key: the SafeLoader's own error follows
                continue
        return super().construct_mapping(node, deep=deep)


def duplicate_key_problems(path) -> list[str]:
    """Every key written twice in one mapping of the YAML file ``path``, one line each."""
    with open(path) as f:
        loader = _StrictLoader(f)
        loader.duplicates = []
        try:
            loader.get_single_data()
        finally:
            loader.dispose()
    return [f"{path}: {d}: the later one would silently win; keep one" for d in loader.duplicates]


def check_duplicate_keys(paths) -> None:
    """One ``ConfigError`` naming every duplicate key of the config files ``paths``."""
    _raise([p for path in paths for p in duplicate_key_problems(path)], "are written twice")


def check_finite(config: dict) -> None:
    """Before the schema (whose bounds let NaN through, and whose message for ``width: .nan`` would be
    a type error): one ``ConfigError`` listing every non-finite number."""
    _raise(non_finite_problems(config), "are not finite numbers")


def check_config(config: dict) -> None:
    """After the schema (defaults filled in): one ``ConfigError`` listing every cross-field problem
    (``config_rules``), and again any non-finite number (in case a caller skipped ``check_finite``)."""
    _raise(non_finite_problems(config) + cross_field_problems(config), "would make the results meaningless")

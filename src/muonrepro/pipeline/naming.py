"""The naming convention that leads from a rule to its code: rule ``<prefix>_<suffix>`` runs
``workflow/scripts/<prefix>/<suffix>.py`` (figure rules run ``workflow/notebooks/<rule>.py`` through
``workflow/scripts/run_notebook.py``), where the prefix is the paper (or ``data``, ``ledger``) whose
rule file (``workflow/rules/<prefix>.smk``) holds it."""

from __future__ import annotations

# longest first: imbalanced_gpu_train is an imbalanced_gpu rule
PREFIXES = ("imbalanced_gpu", "imbalanced", "precond", "energy", "ledger", "data")


def split_rule(rule: str) -> tuple[str, str]:
    """``energy_sensitivity_units`` -> (``energy``, ``sensitivity_units``)."""
    for prefix in PREFIXES:
        if rule.startswith(prefix + "_") and len(rule) > len(prefix) + 1:
            return prefix, rule[len(prefix) + 1 :]
    raise ValueError(f"rule {rule!r} does not start with one of {PREFIXES}")


def rule_script(rule: str) -> str:
    """Path of a rule's script relative to ``workflow/scripts``: ``energy_train`` -> ``energy/train.py``."""
    prefix, suffix = split_rule(rule)
    return f"{prefix}/{suffix}.py"

"""One claim table per paper: what each ledger row is, written down before anything is measured.

Each paper's ``claim_table.py`` lists its rows as :class:`Entry` values: the ledger id, the kind, the
statement (the row's ``claim`` text), the figures that show it, the function that computes the row
(``computed_by``, a dotted name: grep it, or let a test resolve it), the Snakemake rule whose ``claims.csv``
holds the row, and, for a row judged over seeds, the config key of its verdict rule. The paper's claims
code builds every row's :class:`~muonrepro.ledger.spec.ClaimSpec` from the table (:meth:`ClaimTable.spec`);
its rule file takes its figure list from the table (:meth:`ClaimTable.figures`); the tests check that every
row a ledger holds is in its table, every figure is drawn, every function exists and every verdict-rule key
is in ``config.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from muonrepro.ledger.spec import ClaimSpec, check_kind_and_figures


@dataclass(frozen=True)
class Entry:
    """One ledger row of a paper. ``statement`` may hold ``{name}`` fields, replaced by :meth:`ClaimTable.spec`'s
    keyword arguments (a value that only the run knows, e.g. a config value quoted in the text); other braces
    (``{E_ij}``) are text."""

    claim_id: str
    kind: str
    statement: str
    figures: tuple[str, ...]
    computed_by: str  # dotted name of the function that returns the row, e.g. muonrepro.energy.claims.gini_claim
    rule: str  # the Snakemake rule whose output holds the row
    verdict_rule: str = ""  # config key of the row's verdict rule (interval | every_seed), when judged over seeds

    def __post_init__(self):
        check_kind_and_figures(self.claim_id, self.kind, self.figures)
        if not self.computed_by.startswith("muonrepro.") or not self.rule:
            raise ValueError(f"claim {self.claim_id}: computed_by must be a muonrepro dotted name and rule a rule name")


@dataclass(frozen=True)
class ClaimTable:
    """A paper's rows in ledger order; ``other_figures``: figures its rules draw that show no single row."""

    paper: str
    entries: tuple[Entry, ...]
    other_figures: tuple[str, ...] = ()

    def __post_init__(self):
        ids = [e.claim_id for e in self.entries]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.paper}: duplicate claim ids {sorted({i for i in ids if ids.count(i) > 1})}")

    def __getitem__(self, claim_id: str) -> Entry:
        for e in self.entries:
            if e.claim_id == claim_id:
                return e
        raise KeyError(f"{self.paper}: no claim {claim_id!r} in its claim table (ids: {', '.join(self.ids)})")

    @property
    def ids(self) -> list[str]:
        return [e.claim_id for e in self.entries]

    def figures(self, computed_in: str | None = None) -> list[str]:
        """The figure names of the rows (of those computed in module or package ``computed_in``, if given, e.g.
        ``muonrepro.imbalanced.gpu``), in table order, each once; with no ``computed_in``, the ``other_figures``
        follow."""
        names = [
            f for e in self.entries if computed_in is None or _within(e.computed_by, computed_in) for f in e.figures
        ]
        if computed_in is None:
            names += self.other_figures
        return list(dict.fromkeys(names))

    def spec(self, claim_id: str, metric: str, criterion: str, scale: str, **statement_args) -> ClaimSpec:
        """The row's spec: kind, statement and figures from the table; what the run measures (``metric``), its
        ``criterion`` and the ``scale`` from the caller."""
        e = self[claim_id]
        statement = e.statement
        for name, value in statement_args.items():
            if "{" + name + "}" not in statement:
                raise KeyError(f"{self.paper} {claim_id}: the statement has no field {{{name}}}")
            statement = statement.replace("{" + name + "}", str(value))
        return ClaimSpec(self.paper, claim_id, e.kind, statement, metric, criterion, scale, figures=e.figures)


def _within(dotted: str, prefix: str) -> bool:
    return dotted == prefix or dotted.startswith(prefix + ".")

"""The claims ledger: one row per paper claim, with measured value, criterion and verdict."""

from muonrepro.ledger.rows import VERDICTS, COLUMNS, Claim, read_claims, write_claims, merge_claims, with_figures

__all__ = ["VERDICTS", "COLUMNS", "Claim", "read_claims", "write_claims", "merge_claims", "with_figures"]

"""The claims ledger: one row per paper claim, with measured value, criterion and verdict."""

from muonrepro.ledger.rows import COLUMNS, VERDICTS, Claim, merge_claims, read_claims, with_figures, write_claims

__all__ = ["VERDICTS", "COLUMNS", "Claim", "read_claims", "write_claims", "merge_claims", "with_figures"]

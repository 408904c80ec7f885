"""The claims ledger: one row per paper claim, with measured value, criterion and verdict; the
theory-check tables that decide the theorem rows."""

from muonrepro.ledger.check_table import CHECK_COLUMNS, CheckTable
from muonrepro.ledger.rows import COLUMNS, VERDICTS, Claim, merge_claims, read_claims, with_figures, write_claims

__all__ = [
    "VERDICTS",
    "COLUMNS",
    "Claim",
    "CheckTable",
    "CHECK_COLUMNS",
    "read_claims",
    "write_claims",
    "merge_claims",
    "with_figures",
]

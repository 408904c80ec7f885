"""The claims ledger: one row per paper claim (built from a ``ClaimSpec``), with kind, measured value,
criterion, verdict and figures; the theory-check tables that decide the theorem rows."""

from muonrepro.ledger.check_table import CHECK_COLUMNS, CheckTable
from muonrepro.ledger.rows import COLUMNS, KINDS, VERDICTS, Claim, figure_list, merge_claims, read_claims, write_claims
from muonrepro.ledger.spec import ClaimSpec

__all__ = [
    "VERDICTS",
    "KINDS",
    "COLUMNS",
    "Claim",
    "ClaimSpec",
    "CheckTable",
    "CHECK_COLUMNS",
    "figure_list",
    "read_claims",
    "write_claims",
    "merge_claims",
]

"""Names the readings' tables use, kept free of torch: the workflow imports them while it parses."""

from __future__ import annotations


def retention_name(kind: str, value: float) -> str:
    """``thr1e-08`` / ``damp1e-06``: the retention's name in every table."""
    return f"{kind}{value:g}"

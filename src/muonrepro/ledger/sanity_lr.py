"""The ledger's ``sanity-lr`` row, the same for every paper: every learning rate tuned on the validation split
(``training.lr_select``) lies inside its grid after the extension rule, so the grid did not decide it. Each paper's
claim table holds its entry (``edge_entry``); ``edge_claim`` judges the paper's choice records."""

from __future__ import annotations

from muonrepro.ledger.claim_table import Entry

EDGE_CLAIM_ID = "sanity-lr"
EDGE_STATEMENT = (  # the statement of every paper's sanity-lr row (edge_entry)
    "Sanity: every tuned learning rate lies inside its grid, so the grid did not decide it (not a paper claim)"
)


def edge_entry(rule: str, computed_by: str = "muonrepro.ledger.sanity_lr.edge_claim"):
    """The ``sanity-lr`` entry of a paper's claim table (``ledger.claim_table.Entry``): held by ``rule``, computed by
    ``edge_claim`` (or by ``computed_by``, a paper's function that calls it)."""
    return Entry(EDGE_CLAIM_ID, "sanity", EDGE_STATEMENT, (), computed_by, rule)


def edge_claim(table, scale: str, choices: dict[str, dict], max_extensions: int, evidence: str):
    """The ledger's sanity row for a paper's tuned lrs: every choice interior to its grid after the extension rule.
    ``table``: the paper's claim table (``ledger.claim_table.ClaimTable``, its ``sanity-lr`` entry); ``choices``
    maps a label (e.g. ``mlp1/muon``) to its choice record (``training.lr_select.select_lr``'s, or any dict with
    ``tuned`` and ``edge``). Not run when nothing was tuned at this scale."""
    spec = table.spec(
        EDGE_CLAIM_ID,
        "tuned lrs still at a grid edge",
        f"0, after a choice at an edge trains one more lr past it, up to {max_extensions} times "
        "(ours, lr_selection.max_extensions)",
        scale,
    )
    tuned = {k: choices[k] for k in sorted(choices) if choices[k].get("tuned")}
    if not tuned:
        return spec.not_run(f"no learning rate is tuned at the {scale} scale: every run uses its configured lr")
    at_edge = {k: c["edge"] for k, c in tuned.items() if c["edge"] != "interior"}
    extended = {k: c["grid"] for k, c in tuned.items() if len(c["grid"]) > len(c.get("configured_grid", c["grid"]))}
    ev = f"{evidence}; {len(tuned)} tuned choice(s)"
    if extended:
        ev += "; grids extended: " + ", ".join(
            f"{k} to [{', '.join(f'{g:g}' for g in v)}]" for k, v in extended.items()
        )
    if at_edge:
        ev += "; still at an edge: " + ", ".join(f"{k} ({v})" for k, v in at_edge.items())
    why = (
        f"{len(at_edge)} tuned lr(s) still at a grid edge ({', '.join(at_edge)}): the grid, not the data, decided them"
    )
    return spec.judged(len(at_edge), not at_edge, ev, reason=why)

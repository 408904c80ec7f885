"""The ``imbalanced_claims`` rule's job: the paper's ledger (the CPU rows of ``claims``, the ``sanity-lr`` row, the
GPU-scale rows of ``gpu.claims``) from the rule's input files, so that the rule (``claims_job``) and a published
ledger's re-derivation (``ledger.publish``: ``claims_from_inputs``) run the same code."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from muonrepro.imbalanced.claim_table import TABLE
from muonrepro.imbalanced.claims import build_claims
from muonrepro.imbalanced.gpu.claims import build_claims as build_gpu_claims
from muonrepro.ledger import write_claims
from muonrepro.ledger.sanity_lr import edge_claim


def claims_job(smk) -> None:
    """Rule imbalanced_claims: the paper's ledger (``claims_from_inputs``), printed to the log."""
    print(claims_from_inputs(smk.input, dict(smk.params), smk.output[0]).to_string())


def claims_from_inputs(inputs, p: dict, out: str | Path) -> pd.DataFrame:
    """The claims rule's ledger from its input files (``checks``, ``curves``, ``selection``, ``gpu_status``, ``gpu_metrics``,
    ``gpu_skipped``) and ``rules.claims_params``."""
    gpu = {
        "status": inputs["gpu_status"],
        "metrics": inputs["gpu_metrics"],
        "skipped": inputs["gpu_skipped"],
        "cfg": p["gpu_cfg"],
        "model_notes": p["model_notes"],
    }
    return claims_stage(
        inputs["checks"],
        inputs["curves"],
        p["cfg"],
        p["scale"],
        p["stats"],
        gpu,
        out,
        inputs["selection"],
        p["max_extensions"],
    )


def claims_stage(
    checks: str,
    curves: str,
    cfg: dict,
    scale: str,
    stats: dict,
    gpu: dict,
    out: str | Path,
    selection: str | None = None,
    max_extensions: int = 0,
) -> pd.DataFrame:
    """The paper's ledger: theory and CPU rows (items 1-12, 17), the sanity row of the tuned lrs (``selection``:
    lr_selection.csv), then the GPU-scale rows (13-16); the empirical rows judged over seeds with ``stats`` (the
    top-level block: ``level``, ``min_seeds``).
    ``gpu``: ``status`` (data_status.json), ``metrics`` / ``skipped`` (per experiment that ran: files in
    ``imbalanced/gpu/<exp>/`` under the output root), ``cfg`` (``imbalanced_gpu.claims``) and ``model_notes``."""
    rows = build_claims(pd.read_csv(checks), pd.read_parquet(curves), cfg, scale, stats)
    if selection is not None:
        sel = pd.read_csv(selection, keep_default_na=False)
        choices = {
            f"{r.experiment}/{r.optimizer}/{r.group}": {
                "tuned": r.edge != "not tuned",
                "edge": r.edge,
                "grid": [float(x) for x in str(r.grid).split("; ")],
            }
            for r in sel.itertuples()
        }
        rows.append(edge_claim(TABLE, scale, choices, max_extensions, "imbalanced/lr_selection.csv"))
    status = json.loads(Path(gpu["status"]).read_text())
    metrics = {Path(f).parent.name: pd.read_parquet(f) for f in gpu["metrics"]}
    skipped = {Path(f).parent.name: json.loads(Path(f).read_text()) for f in gpu["skipped"]}
    rows += build_gpu_claims(status, metrics, skipped, gpu["cfg"], scale, stats, gpu["model_notes"])
    return write_claims(rows, out)

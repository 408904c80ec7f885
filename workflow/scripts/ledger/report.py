"""Rule ledger_report: REPRODUCTION.md, report/index.html and the first page of `snakemake --report`
(fails on missing evidence figures)."""

import sys
from pathlib import Path

from muonrepro.ledger.report import write_summary

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
write_summary(
    snakemake.input.claims,
    list(snakemake.input.metas),
    scale=snakemake.params.scale,
    seeds=snakemake.params.seeds,
    root=Path(snakemake.input.claims).parent,  # the merged ledger's folder: the scale's output root
    md_out=snakemake.output.md,
    rst_out=snakemake.output.rst,
    html_out=snakemake.output.html,
)

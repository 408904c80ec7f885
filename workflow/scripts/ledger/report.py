"""Rule report_summary: REPRODUCTION.md and the report's ledger page (fails on missing evidence)."""

import sys

from muonrepro.ledger.report import write_summary

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
write_summary(
    snakemake.input.claims,
    list(snakemake.input.metas),
    scale=snakemake.params.scale,
    seeds=snakemake.params.seeds,
    md_out=snakemake.output.md,
    rst_out=snakemake.output.rst,
)

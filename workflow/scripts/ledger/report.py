"""Rule ledger_report: REPRODUCTION.md, report/index.html and the first page of `snakemake --report` (fails on
missing evidence figures) (muonrepro.ledger.pages.report_job)."""

import sys

from muonrepro.ledger.pages import report_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
report_job(snakemake)

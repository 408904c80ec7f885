"""Rule ledger_report: REPRODUCTION.md, report/index.html and the first page of `snakemake --report` (fails on
missing evidence figures) (muonrepro.ledger.report.report_job)."""

import sys

from muonrepro.ledger.report import report_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
report_job(snakemake)

"""Rule ledger_merge: per-paper ledgers -> results/<scale>/claims.csv (muonrepro.ledger.rows.merge_job)."""

import sys

from muonrepro.ledger.rows import merge_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
merge_job(snakemake)

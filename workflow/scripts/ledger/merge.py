"""Rule claims_merge: per-paper ledgers -> results/<scale>/claims.csv."""

import sys

from muonrepro.ledger import merge_claims

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
merge_claims(list(snakemake.input.claims), snakemake.output[0])

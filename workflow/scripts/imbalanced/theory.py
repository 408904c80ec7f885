"""Rule imbalanced_theory: every theory check of the imbalanced paper (claims 1-10), float64
(muonrepro.imbalanced.theory.checks.theory_job)."""

import sys

from muonrepro.imbalanced.theory.checks import theory_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
theory_job(snakemake)

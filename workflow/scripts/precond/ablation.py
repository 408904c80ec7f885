"""Rule precond_ablation: step-rule (R7, A13) and orthogonalizer (R8, A15) ablations on MF
(muonrepro.precond.ablation.ablation_job)."""

import sys

from muonrepro.precond.ablation import ablation_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
ablation_job(snakemake)

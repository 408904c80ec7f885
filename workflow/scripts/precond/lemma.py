"""Rule precond_lemma: Lemma L1 on the scalar recursion (A11), on matrix iterates (A10), decoupling (A8)
(muonrepro.precond.theory.lemma_job)."""

import sys

from muonrepro.precond.theory import lemma_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
lemma_job(snakemake)

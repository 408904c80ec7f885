"""Rule precond_lemma: Lemma L1 on the scalar recursion (A11), on matrix iterates (A10), decoupling (A8)."""

import sys

import torch

from muonrepro.precond.theory import decoupling_mf, lemma_matrix_sweep, lemma_scalar_sweep
from muonrepro.util.io import atomic_write_csv

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
P, PS = snakemake.params.precond, snakemake.params.preset
scalar = lemma_scalar_sweep(P["lemma"])
atomic_write_csv(scalar, snakemake.output.scalar)
atomic_write_csv(lemma_matrix_sweep(P, PS), snakemake.output.matrix)
atomic_write_csv(decoupling_mf(P, PS), snakemake.output.decoupling)
print(scalar.to_string())

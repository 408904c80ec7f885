"""Rule precond_claims: checks A1-A15 (+ E1-E3) -> claims.csv, table T1, run metadata."""

import sys

from muonrepro.precond.claims import load_tables, write_ledger

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
i, o = snakemake.input, snakemake.output
tables = load_tables(i.iterations, i.info, i.curves, i.steps, i.ns5, i.lemma_scalar, i.lemma_matrix, i.decoupling, i.mc)
p = snakemake.params
df = write_ledger(tables, p.precond, p.preset, p.scale, p.stats, o.claims, o.table, o.meta)
print(df[["claim_id", "value", "n_seeds", "verdict", "reason"]].to_string())

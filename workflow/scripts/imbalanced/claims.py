"""Rule imbalanced_claims: the imbalanced paper's ledger (spec §5 items 1-17; GPU-scale rows not_run where
their data is absent)."""

import sys

from muonrepro.imbalanced.stages import claims_stage

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
i, p = snakemake.input, snakemake.params
gpu = {
    "status": i.gpu_status,
    "metrics": i.gpu_metrics,
    "skipped": i.gpu_skipped,
    "cfg": p.gpu_cfg,
    "model_notes": p.model_notes,
}
rows = claims_stage(
    i.checks, i.curves, p.cfg, p.scale, p.stats, gpu, snakemake.output[0], i.selection, p.max_extensions
)
print(rows.to_string())

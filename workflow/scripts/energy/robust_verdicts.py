"""Rule energy_robust_verdicts: the primary reading's verdicts of one training-settings variant."""

import sys

import pandas as pd

from muonrepro.energy.aggregate import aggregate
from muonrepro.energy.claims import Criteria
from muonrepro.energy.robustness import variant_verdicts
from muonrepro.util.io import atomic_write_csv

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
i, p = snakemake.input, snakemake.params
est = p.estimator
tables = aggregate(
    i.summaries, i.per_modes, i.logs, i.histories, i.metas, mode_set=est["mode_set"], n_bins=est["n_deciles"]
)
rows = variant_verdicts(tables, Criteria(**p.criteria), est)
atomic_write_csv(pd.DataFrame(rows).assign(setting=p.setting, value=p.value), snakemake.output[0])

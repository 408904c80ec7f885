# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Energy paper: does one change of the estimator's reading flip a claim's verdict?
# Per claim, the primary reading and each single-dimension change of it (`energy/reading_robustness.csv`).
# Drawn by `muonrepro.energy.one_change_figure` (what each row shows is computed there, and tested).

# %% tags=["parameters"]
inputs = {}
outputs = {}
scale = "small"
dpi = 130

# %%
import pandas as pd

from muonrepro import notebook
from muonrepro.energy import one_change_figure

nb = notebook.preamble(outputs, dpi, scale, ours="every reading of the estimator (the paper does not state it)")
table = pd.read_csv(inputs["robustness"], keep_default_na=False)  # "n/a" and "" are values, not missing
nb.save(one_change_figure.draw(table, "reading", scale), "reading_robustness")

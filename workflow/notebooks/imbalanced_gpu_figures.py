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
# # Imbalanced-data paper, GPU-scale experiments (E2-E6)
# CIFAR STEP-20 (E2), MNIST-CIFAR dominoes (E3), MultiNLI (E4), CelebA (E5), TinyStories (E6). An
# experiment without data gets a panel that says why. Settings not in the spec are ours (config.yaml
# `imbalanced_gpu`, `# ours:`); at the small scale the NLP models are small ones trained from scratch.

# %% tags=["parameters"]
inputs = {}
outputs = {}
scale = "small"
claims = {}
optimizers = {}
dpi = 130

# %%
import json
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from muonrepro import notebook, plotting

nb = notebook.preamble(
    outputs, dpi, scale, ours="optimizer settings, epochs, widths, lr selection (config imbalanced_gpu)"
)
status = json.loads(Path(inputs["status"]).read_text())
metrics = inputs.get("metrics", [])
metrics = [metrics] if isinstance(metrics, str) else metrics
data = {Path(f).parent.name: pd.read_parquet(f) for f in metrics}
OPTS = ["muon", "shampoo", "adam", "sgd", "nmd", "signum"]


def placeholder(name, exps, title):
    msgs = [status[e]["message"] if e in status else f"{e}: not in imbalanced_gpu.experiments" for e in exps]
    text = "not run:\n" + "\n".join(
        textwrap.fill(m, 120, subsequent_indent="    ", break_on_hyphens=False) for m in msgs
    )
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.13 * (text.count("\n") + 1)), layout="constrained")
    ax.axis("off")
    ax.text(0, 1, text, fontsize=7, va="top", family="monospace")
    ax.set_title(title)
    nb.save(fig, name)


def curves(name, panels, title):
    """panels: list of (experiment, metric, group, ylabel)."""
    have = [p for p in panels if p[0] in data and len(data[p[0]])]
    if not have:
        placeholder(name, sorted({p[0] for p in panels}), title)
        return
    fig, axes = plt.subplots(1, len(have), figsize=(4.2 * len(have) + 1.5, 3.4), squeeze=False, layout="constrained")
    for ax, (exp, metric, group, ylabel) in zip(axes[0], have):
        d = data[exp]
        d = d[(d["metric"] == metric) & (d["group"] == group)]
        for opt in [o for o in OPTS if o in set(d["optimizer"])] + sorted(set(d["optimizer"]) - set(OPTS)):
            m = plotting.seed_spread(d[d["optimizer"] == opt], "epoch", "value")
            plotting.seed_band(ax, m.index, m["mean"], m["lo"], m["hi"], plotting.color(opt), plotting.label(opt))
        ax.set(xlabel="epoch", ylabel=ylabel, title=f"{exp}: {plotting.label(metric)}, {plotting.label(group)}")
    handles = {h.get_label(): h for ax in axes[0] for h in ax.get_legend_handles_labels()[0]}
    fig.legend(handles.values(), handles.keys(), loc="outside right upper")
    n_seeds = max(data[e]["seed"].nunique() if "seed" in data[e] else 1 for e in {p[0] for p in have})
    fig.suptitle(f"{title} ({plotting.seed_note(n_seeds)})")
    nb.save(fig, name)


# %%
curves(
    "e2_cifar_step",
    [
        ("cifar10", "test_acc", "minority", "test accuracy"),
        ("cifar10", "test_acc", "majority", "test accuracy"),
        ("cifar100", "test_acc", "minority", "test accuracy"),
        ("cifar100", "test_acc", "majority", "test accuracy"),
    ],
    "E2 CIFAR STEP-20: minority vs majority classes",
)
curves(
    "e3_dominoes",
    [
        ("dominoes", "test_acc", "worst_group", "worst-group accuracy"),
        ("dominoes", "decoded_test_acc", "worst_group", "decoded worst-group accuracy"),
    ],
    "E3 MNIST-CIFAR dominoes",
)
curves(
    "e4_multinli",
    [
        ("multinli", "test_acc", "worst_group", "worst-group accuracy"),
        ("multinli", "test_acc", "average", "average accuracy"),
    ],
    "E4 MultiNLI label x negation groups",
)
curves(
    "e5_celeba",
    [
        ("celeba", "test_acc", "worst_group", "worst-group accuracy"),
        ("celeba", "decoded_test_acc", "worst_group", "decoded worst-group accuracy"),
    ],
    "E5 CelebA Blond_Hair x Male",
)
rare, frequent = claims["rare_buckets"][0], claims["frequent_buckets"][-1]
curves(
    "e6_tinystories",
    [
        ("tinystories", "test_loss", f"bucket{rare}", "test loss, rarest-token bucket"),
        ("tinystories", "test_loss", f"bucket{frequent}", "test loss, most frequent bucket"),
        ("tinystories", "test_loss", "average", "test loss, all tokens"),
    ],
    "E6 TinyStories next-token loss by token-frequency bucket",
)

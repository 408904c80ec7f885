"""Per-run settings of the GPU-scale experiments from the config (no torch import: Snakemake calls this at parse time).

``ig`` is the config's ``imbalanced_gpu`` section (the method), ``igs`` its scale slice
``scales.<scale>.imbalanced_gpu`` (sizes). A scale slice may shrink the NLP models: MultiNLI's
``bert`` (null = fine-tune the pretrained BERT-base in ``data.bert_dir``; else a BERT of that size
from scratch) and TinyStories' ``model`` (keys override the method's GPT sizes).
"""

from __future__ import annotations


def model_config(exp: str, ig: dict, igs: dict) -> dict:
    """The model settings one (experiment, optimizer, seed) run receives."""
    sizes = igs[exp]
    if exp == "multinli":
        return {"pretrained": ig["data"]["bert_dir"]} if sizes["bert"] is None else dict(sizes["bert"])
    if exp == "tinystories":
        return {**ig[exp]["model"], **(sizes["model"] or {})}
    return {**ig[exp]["model"], "width": igs["width"]}


def optimizer_config(exp: str, opt: str, ig: dict) -> dict:
    """``imbalanced_gpu.optimizers.<opt>`` with the experiment's ``optimizer_overrides.<opt>`` merged over it."""
    return {**ig["optimizers"][opt], **ig[exp].get("optimizer_overrides", {}).get(opt, {})}


def model_note(exp: str, ig: dict, igs: dict) -> str:
    """What model ran at this scale, for the ledger row's evidence."""
    m = model_config(exp, ig, igs)
    if exp == "multinli":
        if "pretrained" in m:
            return f"model: pretrained BERT-base fine-tuned (from {m['pretrained']})"
        return (
            f"model: a BERT (hidden {m['hidden']}, {m['layers']} layers) trained from scratch at this scale, not "
            f"the paper's BERT-base fine-tuning"
        )
    if exp == "tinystories":
        return (
            f"model: GPT, {m['n_layers']} layers, d={m['d_model']}, context {m['context']} (ours: the paper's "
            f"model is unknown)"
        )
    return f"model: ResNet-{m['depth']} ({m['stem']} stem, width {m['width']})"

"""MultiNLI negation groups (spec imbalanced.md §4.5; Sagawa et al. 2020).

Reads the official MultiNLI 1.0 JSON-lines files (``multinli_1.0_train.jsonl``,
``multinli_1.0_dev_matched.jsonl`` under ``root``). Labels: entailment, neutral, contradiction;
spurious attribute: a negation word in the hypothesis (``sentence2``); groups ``2 * y + negation``
(6 groups). Tokenisation and the BERT-base model need the optional extra ``nlp`` (``datasets``,
``transformers``), imported only by the training code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

LABELS = ["entailment", "neutral", "contradiction"]
NEGATION = ("no", "never", "nothing", "nobody")
FILES = {"train": "multinli_1.0_train.jsonl", "test": "multinli_1.0_dev_matched.jsonl"}


def fetch_hint(root: str, key: str = "imbalanced_gpu.data.multinli_root") -> str:
    return (f"MultiNLI not found: expected {Path(root) / FILES['train']} and {FILES['test']} (config key {key}). "
            f"Download it with: wget https://cims.nyu.edu/~sbowman/multinli/multinli_1.0.zip && "
            f"unzip -j multinli_1.0.zip 'multinli_1.0/*.jsonl' -d {root}")


def expected_files(root) -> list[Path]:
    return [Path(root) / f for f in FILES.values()]


def has_negation(text: str) -> bool:
    return any(w in NEGATION for w in re.findall(r"[a-z']+", str(text).lower()))


def load_groups(root, split: str) -> pd.DataFrame:
    """premise, hypothesis, y, negation, group of one split (rows with the gold label '-' dropped)."""
    df = pd.read_json(Path(root) / FILES[split], lines=True)
    df = df[df["gold_label"].isin(LABELS)]
    out = pd.DataFrame({"premise": df["sentence1"].astype(str), "hypothesis": df["sentence2"].astype(str),
                        "y": df["gold_label"].map(LABELS.index).astype(int)}).reset_index(drop=True)
    out["negation"] = out["hypothesis"].map(has_negation).astype(int)
    out["group"] = 2 * out["y"] + out["negation"]
    return out

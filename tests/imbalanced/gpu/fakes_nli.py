"""Tiny MultiNLI files in the official JSON-lines format, and a tiny BERT ``vocab.txt``.

Each hypothesis carries a label word (``LABEL_WORDS``), so a small model learns the label in a few
steps; a negation word (with punctuation or capitals now and then) appears in the hypothesis of 60%
of the contradictions and 10% of the other pairs. Distractors that must not count as negation
(``no-one``: Sagawa et al.'s tokenisation removes the hyphen; ``knot``, ``nowhere``; negation words in
the premise) and rows with the gold label ``-`` are mixed in. The writer returns what it wrote with
the true ``negation`` flag of every row, independent of the loader's word matching.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

LABELS = ["entailment", "neutral", "contradiction"]
LABEL_WORDS = {"entailment": "alpha", "neutral": "beta", "contradiction": "gamma"}
NEGATION_FORMS = ["no", "never", "nothing", "nobody", "No", "never.", "nobody,", "NOTHING"]
FILLER = [
    "the",
    "cat",
    "dog",
    "sat",
    "ran",
    "on",
    "a",
    "mat",
    "big",
    "red",
    "house",
    "man",
    "woman",
    "saw",
    "tree",
    "car",
    "blue",
    "green",
    "small",
    "walked",
]
DISTRACTORS = ["no-one", "knot", "nowhere", "notice"]
WORDS = (
    FILLER
    + list(LABEL_WORDS.values())
    + ["no", "never", "nothing", "nobody", "knot", "nowhere", "notice", "one", "-", ".", ","]
)


def _pair(rng, label: str, negation: bool) -> tuple[str, str]:
    premise = list(rng.choice(FILLER, size=rng.integers(3, 7)))
    if rng.random() < 0.2:
        premise.insert(int(rng.integers(0, len(premise) + 1)), str(rng.choice(NEGATION_FORMS)))
    hyp = list(rng.choice(FILLER, size=rng.integers(2, 5)))
    hyp.insert(int(rng.integers(0, len(hyp) + 1)), LABEL_WORDS.get(label, str(rng.choice(FILLER))))
    if rng.random() < 0.2:
        hyp.insert(int(rng.integers(0, len(hyp) + 1)), str(rng.choice(DISTRACTORS)))
    if negation:
        hyp.insert(int(rng.integers(0, len(hyp) + 1)), str(rng.choice(NEGATION_FORMS)))
    return " ".join(premise) + ".", " ".join(hyp) + "."


def _rows(n: int, rng, prefix: str) -> list[dict]:
    rows = []
    for i in range(n):
        gold = "-" if rng.random() < 0.05 else str(rng.choice(LABELS))
        negation = bool(rng.random() < (0.6 if gold == "contradiction" else 0.1))
        s1, s2 = _pair(rng, gold, negation)
        rows.append(
            {
                "annotator_labels": [gold if gold != "-" else "neutral"],
                "genre": str(rng.choice(["fiction", "travel"])),
                "gold_label": gold,
                "pairID": f"{prefix}{i}",
                "promptID": str(i),
                "sentence1": s1,
                "sentence1_binary_parse": "( " + s1 + " )",
                "sentence1_parse": "(ROOT " + s1 + ")",
                "sentence2": s2,
                "sentence2_binary_parse": "( " + s2 + " )",
                "sentence2_parse": "(ROOT " + s2 + ")",
                "_negation": negation,
            }
        )
    return rows


def make_multinli(root, n_train: int = 200, n_test: int = 80, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Write ``multinli_1.0_train.jsonl`` and ``multinli_1.0_dev_matched.jsonl`` under ``root``.

    Returns, per split (``train``, ``test``), every written row (``-`` rows included) with the true
    ``negation`` flag and its line number ``row``.
    """
    rng = np.random.default_rng(seed)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, name, n in (
        ("train", "multinli_1.0_train.jsonl", n_train),
        ("test", "multinli_1.0_dev_matched.jsonl", n_test),
    ):
        rows = _rows(n, rng, split)
        (root / name).write_text(
            "".join(json.dumps({k: v for k, v in r.items() if not k.startswith("_")}) + "\n" for r in rows)
        )
        df = pd.DataFrame(rows).rename(columns={"_negation": "negation"})
        df["row"] = np.arange(len(df))
        out[split] = df
    return out


def make_bert_vocab(directory, words=WORDS) -> Path:
    """A ``vocab.txt`` with the five BERT special tokens and ``words`` (one per line), loadable by BertTokenizerFast."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    seen = dict.fromkeys(special + [w for w in words if w not in special])
    (d / "vocab.txt").write_text("\n".join(seen) + "\n")
    return d

"""MultiNLI negation groups and BERT token ids (spec imbalanced.md §4.5; groups follow Sagawa et al. 2020).

Reads the official MultiNLI 1.0 JSON-lines files (``multinli_1.0_train.jsonl``,
``multinli_1.0_dev_matched.jsonl`` under ``root``); rows whose ``gold_label`` is ``-`` (no annotator
majority) are dropped. Labels: entailment, neutral, contradiction (in that order, ours; Sagawa et al.
number them contradiction, entailment, neutral). Spurious attribute: one of the negation words
"no", "never", "nothing", "nobody" in the hypothesis (``sentence2``), found with Sagawa et al.'s
tokenisation (``dataset_scripts/generate_multinli.py`` of kohpangwei/group_DRO: punctuation removed,
lower-cased, split at spaces). Groups ``2 * y + negation`` (6 groups).

``build_multinli`` (ours where not stated otherwise) tokenises the premise/hypothesis pairs as a BERT
sentence pair (``[CLS] premise [SEP] hypothesis [SEP]``, longest-first truncation to ``max_len``,
padding with the tokenizer's pad id; Sagawa et al. use bert-base-uncased with length 128) with the
local tokenizer directory ``tokenizer_dir``. Splits (ours; Sagawa et al. instead pool train, dev
matched and dev mismatched and re-split them 50/20/30 at random, which gives the §4.5 sizes):

- ``train``: the official train file minus the held-out part;
- ``val``: a seeded random ``val_fraction`` of the official train file (lr selection, decoded
  accuracy); it does not depend on ``n_train``/``n_val``, so it never overlaps ``train``;
- ``test``: dev_matched (the usual practice: the MultiNLI test labels are not public).

``n_train``/``n_val``/``n_test`` (None: all) take seeded random subsets of those splits.

Minority groups (ours): the groups whose training count is below half the mean group count, the rule
the CelebA builder uses. On the full training data these should be exactly the three negation groups
(negation words are rare in hypotheses: the group counts Sagawa et al. report for their training split
are about 11k contradiction, 1.5k entailment and 2k neutral pairs with negation against 57-67 thousand
per label without; not re-counted here, the build stores what it finds), so the
"minority" summary is the mean accuracy over the spurious-attribute minority groups; on small subsets
the rule follows the counts actually drawn.

Tokenisation needs the optional extra ``nlp`` (``transformers``), imported only inside the functions
that use it.
"""

from __future__ import annotations

import string
from pathlib import Path

import pandas as pd
import torch

LABELS = ["entailment", "neutral", "contradiction"]
NEGATION = ("no", "never", "nothing", "nobody")
FILES = {"train": "multinli_1.0_train.jsonl", "test": "multinli_1.0_dev_matched.jsonl"}
GROUP_NAMES = [f"{label}/{'negation' if a else 'no_negation'}" for label in LABELS for a in (0, 1)]
NLP_EXTRA = "pip install 'muonrepro[nlp]'"
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def fetch_hint(root: str, key: str = "imbalanced_gpu.data.multinli_root") -> str:
    return (
        f"MultiNLI not found: expected {Path(root) / FILES['train']} and {FILES['test']} (config key {key}). "
        f"Download it with: wget https://cims.nyu.edu/~sbowman/multinli/multinli_1.0.zip && "
        f"unzip -j multinli_1.0.zip 'multinli_1.0/*.jsonl' -d {root}"
    )


def bert_hint(path, what: str = "tokenizer") -> str:
    return (
        f"BERT {what} not found at {path}: download bert-base-uncased there with: "
        f"huggingface-cli download bert-base-uncased --local-dir {path}"
    )


def expected_files(root) -> list[Path]:
    return [Path(root) / f for f in FILES.values()]


def has_negation(text: str) -> bool:
    """A negation word in ``text``, tokenised as Sagawa et al. do (punctuation removed, lower-cased, split at ' ')."""
    return any(w in NEGATION for w in str(text).translate(_PUNCTUATION).lower().split(" "))


def load_groups(root, split: str) -> pd.DataFrame:
    """row, premise, hypothesis, y, negation, group of one split (rows with the gold label '-' dropped).

    ``row``: the 0-based line number in the official file (provenance; kept as ``{split}_row``).
    """
    df = pd.read_json(Path(root) / FILES[split], lines=True, dtype=False)
    df = df[df["gold_label"].isin(LABELS)]
    out = pd.DataFrame(
        {
            "row": df.index.astype(int),
            "premise": df["sentence1"].astype(str),
            "hypothesis": df["sentence2"].astype(str),
            "y": df["gold_label"].map(LABELS.index).astype(int),
        }
    ).reset_index(drop=True)
    out["negation"] = out["hypothesis"].map(has_negation).astype(int)
    out["group"] = 2 * out["y"] + out["negation"]
    return out


def load_tokenizer(tokenizer_dir):
    """``BertTokenizerFast`` from a local directory holding ``vocab.txt`` (or ``tokenizer.json``); never downloads."""
    try:
        from transformers import BertTokenizerFast
    except ImportError as e:
        raise ImportError(f"tokenising MultiNLI needs transformers: {NLP_EXTRA}") from e
    d = Path(tokenizer_dir)
    if not ((d / "vocab.txt").is_file() or (d / "tokenizer.json").is_file()):
        raise FileNotFoundError(bert_hint(d))
    return BertTokenizerFast.from_pretrained(str(d))


def tokenize_pairs(tokenizer, premise, hypothesis, max_len: int) -> torch.Tensor:
    """int32 [N, max_len] ids of ``[CLS] premise [SEP] hypothesis [SEP]``, longest-first truncated, pad-padded."""
    if not len(premise):
        return torch.empty(0, max_len, dtype=torch.int32)
    enc = tokenizer(
        list(premise),
        list(hypothesis),
        truncation="longest_first",
        max_length=max_len,
        padding="max_length",
        return_tensors="pt",
    )
    return enc["input_ids"].to(torch.int32)


def split_train_val(n: int, val_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Sorted (train, val) row indices: a seeded random ``round(val_fraction * n)`` rows are held out as val."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_val = round(val_fraction * n)
    return torch.sort(perm[n_val:]).values, torch.sort(perm[:n_val]).values


def _subset(idx: torch.Tensor, n: int | None, gen: torch.Generator) -> torch.Tensor:
    if n is None or n >= len(idx):
        return idx
    return torch.sort(idx[torch.randperm(len(idx), generator=gen)[:n]]).values


def minority_by_count(group: torch.Tensor, n_groups: int) -> list[int]:
    """Groups whose count is below half the mean group count (the CelebA builder's rule)."""
    counts = torch.bincount(group, minlength=n_groups).float()
    return [g for g in range(n_groups) if counts[g] < 0.5 * counts.mean()]


def build_multinli(
    root,
    tokenizer_dir,
    max_len: int = 128,
    n_train: int | None = None,
    n_val: int | None = None,
    n_test: int | None = None,
    val_fraction: float = 0.1,
    seed: int = 0,
) -> dict:
    """The ``nli`` task's dataset dict (module docstring for the splits and minority groups).

    Keys: ``{train,val,test}_ids`` (int32 [N, max_len]), ``_y``, ``_group`` (int64), ``_row`` (line number
    in the official file), ``task`` ("nli"), ``n_classes``, ``label_names``, ``group_names``,
    ``minority_groups``, ``majority_groups``, ``pad_id``, ``sep_id``, ``cls_id``, ``vocab_size``, ``max_len``.
    """
    missing = [p for p in expected_files(root) if not p.is_file()]
    if missing:
        raise FileNotFoundError(fetch_hint(str(root)))
    tok = load_tokenizer(tokenizer_dir)
    full = load_groups(root, "train")
    tr, va = split_train_val(len(full), val_fraction, seed)
    gen = torch.Generator().manual_seed(seed + 1)
    frames = {"train": full.iloc[_subset(tr, n_train, gen).numpy()], "val": full.iloc[_subset(va, n_val, gen).numpy()]}
    test = load_groups(root, "test")
    frames["test"] = test.iloc[_subset(torch.arange(len(test)), n_test, gen).numpy()]
    out = {
        "name": "multinli",
        "task": "nli",
        "n_classes": len(LABELS),
        "label_names": LABELS,
        "group_names": GROUP_NAMES,
        "negation_words": list(NEGATION),
        "max_len": max_len,
        "pad_id": tok.pad_token_id,
        "sep_id": tok.sep_token_id,
        "cls_id": tok.cls_token_id,
        "vocab_size": len(tok),
        "val_fraction": val_fraction,
    }
    for split, df in frames.items():
        out[f"{split}_ids"] = tokenize_pairs(tok, df["premise"].tolist(), df["hypothesis"].tolist(), max_len)
        out[f"{split}_y"] = torch.tensor(df["y"].to_numpy(), dtype=torch.int64)
        out[f"{split}_group"] = torch.tensor(df["group"].to_numpy(), dtype=torch.int64)
        out[f"{split}_row"] = torch.tensor(df["row"].to_numpy(), dtype=torch.int64)
    out["minority_groups"] = minority_by_count(out["train_group"], len(GROUP_NAMES))
    out["majority_groups"] = [g for g in range(len(GROUP_NAMES)) if g not in out["minority_groups"]]
    return out

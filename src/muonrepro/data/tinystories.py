"""TinyStories word-level tokens and token-frequency buckets for the long-tail LM experiment (spec imbalanced.md §4.7).

Reads ``TinyStories-train.txt`` / ``TinyStories-valid.txt`` (the text files of the Hugging Face
dataset ``roneneldan/TinyStories``; stories separated by ``<|endoftext|>`` lines) from ``root``; the
valid file is our test split. The paper's tokenizer, vocabulary and bucketing are unknown; ours:

- Tokens: lower-cased words, digit runs and single punctuation characters; ``<|endoftext|>`` is one
  token (the story separator the model also predicts).
- Vocabulary: id 0 is ``<unk>``; ids 1.. are the ``vocab_size - 1`` most frequent *training* tokens,
  most frequent first (ties: first occurrence first). Other tokens, in either split, map to ``<unk>``.
- Buckets: the vocabulary minus ``<unk>`` ranked by training count and cut into ``n_buckets`` groups
  of equal numbers of token *types* (sizes differ by at most one). Bucket 0 = the rarest types,
  bucket ``n_buckets - 1`` = the most frequent; every count in bucket k is <= every count in bucket
  k + 1. ``<unk>`` has bucket -1: it stays in the training stream (the model learns to predict it)
  but targets equal to ``<unk>`` are left out of every test metric (``lm.LMTask``).
- Validation (the lr selection): the last ``val_fraction`` of the (capped) training stream is held out
  as ``val_tokens``; the vocabulary, counts and buckets come from the remaining ``train_tokens`` only.
- Size caps (small runs): ``n_train_tokens`` / ``n_test_tokens`` keep the first so many tokens of the
  train (before the validation hold-out) and valid files; ``max_chars`` reads only the whole lines
  within the first ``max_chars`` characters of each file.
"""

from __future__ import annotations

import re
from array import array
from pathlib import Path

import numpy as np
import torch

FILES = {"train": "TinyStories-train.txt", "test": "TinyStories-valid.txt"}
EOT = "<|endoftext|>"
UNK = "<unk>"
TOKEN = re.compile(r"<\|endoftext\|>|[a-z]+|[0-9]+|[^\sa-z0-9]")


def fetch_hint(root: str, key: str = "imbalanced_gpu.data.tinystories_root") -> str:
    return (
        f"TinyStories not found: expected {Path(root) / FILES['train']} and {FILES['test']} (config key {key}). "
        f"Download it with: huggingface-cli download roneneldan/TinyStories TinyStories-train.txt "
        f"TinyStories-valid.txt --repo-type dataset --local-dir {root}"
    )


def expected_files(root) -> list[Path]:
    return [Path(root) / f for f in FILES.values()]


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def read_ids(path, table: dict, max_chars: int | None = None, max_tokens: int | None = None) -> np.ndarray:
    """Tokens of ``path`` as provisional ids from ``table`` (token -> id, extended with new tokens), capped."""
    ids, n_chars = array("q"), 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            n_chars += len(line)
            if max_chars is not None and n_chars > max_chars:
                break
            ids.extend(table.setdefault(w, len(table)) for w in tokenize(line))
            if max_tokens is not None and len(ids) >= max_tokens:
                break
    return np.frombuffer(ids, dtype=np.int64)[:max_tokens].copy()


def frequency_buckets(counts: np.ndarray, n_buckets: int) -> np.ndarray:
    """Bucket per type for ``counts`` sorted descending: equal-size groups by rank, 0 = rarest."""
    n = len(counts)
    if n < n_buckets:
        raise ValueError(f"{n} vocabulary types cannot fill {n_buckets} buckets")
    return (np.arange(n)[::-1] * n_buckets) // n


def build_tinystories(
    root,
    vocab_size: int,
    n_buckets: int,
    n_train_tokens: int | None = None,
    n_test_tokens: int | None = None,
    val_fraction: float = 0.0,
    max_chars: int | None = None,
) -> dict:
    """The LM dataset dict ``lm.LMTask`` reads (``task="lm"``); see the module docstring for the definitions.

    Keys: ``vocab`` (list, id -> token), ``counts`` (training count per id, ``<unk>`` included),
    ``bucket`` (per id; -1 for ``<unk>``), ``n_buckets``, ``group_names`` (``bucket0``..),
    ``train_tokens`` / ``val_tokens`` / ``test_tokens`` (int64 id streams), ``unk_id``.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    table: dict[str, int] = {}
    stream = read_ids(Path(root) / FILES["train"], table, max_chars, n_train_tokens)
    test = read_ids(Path(root) / FILES["test"], table, max_chars, n_test_tokens)
    n_fit = len(stream) - int(len(stream) * val_fraction)
    train, val = stream[:n_fit], stream[n_fit:]
    counts = np.bincount(train, minlength=len(table))
    order = np.argsort(-counts, kind="stable")  # provisional ids are in first-occurrence order
    order = order[counts[order] > 0][: vocab_size - 1]
    remap = np.zeros(len(table), dtype=np.int64)
    remap[order] = np.arange(1, len(order) + 1)
    words = list(table)
    freq = np.concatenate([[counts.sum() - counts[order].sum()], counts[order]]).astype(np.float64)
    bucket = np.concatenate([[-1], frequency_buckets(counts[order], n_buckets)])
    return {
        "name": "tinystories",
        "task": "lm",
        "vocab": [UNK] + [words[i] for i in order],
        "unk_id": 0,
        "counts": torch.as_tensor(freq),
        "bucket": torch.as_tensor(bucket, dtype=torch.int64),
        "n_buckets": n_buckets,
        "group_names": [f"bucket{k}" for k in range(n_buckets)],
        **{f"{k}_tokens": torch.as_tensor(remap[v]) for k, v in (("train", train), ("val", val), ("test", test))},
    }

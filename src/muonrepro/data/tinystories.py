"""TinyStories token-frequency buckets (spec imbalanced.md §4.7).

Reads ``TinyStories-train.txt`` / ``TinyStories-valid.txt`` (the text files of the Hugging Face
dataset ``roneneldan/TinyStories``; stories separated by ``<|endoftext|>``) from ``root``. Tokens
are lower-cased words and punctuation (our reading: the paper's tokenizer is unknown); the
vocabulary is the ``vocab_size - 1`` most frequent training tokens plus ``<unk>``. Frequency
buckets: tokens sorted by training count, cut into ``n_buckets`` groups of equal token *types*
on a log-count scale (bucket 0 = rarest).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import torch

FILES = {"train": "TinyStories-train.txt", "test": "TinyStories-valid.txt"}
TOKEN = re.compile(r"[a-z]+|[0-9]+|[^\sa-z0-9]")


def fetch_hint(root: str, key: str = "imbalanced_gpu.data.tinystories_root") -> str:
    return (f"TinyStories not found: expected {Path(root) / FILES['train']} and {FILES['test']} (config key {key}). "
            f"Download it with: huggingface-cli download roneneldan/TinyStories TinyStories-train.txt "
            f"TinyStories-valid.txt --repo-type dataset --local-dir {root}")


def expected_files(root) -> list[Path]:
    return [Path(root) / f for f in FILES.values()]


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text.lower().replace("<|endoftext|>", " \n "))


def build_tinystories(root, vocab_size: int, n_buckets: int, max_chars: int | None = None) -> dict:
    text = {s: (Path(root) / f).read_text(errors="replace")[:max_chars] for s, f in FILES.items()}
    toks = {s: tokenize(t) for s, t in text.items()}
    counts = Counter(toks["train"])
    vocab = ["<unk>"] + [w for w, _ in counts.most_common(vocab_size - 1)]
    index = {w: i for i, w in enumerate(vocab)}
    freq = np.array([0] + [counts[w] for w in vocab[1:]], dtype=np.float64)
    logc = np.log(np.maximum(freq[1:], 1))
    edges = np.quantile(logc, np.linspace(0, 1, n_buckets + 1)[1:-1]) if len(logc) else []
    bucket = np.concatenate([[0], np.searchsorted(edges, logc, side="right")])
    return {"name": "tinystories", "vocab": vocab, "counts": torch.as_tensor(freq),
            "bucket": torch.as_tensor(bucket, dtype=torch.int64), "n_buckets": n_buckets,
            **{f"{s}_tokens": torch.as_tensor([index.get(w, 0) for w in t], dtype=torch.int64) for s, t in toks.items()}}

"""Tiny ``TinyStories-train.txt`` / ``TinyStories-valid.txt`` in the real format, with a Zipf-like word distribution.

Real format: each story is a few paragraphs of sentences (paragraphs separated by blank lines),
followed by a line ``<|endoftext|>``. Our words are letter-only names drawn with probability
proportional to 1 / rank**``zipf``; sentences start with a capital and end with ``.``, and half of
the sentences (as in the real stories) begin with a fixed phrase, so a model can learn something in
a few steps. ``make_tinystories`` returns, per split, the lower-cased token strings written (the
independent reference the tests compare the builder against).
"""

from pathlib import Path

import numpy as np


def word(i: int) -> str:
    """Letter-only name of word i (``ba``, ``ca``, ..): a single token for the builder's tokenizer."""
    s = ""
    i += 26
    while i:
        i, r = divmod(i, 26)
        s = chr(97 + r) + s
    return s + "a"


def _story(rng, p, out_tokens):
    lines = []
    for _ in range(rng.integers(1, 4)):  # paragraphs
        sentences = []
        for _ in range(rng.integers(1, 5)):
            words = [] if rng.random() < 0.5 else ["once", "upon", "a", "time"]
            words += [word(i) for i in rng.choice(len(p), size=rng.integers(2, 9), p=p)]
            out_tokens += words + ["."]
            sentences.append(" ".join([words[0].capitalize()] + words[1:]) + ".")
        lines += [" ".join(sentences), ""]
    out_tokens.append("<|endoftext|>")
    return "\n".join(lines[:-1]) + "\n<|endoftext|>\n"


def make_tinystories(root, n_train_stories=400, n_valid_stories=80, n_words=300, zipf=1.1, seed=0):
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, n_words + 1) ** zipf
    p /= p.sum()
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    tokens = {}
    for split, fname, n in (
        ("train", "TinyStories-train.txt", n_train_stories),
        ("test", "TinyStories-valid.txt", n_valid_stories),
    ):
        tokens[split] = []
        (root / fname).write_text("".join(_story(rng, p, tokens[split]) for _ in range(n)))
    return tokens

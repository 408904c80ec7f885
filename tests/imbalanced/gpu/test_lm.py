"""TinyStories long-tail LM (E6): the GPT, the token-frequency buckets, the LM task and a short training run."""

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))
import fakes_lm

from muonrepro.data.tinystories import build_tinystories
from muonrepro.imbalanced.gpu.lm import LMTask, n_windows, windows
from muonrepro.imbalanced.gpu.train import fit_task, make_task
from muonrepro.models.gpt import GPT

CFG = {"context": 16, "n_layers": 2, "d_model": 32, "n_heads": 4}


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models gain nothing from intra-op threads, and on a loaded 2-core machine they slow down ~10x."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    root = tmp_path_factory.mktemp("tinystories")
    return root, fakes_lm.make_tinystories(root)


@pytest.fixture(scope="module")
def data(fake):
    return build_tinystories(fake[0], vocab_size=200, n_buckets=5)


def test_gpt_is_causal():
    torch.manual_seed(0)
    model = GPT(50, 12, n_layers=2, d_model=32, n_heads=4).eval()
    x = torch.randint(0, 50, (3, 12))
    for t in (0, 5, 10):
        y = x.clone()
        y[:, t + 1 :] = torch.randint(0, 50, (3, 11 - t))
        y[:, t + 1] = (x[:, t + 1] + 1) % 50  # certainly changed
        a, b = model(x), model(y)
        assert a.shape == (3, 12, 50)
        torch.testing.assert_close(a[:, : t + 1], b[:, : t + 1], rtol=0, atol=1e-6)
        assert (a[:, t + 1] - b[:, t + 1]).abs().max() > 1e-4  # the future does reach later positions
    with pytest.raises(ValueError):
        model(torch.zeros(1, 13, dtype=torch.long))


def test_gpt_muon_split():
    model = GPT(50, 12, n_layers=3, d_model=32, n_heads=4)
    names = {id(p): n for n, p in model.named_parameters()}
    hidden = {names[id(p)] for p in model.hidden_matrices()}
    other = {names[id(p)] for p in model.other_params()}
    expected = {f"blocks.{i}.{m}.weight" for i in range(3) for m in ("qkv", "proj", "fc", "out")}
    assert hidden == expected
    assert {"tok.weight", "pos.weight", "head.weight"} <= other
    assert hidden | other == set(names.values()) and not hidden & other
    assert all(model.get_parameter(n).ndim == 1 for n in other - {"tok.weight", "pos.weight", "head.weight"})


def test_tokens_and_counts_match_the_written_text(fake, data):
    _, written = fake
    vocab = data["vocab"]
    assert data["task"] == "lm" and vocab[0] == "<unk>" and data["bucket"][0] == -1 and len(vocab) == 200
    assert data["group_names"] == [f"bucket{k}" for k in range(5)]
    counts = Counter(written["train"])
    kept = set(vocab[1:])
    assert [counts[w] for w in vocab[1:]] == data["counts"][1:].long().tolist()
    assert sorted(counts.values(), reverse=True)[:199] == data["counts"][1:].long().tolist()  # the top types
    assert data["counts"][0] == sum(c for w, c in counts.items() if w not in kept)  # <unk> count
    for split in ("train", "test"):
        decoded = [vocab[i] for i in data[f"{split}_tokens"].tolist()]
        assert decoded == [w if w in kept else "<unk>" for w in written[split]]
    assert "<|endoftext|>" in kept and "." in kept


def test_buckets_partition_the_vocabulary_by_frequency(data):
    b, c = data["bucket"][1:].numpy(), data["counts"][1:].numpy()
    assert set(b.tolist()) == set(range(5))
    sizes = np.bincount(b)
    assert sizes.max() - sizes.min() <= 1 and sizes.sum() == 199
    lo = [c[b == k].min() for k in range(5)]
    hi = [c[b == k].max() for k in range(5)]
    assert all(hi[k] <= lo[k + 1] for k in range(4))
    assert lo[0] == c.min() and hi[4] == c.max() and c[b == 0].mean() < c[b == 1].mean()


def test_size_caps(fake, data):
    root, written = fake
    capped = build_tinystories(root, vocab_size=200, n_buckets=5, n_train_tokens=1000, n_test_tokens=300)
    assert len(capped["train_tokens"]) == 1000 and len(capped["test_tokens"]) == 300
    assert sum(capped["counts"]).item() == 1000
    kept = set(capped["vocab"][1:])
    assert [capped["vocab"][i] for i in capped["train_tokens"]] == [
        w if w in kept else "<unk>" for w in written["train"][:1000]
    ]
    few = build_tinystories(root, vocab_size=200, n_buckets=5, max_chars=2000)
    assert 0 < len(few["train_tokens"]) < 2000 // 2
    with pytest.raises(ValueError):
        build_tinystories(root, vocab_size=4, n_buckets=5)


def test_validation_hold_out(fake):
    root, written = fake
    d = build_tinystories(root, vocab_size=200, n_buckets=5, n_train_tokens=10000, val_fraction=0.1)
    assert len(d["train_tokens"]) == 9000 and len(d["val_tokens"]) == 1000
    counts = Counter(written["train"][:9000])  # vocabulary and counts from the fit part only
    assert [counts[w] for w in d["vocab"][1:]] == d["counts"][1:].long().tolist()
    kept = set(d["vocab"][1:])
    assert [d["vocab"][i] for i in d["val_tokens"]] == [
        w if w in kept else "<unk>" for w in written["train"][9000:10000]
    ]
    view = {**d, "test_tokens": d["val_tokens"]}  # the lr selection's view: val in place of test
    task = LMTask(view, CFG, seed=0, device="cpu")
    assert task.n_test == (1000 - 1) // 16 and task.n_train == (9000 - 1) // 16
    assert {g for _, g, _ in task.evaluate(False)} == {f"bucket{k}" for k in range(5)} | {"average"}


def test_window_gathering():
    tokens = torch.arange(100) * 7
    assert n_windows(100, 16) == 6 and n_windows(97, 16) == 6 and n_windows(96, 16) == 5
    idx = torch.tensor([5, 0, 3])
    x, y = windows(tokens, idx, 16)
    for r, i in enumerate(idx.tolist()):
        seg = tokens[i * 16 : i * 16 + 17]
        assert x[r].tolist() == seg[:-1].tolist() and y[r].tolist() == seg[1:].tolist()


def test_bucket_metrics_match_an_independent_computation(data):
    task = make_task(data, {**CFG, "dropout": 0.1}, seed=0, device="cpu", decode={}, amp=True, channels_last=True)
    assert isinstance(task, LMTask) and task.n_train == (len(data["train_tokens"]) - 1) // 16
    task.model.eval()
    rows = {(m, g): v for m, g, v in task.evaluate(end_of_epoch=True)}
    test = data["test_tokens"].numpy()
    n = (len(test) - 1) // 16
    x = torch.as_tensor(np.stack([test[i * 16 : i * 16 + 16] for i in range(n)]))
    y = np.stack([test[i * 16 + 1 : i * 16 + 17] for i in range(n)]).ravel()
    with torch.no_grad():
        logits = task.model(x).reshape(-1, len(data["vocab"]))
    df = pd.DataFrame(
        {
            "ce": F.cross_entropy(logits, torch.as_tensor(y), reduction="none").numpy(),
            "acc": (logits.argmax(1).numpy() == y).astype(float),
            "bucket": data["bucket"].numpy()[y],
        }
    )
    df = df[df.bucket >= 0]
    expected = {}
    for metric, col in (("test_loss", "ce"), ("test_acc", "acc")):
        expected.update({(metric, f"bucket{k}"): v for k, v in df.groupby("bucket")[col].mean().items()})
        expected[(metric, "average")] = df[col].mean()
    assert rows.keys() == expected.keys() and len(rows) == 12
    for key, v in expected.items():
        assert rows[key] == pytest.approx(v, rel=1e-5, abs=1e-7), key


def test_short_training_lowers_frequent_bucket_loss(data):
    task = LMTask(data, CFG, seed=0, device="cpu")
    out = fit_task(task, "adam", {"lr": 3e-3}, epochs=2, batch_size=16, evals_per_epoch=1, seed=0)
    loss = out[out.metric == "test_loss"].pivot(index="step", columns="group", values="value")
    first, last = loss.iloc[0], loss.iloc[-1]
    assert first["bucket4"] == pytest.approx(np.log(200), abs=0.2)  # the small init predicts ~uniformly
    assert last["bucket4"] < first["bucket4"] - 1.0 and last["average"] < first["average"] - 1.0
    assert out[out.metric == "diverged"].empty


def test_muon_runs_on_the_split(data):
    task = LMTask(data, CFG, seed=1, device="cpu")
    before = {n: p.detach().clone() for n, p in task.model.named_parameters()}
    out = fit_task(task, "muon", {"lr": 0.02}, epochs=1, batch_size=64, evals_per_epoch=1, seed=1)
    assert np.isfinite(out.value).all()
    assert all(not torch.equal(before[n], p) for n, p in task.model.named_parameters())  # every parameter trained

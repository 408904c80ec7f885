"""MultiNLI: dataset build (groups, splits, token ids) and the BERT task (Muon split, loss, a short fit)."""

import sys
from pathlib import Path

import pytest
import torch

pytest.importorskip("transformers")

sys.path.insert(0, str(Path(__file__).parent))
from fakes_nli import LABELS, make_bert_vocab, make_multinli

from muonrepro.data import multinli
from muonrepro.data.multinli import build_multinli, has_negation
from muonrepro.imbalanced.gpu.nli import NLITask, token_types
from muonrepro.imbalanced.gpu.train import fit_task

TINY = {"pretrained": None, "hidden": 32, "layers": 2, "heads": 2, "intermediate": 64}
MAX_LEN = 32


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("nli")
    written = make_multinli(root / "mnli", n_train=400, n_test=150, seed=0)
    return root / "mnli", make_bert_vocab(root / "tok"), written


@pytest.fixture(scope="module")
def data(files):
    root, tok, _ = files
    return build_multinli(root, tok, MAX_LEN, None, None, None, 0.2, seed=0)


def _tokenizer(tok):
    from transformers import BertTokenizerFast

    return BertTokenizerFast.from_pretrained(str(tok))


def _expected(written):
    kept = written[written["gold_label"] != "-"]
    y = torch.tensor([LABELS.index(label) for label in kept["gold_label"]])
    return kept, y, 2 * y + torch.tensor(kept["negation"].astype(int).to_numpy())


def test_has_negation_follows_sagawa_tokenisation():
    assert has_negation("Nobody, it seems.") and has_negation("there is NO cat") and has_negation("never!")
    assert not has_negation("no-one came") and not has_negation("a knot nowhere") and not has_negation("")


def test_groups_match_the_writer_and_dash_rows_are_dropped(files, data):
    _, _, written = files
    for split in ("train", "test"):
        assert (written[split]["gold_label"] == "-").any()  # the fake really has rows to drop
    kept, y, g = _expected(written["test"])
    assert torch.equal(data["test_row"], torch.tensor(kept["row"].to_numpy()))
    assert torch.equal(data["test_y"], y) and torch.equal(data["test_group"], g)
    kept, y, g = _expected(written["train"])
    rows = torch.cat([data["train_row"], data["val_row"]])
    order = torch.argsort(rows)
    assert torch.equal(rows[order], torch.tensor(kept["row"].to_numpy()))  # train + val = every labelled row
    assert torch.equal(torch.cat([data["train_y"], data["val_y"]])[order], y)
    assert torch.equal(torch.cat([data["train_group"], data["val_group"]])[order], g)
    assert data["group_names"][5] == "contradiction/negation" and data["group_names"][0] == "entailment/no_negation"
    assert data["task"] == "nli" and data["n_classes"] == 3


def test_minority_groups_are_the_small_training_groups(data):
    counts = [int((data["train_group"] == k).sum()) for k in range(6)]
    mean = sum(counts) / 6
    assert data["minority_groups"] == [k for k in range(6) if counts[k] < mean / 2]
    assert sorted(data["minority_groups"] + data["majority_groups"]) == list(range(6))
    assert {1, 3} <= set(data["minority_groups"])  # negation is rare outside contradictions in the fake


def test_val_is_seeded_held_out_and_independent_of_sizes(files, data):
    root, tok, _ = files
    n_labelled = len(data["train_row"]) + len(data["val_row"])
    assert len(data["val_row"]) == round(0.2 * n_labelled)
    assert not set(data["train_row"].tolist()) & set(data["val_row"].tolist())
    again = build_multinli(root, tok, MAX_LEN, 50, 20, 30, 0.2, seed=0)
    assert set(again["val_row"].tolist()) <= set(data["val_row"].tolist())
    assert set(again["train_row"].tolist()) <= set(data["train_row"].tolist())
    assert (len(again["train_y"]), len(again["val_y"]), len(again["test_y"])) == (50, 20, 30)
    same = build_multinli(root, tok, MAX_LEN, 50, 20, 30, 0.2, seed=0)
    assert all(torch.equal(same[k], again[k]) for k in again if torch.is_tensor(again[k]))
    other = build_multinli(root, tok, MAX_LEN, None, None, None, 0.2, seed=1)
    assert not torch.equal(other["val_row"], data["val_row"])


def test_token_ids_are_the_tokenizers_sentence_pair_encoding(files, data):
    root, tok, written = files
    kept = written["test"][written["test"]["gold_label"] != "-"]
    t = _tokenizer(tok)
    for i in (0, 7):
        enc = t(
            kept["sentence1"].iloc[i],
            kept["sentence2"].iloc[i],
            truncation=True,
            max_length=MAX_LEN,
            padding="max_length",
        )
        assert data["test_ids"][i].tolist() == enc["input_ids"]
        assert (
            token_types(data["test_ids"][i : i + 1].long(), data["sep_id"], data["pad_id"])[0].tolist()
            == enc["token_type_ids"]
        )
    assert data["test_ids"][0, 0] == t.cls_token_id and data["pad_id"] == t.pad_token_id == 0
    short = build_multinli(root, tok, 8, None, None, 5, 0.2, seed=0)  # truncation: both sentences cut, 2 [SEP]
    assert short["test_ids"].shape == (5, 8) and ((short["test_ids"] == t.sep_token_id).sum(1) == 2).all()


def test_missing_tokenizer_and_weights_name_the_path_and_the_download(files, tmp_path):
    root, _, _ = files
    with pytest.raises(FileNotFoundError, match="huggingface-cli download bert-base-uncased") as e:
        build_multinli(root, tmp_path / "no_tok", MAX_LEN)
    assert str(tmp_path / "no_tok") in str(e.value)
    with pytest.raises(FileNotFoundError, match="multinli_1.0.zip"):
        build_multinli(tmp_path / "no_data", tmp_path / "no_tok", MAX_LEN)


def test_missing_transformers_names_the_extra(files, monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(ImportError, match=r"pip install 'muonrepro\[nlp\]'"):
        multinli.load_tokenizer(files[1])


def test_muon_split_on_a_tiny_bert(data):
    task = NLITask(data, TINY, seed=0, device="cpu", amp=False)
    names = {id(p): n for n, p in task.model.named_parameters()}
    hidden = {names[id(p)] for p in task.model.hidden_matrices()}
    other = {names[id(p)] for p in task.model.other_params()}
    assert not hidden & other and hidden | other == set(names.values())
    expected_hidden = {
        n for n, p in task.model.named_parameters() if p.ndim == 2 and ("encoder.layer" in n or "pooler.dense" in n)
    }
    assert hidden == expected_hidden and len(hidden) == 2 * 6 + 1  # q, k, v, o, ffn in/out per layer + pooler
    assert {
        "bert.bert.embeddings.word_embeddings.weight",
        "bert.bert.embeddings.position_embeddings.weight",
        "bert.bert.embeddings.token_type_embeddings.weight",
        "bert.classifier.weight",
    } <= other
    assert all(
        p.ndim == 1
        for n, p in task.model.named_parameters()
        if n in other and "embeddings" not in n and n != "bert.classifier.weight"
    )


def test_loss_equals_hf_loss_and_dropout_follows_the_generator(files, data):
    _, tok, written = files
    task = NLITask(data, TINY, seed=0, device="cpu", amp=False)
    idx = torch.arange(16)
    kept = written["train"][written["train"]["gold_label"] != "-"].set_index("row")
    rows = kept.loc[data["train_row"][idx].tolist()]
    enc = _tokenizer(tok)(
        rows["sentence1"].tolist(),
        rows["sentence2"].tolist(),
        truncation=True,
        max_length=MAX_LEN,
        padding="max_length",
        return_tensors="pt",
    )
    with torch.no_grad():  # large random weights: at BERT's init (std 0.02) a wrong mask changes the loss by < 1e-5
        for q in task.model.parameters():
            q.normal_(0, 0.5)
    task.model.eval()
    ours = task.loss(idx, torch.Generator().manual_seed(0))
    out = task.model.bert(**enc, labels=data["train_y"][idx])
    assert torch.allclose(ours, out.loss, rtol=1e-5), (ours, out.loss)
    assert torch.allclose(task.logits(data["train_ids"][idx]), out.logits, atol=1e-4)
    unmasked = task.model.bert(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"]).logits
    assert not torch.allclose(unmasked, out.logits, atol=1e-2)  # the comparison does see the attention mask
    task.model.train()
    a, b = (task.loss(idx, torch.Generator().manual_seed(3)) for _ in range(2))
    c = task.loss(idx, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)  # dropout is on, and its masks are a function of the generator


def test_short_fit_learns_above_chance(data):
    task = NLITask(data, {**TINY, "dropout": 0.0}, seed=0, device="cpu", amp=False)
    rows = fit_task(task, "adam", {"lr": 1e-3}, epochs=10, batch_size=16, evals_per_epoch=1, seed=0)
    acc = rows[(rows["metric"] == "test_acc") & (rows["group"] == "average")].sort_values("step")["value"]
    assert acc.iloc[-1] > 0.6, acc.tolist()  # chance: 1/3 (three labels, roughly balanced)
    groups = set(rows.loc[rows["metric"] == "test_acc", "group"])
    assert (
        set(data["group_names"]) | {"minority", "majority", "worst_group", "balanced", "average"}
        >= groups
        >= {"minority", "majority", "worst_group", "balanced", "average"}
    )


def test_pretrained_directory_is_loaded_with_a_new_head(data, tmp_path):
    from transformers import BertForSequenceClassification

    ref = NLITask(data, TINY, seed=5, device="cpu", amp=False).model.bert
    ref.save_pretrained(tmp_path / "bert")
    task = NLITask(data, {"pretrained": str(tmp_path / "bert")}, seed=1, device="cpu", amp=False)
    assert isinstance(task.model.bert, BertForSequenceClassification)
    w = "bert.embeddings.word_embeddings.weight"
    assert torch.equal(task.model.bert.state_dict()[w], ref.state_dict()[w])
    with pytest.raises(FileNotFoundError, match="huggingface-cli download bert-base-uncased"):
        NLITask(data, {"pretrained": str(tmp_path / "missing")}, seed=0, device="cpu", amp=False)


def test_make_task_and_validation_view(data):
    from muonrepro.imbalanced.gpu.select import validation_view
    from muonrepro.imbalanced.gpu.train import make_task

    task = make_task(validation_view(data), TINY, 0, torch.device("cpu"), {}, amp=False, channels_last=False)
    assert isinstance(task, NLITask) and task.n_train == len(data["train_y"])
    task.model.eval()
    rows = {(m, g): v for m, g, v in task.evaluate(end_of_epoch=True)}
    with torch.no_grad():
        pred = task.logits(data["val_ids"]).argmax(1)
    assert rows[("test_acc", "average")] == pytest.approx((pred == data["val_y"]).float().mean().item())

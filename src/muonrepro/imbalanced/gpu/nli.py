"""MultiNLI (E4, spec imbalanced.md §4.5, §5 claim 15): a BERT sequence-pair classifier task for the one training loop (``training.loop.fit``).

The paper's: BERT-base (uncased) fine-tuned on MultiNLI, worst-group accuracy over the six
label x negation groups. Ours: everything below that the paper does not state.

- Model (``model_cfg``): ``pretrained`` = a local directory with ``config.json`` and the weights (as
  ``huggingface-cli download bert-base-uncased --local-dir DIR`` lays it out), loaded with
  ``BertForSequenceClassification.from_pretrained(DIR, num_labels=3)`` (the classifier head is new,
  initialised after ``torch.manual_seed(seed)``); ``pretrained`` null or absent = a BERT from scratch
  with ``hidden``, ``layers``, ``heads``, ``intermediate`` (default ``4 * hidden``) and ``dropout``
  (default BERT's 0.1), position embeddings for the dataset's ``max_len``.
- Muon split (``optim.params.split_params`` on the wrapper): the word/position/token-type embeddings
  are the input layer and go, with the classifier head (the last Linear) and all 1-D parameters
  (biases, LayerNorm gains), to AdamW; the attention, FFN and pooler matrices go to Muon.
- Inputs: ids stay int32 on the device; attention mask = ``ids != pad_id``; token-type (segment) ids
  are 0 up to and including the first ``[SEP]`` and 1 after it (as the tokenizer makes them for a
  sentence pair; Sagawa et al. feed segment ids too). Each batch is cut to its longest unpadded row
  (padding is right-sided and masked, so the logits are unchanged up to rounding). bf16 autocast on
  CUDA (``amp``).
- Dropout: the global RNG is reseeded from the loop's generator before every training forward, so
  a run resumed from a checkpoint draws the same dropout masks as an uninterrupted one.
- Evaluation: predictions on ``test`` (rows sorted by length for the batching) -> ``test_acc`` per
  group plus ``minority``, ``majority``, ``worst_group``, ``balanced`` and ``average``
  (``groups.summarize``). No decoded (last-layer retraining) accuracy here.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from muonrepro.data.multinli import NLP_EXTRA, bert_hint
from muonrepro.imbalanced.gpu.groups import group_accuracy, summarize
from muonrepro.optim.params import SplitMixin
from muonrepro.util.device import autocast


def _transformers():
    try:
        import transformers
    except ImportError as e:
        raise ImportError(f"the MultiNLI task needs transformers: {NLP_EXTRA}") from e
    return transformers


class BertClassifier(SplitMixin, nn.Module):
    """A ``BertForSequenceClassification`` (``self.bert``) returning logits, with the Muon split interface."""

    def __init__(self, bert: nn.Module):
        super().__init__()
        self.bert = bert

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        return self.bert(input_ids=ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits


def build_bert(model_cfg: dict, n_classes: int, vocab_size: int, max_len: int, pad_id: int) -> nn.Module:
    """The HF model of ``model_cfg`` (module docstring): pretrained from a local directory, or from scratch."""
    tf = _transformers()
    pretrained = model_cfg.get("pretrained")
    if pretrained:
        d = Path(pretrained)
        if not (d / "config.json").is_file():
            raise FileNotFoundError(bert_hint(d, "model"))
        bert = tf.BertForSequenceClassification.from_pretrained(str(d), num_labels=n_classes)
        cfg = bert.config
        if vocab_size > cfg.vocab_size or max_len > cfg.max_position_embeddings:
            raise ValueError(
                f"{d}: vocabulary {cfg.vocab_size} / {cfg.max_position_embeddings} positions too small "
                f"for the dataset's tokenizer ({vocab_size} tokens) and max_len {max_len}"
            )
        return bert
    hidden = model_cfg["hidden"]
    dropout = model_cfg.get("dropout", 0.1)
    cfg = tf.BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=model_cfg["layers"],
        num_attention_heads=model_cfg["heads"],
        intermediate_size=model_cfg.get("intermediate") or 4 * hidden,
        max_position_embeddings=max_len,
        type_vocab_size=2,
        pad_token_id=pad_id,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
        num_labels=n_classes,
    )
    return tf.BertForSequenceClassification(cfg)


def token_types(ids: torch.Tensor, sep_id: int | None, pad_id: int) -> torch.Tensor:
    """Segment ids of ``[CLS] A [SEP] B [SEP] pad...``: 0 through the first [SEP], 1 after it, 0 on padding."""
    if sep_id is None:
        return torch.zeros_like(ids)
    sep = (ids == sep_id).long()
    return (((sep.cumsum(1) - sep) >= 1) & (ids != pad_id)).long()


class NLITask:
    """BERT on one MultiNLI dataset dict (``data.multinli.build_multinli``), data on ``device``; see ``loop``."""

    def __init__(self, data: dict, model_cfg: dict, seed: int, device, amp: bool = True, eval_batch: int = 512):
        dev = torch.device(device)
        self.amp = amp and dev.type == "cuda"
        self.d = {k: (v.to(dev) if torch.is_tensor(v) else v) for k, v in data.items()}
        self.pad_id, self.sep_id = data["pad_id"], data.get("sep_id")
        max_len = self.d["train_ids"].shape[1]
        torch.manual_seed(seed)
        bert = build_bert(model_cfg, self.d["n_classes"], data["vocab_size"], max_len, self.pad_id)
        self.model = BertClassifier(bert).to(dev)
        self.n_train = len(self.d["train_y"])
        self.eval_batch = eval_batch
        lengths = (self.d["test_ids"] != self.pad_id).sum(1)
        self.test_order = torch.argsort(lengths, stable=True)

    def inputs(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(ids, attention mask, token types), int64, cut to the longest unpadded row of the batch."""
        mask = ids != self.pad_id
        width = max(int(mask.sum(1).max()), 1) if len(ids) else 1
        ids, mask = ids[:, :width].long(), mask[:, :width].long()
        return ids, mask, token_types(ids, self.sep_id, self.pad_id)

    def logits(self, ids: torch.Tensor) -> torch.Tensor:
        with autocast(ids.device, self.amp):
            return self.model(*self.inputs(ids)).float()

    def loss(self, idx: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        torch.manual_seed(int(torch.randint(0, 2**62, (1,), generator=gen)))  # dropout masks follow ``gen``
        return F.cross_entropy(self.logits(self.d["train_ids"][idx]), self.d["train_y"][idx])

    @torch.no_grad()
    def predict(self, ids: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
        pred = torch.empty(len(ids), dtype=torch.long, device=ids.device)
        for i in range(0, len(ids), self.eval_batch):
            rows = order[i : i + self.eval_batch]
            pred[rows] = self.logits(ids[rows]).argmax(1)
        return pred

    def evaluate(self, end_of_epoch: bool):
        d = self.d
        pred = self.predict(d["test_ids"], self.test_order)
        acc = group_accuracy(pred, d["test_y"], d["test_group"], len(d["group_names"]))
        return [
            ("test_acc", g, v)
            for g, v in summarize(*acc, d["group_names"], d["minority_groups"], d["majority_groups"]).items()
        ]

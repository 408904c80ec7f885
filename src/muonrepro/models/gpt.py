"""A small decoder-only GPT (pre-LayerNorm, GPT-2 layout) from ``torch.nn`` only, for the TinyStories run (E6).

Ours, not the paper's (its architecture is unknown, spec imbalanced.md §4.7): token + learned position
embeddings, ``n_layers`` pre-LN blocks (causal multi-head self-attention with one fused q/k/v matrix,
then a GELU MLP of width ``4 * d_model``, both residual), a final LayerNorm and an untied bias-free
head. GPT-2 initialisation: weights N(0, 0.02), biases 0 (the caller seeds ``torch.manual_seed``).
Muon split (``SplitMixin``): the two embeddings and the head go to AdamW, the q/k/v, attention-output
and MLP matrices to Muon; the fused q/k/v matrix is orthogonalised as one ``3d x d`` matrix.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from muonrepro.optim.params import SplitMixin


class Block(nn.Module):
    def __init__(self, d_model: int, n_heads: int, dropout: float):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model {d_model} is not divisible by n_heads {n_heads}")
        self.n_heads, self.dropout = n_heads, dropout
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv, self.proj = nn.Linear(d_model, 3 * d_model), nn.Linear(d_model, d_model)
        self.fc, self.out = nn.Linear(d_model, 4 * d_model), nn.Linear(4 * d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        p = self.dropout if self.training else 0.0
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True).transpose(1, 2).reshape(b, t, d)
        x = x + F.dropout(self.proj(a), p, self.training)
        return x + F.dropout(self.out(F.gelu(self.fc(self.ln2(x)))), p, self.training)


class GPT(SplitMixin, nn.Module):
    """``forward(tokens [B, T] int64, T <= context) -> logits [B, T, vocab_size]``; position t sees tokens <= t."""

    def __init__(self, vocab_size: int, context: int, n_layers: int, d_model: int, n_heads: int, dropout: float = 0.0):
        super().__init__()
        self.context, self.dropout = context, dropout
        self.tok, self.pos = nn.Embedding(vocab_size, d_model), nn.Embedding(context, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, dropout) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)  # registered last: the split's head
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        t = tokens.shape[1]
        if t > self.context:
            raise ValueError(f"sequence length {t} exceeds the context {self.context}")
        x = self.tok(tokens) + self.pos(torch.arange(t, device=tokens.device))
        x = F.dropout(x, self.dropout, self.training)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))

"""MLP 784 -> h (x depth hidden layers) -> 10 with ReLU.

"k-layer" = k hidden layers (spec energy.md §4.4, our reading): the monitored hidden matrices are
every weight except the 10-way head. ``forward_with_activations`` returns, for each linear layer,
its input and its pre-activation (the quantities the K-FAC factors are built from).
"""

from __future__ import annotations

import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, depth: int, width: int, in_dim: int = 784, n_classes: int = 10, bias: bool = True):
        super().__init__()
        if depth < 1:
            raise ValueError(f"MLP depth must be >= 1, got {depth}")
        dims = [in_dim] + [width] * depth
        self.hidden = nn.ModuleList(nn.Linear(a, b, bias=bias) for a, b in zip(dims[:-1], dims[1:]))
        self.head = nn.Linear(width, n_classes, bias=bias)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.head(x)

    def forward_with_activations(self, x):
        """Logits, plus per hidden layer the input x_l and pre-activation y_l = W_l x_l + b_l."""
        inputs, preacts = [], []
        for layer in self.hidden:
            inputs.append(x)
            y = layer(x)
            preacts.append(y)
            x = torch.relu(y)
        return self.head(x), inputs, preacts

    def matrix_names(self) -> list[str]:
        return [f"W{i + 1}" for i in range(len(self.hidden))]

    def hidden_matrices(self) -> list[torch.Tensor]:
        return [layer.weight for layer in self.hidden]

    def other_params(self) -> list[torch.Tensor]:
        hidden = {id(p) for p in self.hidden_matrices()}
        return [p for p in self.parameters() if id(p) not in hidden]

from muonrepro.models.mlp import MLP

__all__ = ["MLP"]

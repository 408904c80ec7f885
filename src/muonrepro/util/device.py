"""Device choice from the config value ``device`` (auto | cpu | cuda)."""

import torch


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config device: cuda, but torch sees no CUDA device; set device: auto or cpu")
    return torch.device(name)

"""Config views of the imbalanced paper's CPU rules (``workflow/rules/imbalanced.smk``): each rule's ``params:``
(the slices of ``config`` its job reads, so that a change elsewhere in the config reruns nothing) and the Colored-MNIST
job's cost. The GPU-scale rules' views: ``imbalanced.gpu.rules``."""

from __future__ import annotations

from muonrepro.imbalanced.cmnist_schedule import cmnist_job_epochs
from muonrepro.imbalanced.gpu.settings import model_note


def _views(config: dict, scale: str) -> tuple[dict, dict]:
    return config["imbalanced"], config["scales"][scale]["imbalanced"]


def theory_params(config: dict, scale: str) -> dict:
    imb, IS = _views(config, scale)
    return {"cfg": imb["theory"], "sizes": IS["theory"]}


def linear_ce_params(config: dict, scale: str) -> dict:
    imb, IS = _views(config, scale)
    return {
        "cfg": imb["linear_ce"],
        "sizes": {k: v for k, v in IS["linear_ce"].items() if k != "seeds"},
        "seeds": IS["linear_ce"]["seeds"],
        "max_extensions": config["lr_selection"]["max_extensions"],
    }


def cmnist_data_params(config: dict, scale: str) -> dict:
    imb, IS = _views(config, scale)
    return {
        "cfg": {k: imb["cmnist"][k] for k in ("correlation", "data_seed", "palette")},
        "sizes": {k: IS["cmnist"][k] for k in ("n_train", "n_val", "n_test")},
    }


def cmnist_train_params(config: dict, scale: str) -> dict:
    """Every param of ``imbalanced_cmnist_train`` but its checkpoint path (a wildcard pattern of the rule file)."""
    imb, IS = _views(config, scale)
    return {
        "cfg": {k: v for k, v in imb["cmnist"].items() if k != "palette"},
        "sizes": {k: v for k, v in IS["cmnist"].items() if k != "seeds"},
        "device": config["device"],
        "seeds": IS["cmnist"]["seeds"],
        "early_fraction": imb["claims"]["early_fraction"],
        "max_extensions": config["lr_selection"]["max_extensions"],
    }


def cmnist_epochs(config: dict, scale: str, opt: str) -> int:
    """Epochs one (depth, ``opt``) Colored-MNIST job trains before any grid extension (its runtime request)."""
    imb, IS = _views(config, scale)
    return cmnist_job_epochs(IS["cmnist"], IS["cmnist"]["lr_grid"].get(opt, [None]), imb["claims"]["early_fraction"])


def curves_params(config: dict) -> dict:
    return {
        "early_fraction": config["imbalanced"]["claims"]["early_fraction"],
        "max_extensions": config["lr_selection"]["max_extensions"],
    }


def figures_params(config: dict, scale: str) -> dict:
    """The figure notebook's parameters."""
    imb, IS = _views(config, scale)
    return {
        "scale": scale,
        "theory": imb["theory"],
        "linear_ce": {k: v for k, v in imb["linear_ce"].items() if k != "lr_grid"},
        "cmnist": {k: imb["cmnist"][k] for k in ("correlation", "depths", "batch_size")},
        "cmnist_sizes": {k: v for k, v in IS["cmnist"].items() if k != "lr_grid"},
        "claims": imb["claims"],
        "pending": config["pending"],
        "dpi": config["figures"]["dpi"],
    }


def claims_params(config: dict, scale: str) -> dict:
    """``imbalanced_claims``: also used to re-derive a published ledger (``ledger.publish``)."""
    imb, IG = config["imbalanced"], config["imbalanced_gpu"]
    IS, IGS = config["scales"][scale]["imbalanced"], config["scales"][scale]["imbalanced_gpu"]
    return {
        "cfg": {
            **imb["claims"],
            "depths": imb["cmnist"]["depths"],
            "lr_grid": IS["cmnist"].get("lr_grid", {}),
            "pending": config.get("pending", []),
        },
        "gpu_cfg": IG["claims"],
        "model_notes": {e: model_note(e, IG, IGS) for e in ("multinli", "tinystories")},
        "scale": scale,
        "stats": config["stats"],
        "max_extensions": config["lr_selection"]["max_extensions"],
    }

"""The per-mode arrays of one run's reading grid on disk (``.npz``, float64, no pickles), so that
statistics that need several runs at once (the ``common`` mode set) are computed after every run's
pass. Keys: ``<sigma_delta>|<identity>|<layer>|<field>`` for ``lam``, ``mu``, ``gain``, ``offdiag``;
``<sigma_delta>|<identity>|<layer>|<retention>|<field>`` for the per-retention arrays;
``direct|preact|<layer>``, ``direct|logits``, ``steps``, ``weights``."""

from __future__ import annotations

import numpy as np

from muonrepro.util.io import atomic_path

SEP = "|"


def save_arrays(path, arrays: dict, direct: dict) -> None:
    flat = {"steps": np.asarray(direct["steps"]), "weights": np.asarray(direct["weights"])}
    flat["direct|logits"] = np.asarray(direct["logits"])
    for layer, v in direct["preact"].items():
        flat[SEP.join(("direct", "preact", layer))] = np.asarray(v)
    for (sd, mi, layer), a in arrays.items():
        for field in ("lam", "mu", "gain", "offdiag"):
            flat[SEP.join((sd, mi, layer, field))] = np.asarray(a[field])
        for ret, r in a["retentions"].items():
            for field, v in r.items():
                flat[SEP.join((sd, mi, layer, ret, field))] = np.asarray(v)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:  # through a file object: np.savez keeps its name
        np.savez(fh, **flat)


def load_arrays(path) -> tuple[dict, dict]:
    """(arrays, direct) as given to ``save_arrays``."""
    arrays, direct = {}, {"preact": {}}
    with np.load(path, allow_pickle=False) as z:
        for key in z.files:
            parts, v = key.split(SEP), z[key]
            if key in ("steps", "weights"):
                direct[key] = v.tolist()
            elif parts[0] == "direct":
                if parts[1] == "logits":
                    direct["logits"] = float(v)
                else:
                    direct["preact"][parts[2]] = float(v)
            elif len(parts) == 4:
                a = arrays.setdefault(tuple(parts[:3]), {"retentions": {}})
                a[parts[3]] = float(v) if parts[3] == "offdiag" else v
            else:
                a = arrays.setdefault(tuple(parts[:3]), {"retentions": {}})
                a["retentions"].setdefault(parts[3], {})[parts[4]] = v
    return arrays, direct

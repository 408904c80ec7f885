"""Problem instances from the config: one per seed at one kappa, the seed's replicate draws included.

A seed draws the basis (a rotation, to which Muon and GD are blind), the start (MF's small random
``U_0``, or the per-mode scales of an aligned start) and the jitter of the spectrum's interior values
(``config precond.spectrum_jitter``, ``spectra.jitter_spectrum``), so that counts differ across seeds
at a fixed kappa for every method. The sweeps, the ablations and the matrix theory checks build their
instances here; the Monte-Carlo check (A14) and the scalar Lemma sweep (A11) keep their own fixed
constructions (they test formulas, not replicates).
"""

from __future__ import annotations

from muonrepro.precond.problems import icl as icl_mod
from muonrepro.precond.problems import mf as mf_mod


def symmetric_mf(P: dict, problem: str, seeds, d: int, r: int, kappa: float, init: str | None = None) -> list:
    """``mf_mod.SymmetricInstance`` per seed for ``config precond.problems.<problem>`` (an MF problem);
    ``init`` overrides the problem's init kind."""
    c = P["problems"][problem]
    return [
        mf_mod.make_symmetric_mf(
            s,
            d,
            r,
            kappa,
            P["spectrum"],
            c["rotate"],
            init or c["init"],
            c["init_scale"],
            jitter=P["spectrum_jitter"],
            init_jitter=c.get("init_jitter", 0.0),
        )
        for s in seeds
    ]


def asymmetric_mf(P: dict, problem: str, seeds, d1: int, d2: int, r: int, kappa: float) -> list:
    c = P["problems"][problem]
    return [
        mf_mod.make_asymmetric_mf(
            s, d1, d2, r, kappa, P["spectrum"], c["rotate"], c["init"], c["init_scale"], jitter=P["spectrum_jitter"]
        )
        for s in seeds
    ]


def icl(P: dict, problem: str, seeds, d: int, kappa: float) -> list:
    c = P["problems"][problem]
    return [icl_mod.make_icl(s, d, kappa, P["spectrum"], c["rotate"], jitter=P["spectrum_jitter"]) for s in seeds]

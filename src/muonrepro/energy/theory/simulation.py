"""Simulators of the energy paper's linear theory in weight (error) space (spec ``energy.md`` §3.4,
§3.6, §3.8): preconditioned GD, K-FAC, heavy ball, and exact-polar descent (with Muon's NS5 for
comparison). The closed forms of :mod:`closed_forms` are checked against them. Float64.
"""

from __future__ import annotations

import numpy as np

from muonrepro.optim.orthogonalize import orthogonalize_np

__all__ = [
    "simulate_preconditioned_gd",
    "simulate_gd",
    "simulate_kfac",
    "simulate_heavy_ball",
    "polar",
    "newton_schulz5",
    "simulate_polar",
]


# ---------------------------------------------------------------------------------------------
# Simulators in weight (error) space (spec §3.4, §3.6, §3.8)
# ---------------------------------------------------------------------------------------------


def simulate_preconditioned_gd(
    E0: np.ndarray,
    Sx: np.ndarray,
    Sd: np.ndarray,
    eta: float,
    T: int,
    P_d: np.ndarray | None = None,
    P_x: np.ndarray | None = None,
    return_iterates: bool = False,
):
    """Run ``E_{t+1} = E_t - eta P_d G_t P_x`` with ``G_t = Sd E_t Sx`` (spec §3.6; GD if both
    preconditioners are None).

    Returns the per-step energies ``e_t = vec(E_t)^T H vec(E_t)`` for ``t = 0..T-1`` (shape (T,)),
    and, if ``return_iterates``, also the iterates ``E_0..E_T`` (shape (T+1, m, n)).
    """
    E = np.array(E0, dtype=np.float64)
    energies = np.empty(T, dtype=np.float64)
    iters = np.empty((T + 1,) + E.shape) if return_iterates else None
    for t in range(T):
        if iters is not None:
            iters[t] = E
        G = Sd @ E @ Sx
        energies[t] = float(np.sum(E * G))
        step = G
        if P_d is not None:
            step = P_d @ step
        if P_x is not None:
            step = step @ P_x
        E = E - eta * step
    if iters is not None:
        iters[T] = E
        return energies, iters
    return energies


def simulate_gd(E0, Sx, Sd, eta: float, T: int, return_iterates: bool = False):
    """Plain GD ``W <- W - eta G`` on the quadratic (spec §3.4); see simulate_preconditioned_gd."""
    return simulate_preconditioned_gd(E0, Sx, Sd, eta, T, return_iterates=return_iterates)


def simulate_kfac(E0, Sx, Sd, eta: float, T: int, return_iterates: bool = False):
    """Undamped K-FAC ``W <- W - eta Sd^{-1} G Sx^{-1}`` (spec §3.6, §5 item 7): uniform rate
    ``1 - eta`` in every mode."""
    return simulate_preconditioned_gd(
        E0,
        Sx,
        Sd,
        eta,
        T,
        P_d=np.linalg.inv(Sd),
        P_x=np.linalg.inv(Sx),
        return_iterates=return_iterates,
    )


def simulate_heavy_ball(E0, Sx, Sd, eta: float, beta: float, T: int) -> np.ndarray:
    """Heavy ball ``E_{t+1} = E_t - eta G_t + beta (E_t - E_{t-1})`` with ``E_{-1} = E_0``
    (spec §3.6). Returns per-step energies for ``t = 0..T-1``."""
    E = np.array(E0, dtype=np.float64)
    E_prev = E.copy()
    energies = np.empty(T, dtype=np.float64)
    for t in range(T):
        G = Sd @ E @ Sx
        energies[t] = float(np.sum(E * G))
        E, E_prev = E - eta * G + beta * (E - E_prev), E
    return energies


# ---------------------------------------------------------------------------------------------
# Polar factor (spec §3.8)
# ---------------------------------------------------------------------------------------------


def polar(M: np.ndarray) -> np.ndarray:
    """Exact polar factor ``U V^T`` (spec §3.8): the shared ``optim.orthogonalize_np`` (thin SVD, singular
    values below ``REL_CUTOFF * s_max`` dropped, so a rank-deficient ``M`` gives the partial isometry on its
    range; the zero matrix maps to zero)."""
    return orthogonalize_np(M, "svd")


def newton_schulz5(M: np.ndarray) -> np.ndarray:
    """Muon's quintic Newton-Schulz iteration in float64 (the shared ``optim.orthogonalize_np``): about
    ``U S' V^T`` with ``S'`` roughly in [0.5, 1.5], not the exact polar factor (spec §3.8, §5 item 10)."""
    return orthogonalize_np(M, "ns5")


def simulate_polar(E0, Sx, Sd, eta: float, T: int) -> np.ndarray:
    """Exact-polar descent without momentum ``W <- W - eta polar(G)`` (spec §3.8).

    Returns the iterates ``E_0..E_T`` (shape (T+1, m, n)).
    """
    E = np.array(E0, dtype=np.float64)
    iters = np.empty((T + 1,) + E.shape)
    iters[0] = E
    for t in range(T):
        E = E - eta * polar(Sd @ E @ Sx)
        iters[t + 1] = E
    return iters

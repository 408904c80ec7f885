"""Spectral-equalization paper: K-FAC factors, per-mode energy, Gini, quadratic theory."""

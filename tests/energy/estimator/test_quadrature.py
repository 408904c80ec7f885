"""Log-spaced logging steps and the trapezoid rule over them, against closed forms."""

import numpy as np
import pytest

from muonrepro.energy.estimator.quadrature import log_spaced_steps, time_average, trapezoid_weights


@pytest.mark.parametrize("total, n", [(938, 24), (7035, 120), (10, 4), (50, 50), (5, 20)])
def test_log_spaced_steps(total, n):
    s = log_spaced_steps(total, n)
    assert s[0] == 0 and s[-1] == total and len(s) == min(n, total + 1)
    assert all(b > a for a, b in zip(s, s[1:]))
    gaps = np.diff(s)
    assert gaps[0] <= gaps[-1]  # dense early


def test_log_spaced_steps_rejects_fewer_than_two():
    with pytest.raises(ValueError, match="n_snapshots"):
        log_spaced_steps(100, 1)


def test_trapezoid_weights_by_hand():
    np.testing.assert_allclose(trapezoid_weights([0, 1, 3, 7]), [0.5, 1.5, 3.0, 2.0])
    assert trapezoid_weights([0, 1, 3, 7]).sum() == 7
    np.testing.assert_allclose(trapezoid_weights([5]), [1.0])
    with pytest.raises(ValueError, match="increase"):
        trapezoid_weights([0, 2, 2])


def test_trapezoid_is_exact_for_linear_integrands_on_any_grid():
    t = np.array([0, 1, 2, 4, 9, 17, 40, 100], dtype=float)
    e = 3.0 - 0.02 * t
    closed = 3.0 * 100 - 0.01 * 100**2  # int_0^100 (3 - 0.02 t) dt
    assert trapezoid_weights(t) @ e == pytest.approx(closed, rel=1e-14)


def test_trapezoid_error_for_t_squared_is_sum_h3_over_6():
    """For e(t) = t^2, each interval of width h over-estimates by h^3 / 6 exactly."""
    t = np.array(log_spaced_steps(500, 15), dtype=float)
    h = np.diff(t)
    integral = 500.0**3 / 3
    assert trapezoid_weights(t) @ t**2 == pytest.approx(integral + (h**3).sum() / 6, rel=1e-13)


def test_exponential_decay_converges_to_its_integral():
    """e(t) = exp(-t / 50) on log-spaced grids: the error shrinks as the grid refines."""
    closed = 50 * (1 - np.exp(-1000 / 50))
    errs = []
    for n in (10, 40, 160):
        t = np.array(log_spaced_steps(1000, n), dtype=float)
        errs.append(abs(trapezoid_weights(t) @ np.exp(-t / 50) - closed) / closed)
    assert errs[0] > errs[1] > errs[2] and errs[2] < 1e-3


def test_time_average():
    assert time_average([1.0, 3.0], [0, 10]) == pytest.approx(2.0)
    assert time_average([4.0], [7]) == 4.0


def test_every_kth_keeps_the_first_and_the_last():
    from muonrepro.energy.extract import every_kth

    assert every_kth(list(range(9)), 4) == [0, 4, 8]
    assert every_kth(list(range(10)), 4) == [0, 4, 8, 9]
    assert every_kth([5, 6], 3) == [5, 6]
    assert every_kth([1, 2, 3], 1) == [1, 2, 3]
    with pytest.raises(ValueError):
        every_kth([1, 2], 0)

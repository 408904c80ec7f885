"""one_thread: one torch thread inside, the caller's count restored after (also on error), and a float32 product
whose summation order depends on threads computed identically whatever the caller's count."""

import pytest
import torch

from muonrepro.util.threads import one_thread


def test_one_thread_inside_and_restored_after():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with one_thread():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        with pytest.raises(RuntimeError), one_thread():
            raise RuntimeError("inside")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_the_result_does_not_depend_on_the_callers_threads():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(256, 4096, generator=g), torch.randn(4096, 64, generator=g)
    before, out = torch.get_num_threads(), []
    try:
        for n in (1, 2):
            torch.set_num_threads(n)
            with one_thread():
                out.append(a @ b)
    finally:
        torch.set_num_threads(before)
    assert torch.equal(out[0], out[1])

"""One torch thread for a computation whose round-off is itself measured (a float32 replay): the order of torch's
parallel sums depends on the thread count, so the result would change with the machine or process it runs in."""

from __future__ import annotations

from contextlib import contextmanager

import torch


@contextmanager
def one_thread():
    """Run the block with ``torch.set_num_threads(1)``; the caller's thread count is restored after, also on error."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)

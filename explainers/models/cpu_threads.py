"""Work split over Python threads on the CPU, each running single-threaded torch kernels.

The scheme of the renderer (:mod:`explainers.synthetic.render`) and of the property gradients'
forward passes (:func:`explainers.interventions.paths.read_on_cpu`): when other processes share
the cores, every OpenMP barrier of a multi-threaded convolution waits for a descheduled thread,
so a flow's many small convolutions with 2 OpenMP threads run several times slower than two
single-threaded ones side by side. Single-threaded kernels also make a batch's numbers
independent of the machine's core count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import torch

T = TypeVar("T")
R = TypeVar("R")


def map_on_cpu(fn: Callable[[T], R], parts: Sequence[T], workers: int | None = None) -> list[R]:
    """``[fn(part) for part in parts]``, in order, computed by ``workers`` Python threads (default:
    torch's thread count) with single-threaded torch kernels and gradients off; the process-wide
    torch thread count is restored afterwards."""
    previous = torch.get_num_threads()
    workers = max(1, min(previous if workers is None else workers, len(parts)))
    torch.set_num_threads(1)
    try:
        if workers == 1:
            with torch.no_grad():
                return [fn(part) for part in parts]

        def run(part):  # grad mode is per thread
            with torch.no_grad():
                return fn(part)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(run, parts))
    finally:
        torch.set_num_threads(previous)

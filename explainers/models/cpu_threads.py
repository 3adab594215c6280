"""Work split over Python threads on the CPU, each running single-threaded torch kernels.

The scheme of the renderer (:mod:`explainers.synthetic.render`) and of the property gradients'
forward passes (:func:`explainers.interventions.paths.read_on_cpu`): when other processes share
the cores, every OpenMP barrier of a multi-threaded convolution waits for a descheduled thread,
so a flow's many small convolutions with 2 OpenMP threads run several times slower than two
single-threaded ones side by side. Single-threaded kernels also make a batch's numbers
independent of the machine's core count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import torch

T = TypeVar("T")
R = TypeVar("R")


def map_on_cpu(fn: Callable[[T], R], parts: Sequence[T], workers: int | None = None) -> list[R]:
    """``[fn(part) for part in parts]``, in order, computed by ``workers`` Python threads (default:
    torch's thread count) with single-threaded torch kernels and gradients off; the process-wide
    torch thread count is restored afterwards."""
    return list(imap_on_cpu(fn, parts, workers))


def imap_on_cpu(fn: Callable[[T], R], parts: Sequence[T],
                workers: int | None = None) -> Iterator[R]:
    """:func:`map_on_cpu` yielding each result, in order, as soon as it and those before it are
    done (the caller can report progress); torch's thread count stays 1 until the generator is
    exhausted or closed, then is restored, and parts not yet started are dropped if it is
    closed early."""
    previous = torch.get_num_threads()
    workers = max(1, min(previous if workers is None else workers, len(parts)))
    torch.set_num_threads(1)
    try:
        if workers == 1:
            for part in parts:
                with torch.no_grad():
                    result = fn(part)
                yield result
            return

        def run(part):  # grad mode is per thread
            with torch.no_grad():
                return fn(part)

        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            yield from pool.map(run, parts)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        torch.set_num_threads(previous)


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MMAP_THRESHOLD = 32 << 20  # glibc's largest on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX)
_TRIM_THRESHOLD = 1 << 30
_TOP_PAD = 64 << 20
_kept: bool | None = None


def keep_freed_memory() -> bool:
    """Make glibc's allocator keep freed memory for the next allocation of the process,
    instead of returning it to the kernel (once per process; ``False`` where the C library has
    no ``mallopt``, e.g. not glibc, and nothing is changed).

    By default glibc serves every block above a moving threshold (128 KiB at first) with a
    fresh ``mmap`` and unmaps it on ``free``, and trims the top of its heaps beyond 128 KiB (later twice that threshold); the
    renderer's and the convolutions' work tensors (0.1-15 MB each, allocated and freed for every
    chunk) then page-fault on every first touch, again and again. Blocks up to 32 MiB now come
    from the heaps, which are trimmed only beyond 1 GiB free. Measured on the 2-core CPU at load
    3.6-5.6, ``benchmarks/property_gradients.py --checkpoint checkpoints/cnn --sample 11000``
    (11 000 renders and forward passes), runs interleaved with the code before: minor page
    faults 1.0-1.3 M -> 0.15 M, system time 2.4-4.3 -> 0.6-1.5 s, rendering and forward passes
    1.22x faster (medians); the resident size grows by ~150 MB. Process-wide: meant for batch
    jobs (the property-gradients command and benchmark), whose peak memory it keeps. Numbers
    are unchanged (where memory comes from, not what is computed)."""
    global _kept
    if _kept is None:
        import ctypes

        try:
            mallopt = ctypes.CDLL(None).mallopt
        except (OSError, AttributeError):
            _kept = False
        else:
            mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            _kept = all(
                mallopt(param, value) == 1
                for param, value in (
                    (_M_MMAP_THRESHOLD, _MMAP_THRESHOLD),
                    (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD),
                    (_M_TOP_PAD, _TOP_PAD),
                )
            )
    return _kept

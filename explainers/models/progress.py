"""tqdm progress bars when tqdm is installed (the GPU machine may lack it), else a plain iterator."""

from __future__ import annotations

import sys

try:
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - depends on the machine
    tqdm = None


def progress_bar(iterable, *, desc: str = "", total: int | None = None, enabled: bool = True):
    if tqdm is None or not enabled:
        return iterable
    return tqdm(iterable, desc=desc, total=total, file=sys.stderr, dynamic_ncols=True,
                mininterval=2.0)

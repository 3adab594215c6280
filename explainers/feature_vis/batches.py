"""Borowski et al.'s (2021, appendix A.1.2, Fig. 9) sampling of natural query and reference
images, so that each participant sees other images of the same unit.

Take the ``(n_references + 1) * n_batches`` most (or least) activating images, cut them in
order into ``n_references + 1`` bins of ``n_batches`` images (bin 0 the most extreme), shuffle
each bin, and give batch ``b`` the ``b``-th image of every bin: its query image from bin 0 (the
strongest signal), its references from bins 1..n. (The paper's code took every 10th instead of
every 20th image by mistake, footnote 8; this is the procedure as described.)
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np


@dataclasses.dataclass(frozen=True)
class NaturalBatch:
    query: int  # source position of the query image
    references: list[int]  # source positions of the reference images, most extreme bin first


def natural_batches(
    values: np.ndarray,
    *,
    direction: str,
    n_references: int = 9,
    n_batches: int = 20,
    seed: int = 0,
) -> list[NaturalBatch]:
    """``n_batches`` disjoint (query, references) selections of the extreme images of a unit;
    ``values`` holds the unit's activation for every image of the source."""
    if direction not in ("max", "min"):
        raise ValueError(f"direction must be 'max' or 'min', got {direction!r}")
    values = np.asarray(values, dtype=np.float64)
    needed = (n_references + 1) * n_batches
    if n_references < 1 or n_batches < 1 or needed > len(values):
        raise ValueError(f"{n_batches} batches of {n_references} references and a query need "
                         f"{needed} images; the source has {len(values)}")
    order = np.argsort(-values if direction == "max" else values, kind="stable")[:needed]
    rng = random.Random(f"{seed}:{direction}")
    bins = []
    for b in range(n_references + 1):
        members = [int(i) for i in order[b * n_batches : (b + 1) * n_batches]]
        rng.shuffle(members)
        bins.append(members)
    return [NaturalBatch(query=bins[0][b], references=[bins[r][b] for r in range(1, len(bins))])
            for b in range(n_batches)]

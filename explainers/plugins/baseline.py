"""Baseline (paper section 5.1): validation images sorted into five logit columns.

50 images in a 10x5 grid; column ``c`` holds 10 images whose logit lies in the ``c``-th fifth of
the logit range (the [1st, 99th] percentile of the model's logits on the validation pool,
recorded in every cell's ``extra``). Variants differ in the random draw from the pool.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .base import Cell, Explainer, ParamError, Stimulus
from .layout import bin_edges, column_labels, draw_binned, logit_range


@dataclass(frozen=True)
class BinnedParams:
    rows: int = 10
    percentiles: tuple[float, float] = (1.0, 99.0)

    def check(self):
        if not 1 <= self.rows <= 50:
            raise ParamError(f"rows must be between 1 and 50, got {self.rows}")
        lo, hi = self.percentiles
        if not 0 <= lo < hi <= 100:
            raise ParamError(f"percentiles must satisfy 0 <= lo < hi <= 100, got {self.percentiles}")


class Baseline(Explainer):
    name = "baseline"
    version = "1"
    Params = BinnedParams

    def render(self, model, data, *, rng: torch.Generator, **params) -> Stimulus:
        p = self.params(**params)
        pool = data.pool()
        logits = pool.logits(model)
        lo, hi = logit_range(logits, p.percentiles)
        edges = bin_edges(lo, hi)
        chosen = draw_binned(logits, edges, p.rows, rng)
        cells = [
            [
                Cell(
                    image=pool.images[i],
                    logit=logits[i],
                    scene=pool.scene(i),
                    extra={
                        "pool_index": int(i),
                        "bin": [float(edges[c]), float(edges[c + 1])],
                        "logit_range": [lo, hi],
                        "percentiles": list(p.percentiles),
                    },
                )
                for c, i in enumerate(row)
            ]
            for row in chosen
        ]
        meta = {"logit_range": [lo, hi], "percentiles": list(p.percentiles),
                "bin_edges": edges.tolist(), "pool_size": len(pool)}
        return Stimulus(cells, [""] * p.rows, column_labels(model.class_names), meta)

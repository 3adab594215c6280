"""INN counterfactuals (paper section 4): each row moves one hidden start image along ``w``.

Same 10x5 layout and logit range as the baseline. Row ``r`` starts from a validation image drawn
at random (its logit inside the range; the image itself is not shown) and shows
``phi^-1(phi(x) + alpha w)`` for the five column centres as target logits. Each alpha is found
by a search on the image as shown (clamped to the valid pixel range and rounded to 8 bit; at most
``refine_steps`` corrections, see :func:`explainers.models.counterfactual`) until its logit is
within 0.1% of the logit range of the target; the logit the displayed image really has is the
cell's ``logit``; target, alpha and the start image are in ``extra``.

A grid never shows a column that does not hold what it claims, nor the inverse's artefacts: a
start image whose row misses any target by more than ``max_error`` (a fraction of the logit
range, default 1%), or has a cell where the inverse put more than ``max_clipped`` (default 1%) of
the pixel values outside [0, 1] before clamping (the inverse of a flow can produce coloured
noise far from the data, see research/model-runs/README.md), is rejected and the next random start image
is tried. Rejected start images are counted in ``meta``, by reason; if
``max_starts`` start images give fewer than ``rows`` good rows, the render fails with a clear
:class:`CounterfactualError`.

Speed: each round tries one start image per row still missing (rows are taken in candidate
order, so this never changes which rows are shown), starting from the pool's cached encodings;
:meth:`INNCounterfactuals.render_many` renders several stimuli (variants) with one batched search
per round, searching a start image that two variants share once. Each cell's search is its own,
so a batched stimulus equals the one :meth:`~INNCounterfactuals.render` gives (to float
rounding, tests/test_explainer_inn.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from explainers.models import counterfactual
from explainers.models.cpu_threads import map_on_cpu

from .base import Cell, Explainer, ParamError, Stimulus, StimulusError, as_uint8_image
from .baseline import BinnedParams
from .layout import bin_centres, bin_edges, bin_of, column_labels, logit_range
from .needs import Need


@dataclass(frozen=True)
class CounterfactualParams(BinnedParams):
    refine_steps: int = 16
    max_error: float = 0.01
    max_starts: int = 200
    max_clipped: float = 0.01

    def check(self):
        super().check()
        if not 0 <= self.refine_steps <= 50:
            raise ParamError(f"refine_steps must be between 0 and 50, got {self.refine_steps}")
        if not 0 < self.max_error <= 1:
            raise ParamError(f"max_error must lie in (0, 1], got {self.max_error}")
        if not 0 <= self.max_clipped <= 1:
            raise ParamError(f"max_clipped must lie in [0, 1], got {self.max_clipped}")
        if self.max_starts < self.rows:
            raise ParamError(f"max_starts must be at least rows ({self.rows})")


class CounterfactualError(StimulusError):
    """Too few start images give clean counterfactuals that reach every column's logit."""


class INNCounterfactuals(Explainer):
    name = "inn"
    version = "4"  # 2: alpha searched on the shown 8-bit image; 3: start images tried one
    #                 per missing row (the same rows; meta's starts_tried/rejected count fewer);
    #                 4: the search's secant moved into the bracket, not bisected (fewer steps;
    #                 other alphas within the same tolerance, so pixels differ)
    Params = CounterfactualParams
    needs = frozenset({Need.LOGITS, Need.INVERTIBLE})

    def render(self, model, data, *, rng: torch.Generator, **params) -> Stimulus:
        return self.render_many(model, data, rngs=[rng], **params)[0]

    def render_many(self, model, data, *, rngs, **params) -> list[Stimulus]:
        """One stimulus per generator, the same as :meth:`render` with each, searched together:
        every round sends the next start image of every row still missing, of every stimulus,
        through one batched search (a start image two stimuli share is searched once), starting
        from the pool's cached encodings."""
        p = self.params(**params)
        pool = data.pool()
        logits = pool.logits(model)
        lo, hi = logit_range(logits, p.percentiles)
        edges = bin_edges(lo, hi)
        centres = bin_centres(edges)
        inside = np.flatnonzero(bin_of(logits, edges) >= 0)
        plans = [
            _Plan(inside[torch.randperm(len(inside), generator=rng).numpy()][: p.max_starts])
            for rng in rngs
        ]
        searched: dict[int, tuple] = {}  # start index -> its row (the same for every stimulus)
        while True:
            # each stimulus takes its next start images, one per row still missing; rows are
            # taken in candidate order, so neither the batch nor other stimuli change its rows
            wanted = [plan.next_batch(p.rows) for plan in plans]
            if not any(len(batch) for batch in wanted):
                break
            new = sorted({int(i) for batch in wanted for i in batch} - set(searched))
            for chunk in range(0, len(new), ROWS_PER_SEARCH):
                starts = new[chunk : chunk + ROWS_PER_SEARCH]
                searched.update(
                    zip(
                        starts,
                        _reach(model, pool, starts, centres, p.refine_steps, tol=1e-3 * (hi - lo)),
                        strict=True,
                    )
                )
            for plan, batch in zip(plans, wanted, strict=True):
                plan.take(batch, searched, centres, hi - lo, p)
        return [
            self._stimulus(plan, p, pool, logits, lo, hi, edges, centres, model.class_names)
            for plan in plans
        ]

    def _stimulus(self, plan, p, pool, logits, lo, hi, edges, centres, class_names) -> Stimulus:
        rows, tried, missed, clipped_out = plan.rows, plan.tried, plan.missed, plan.clipped_out
        if len(rows) < p.rows:
            raise CounterfactualError(
                f"only {len(rows)} of {tried} start images give counterfactuals within "
                f"{p.max_error:.2%} of the logit range of all five columns (worst miss "
                f"{plan.worst:.2%}) with at most {p.max_clipped:.2%} of pixel values clamped "
                f"({missed} missed a target, {clipped_out} more were clamped); {p.rows} rows "
                "are needed. The model's inverse is not reliable that far along w: use a "
                "better-trained checkpoint, or raise max_starts, max_error or max_clipped."
            )
        accepted = len(rows)
        cells = [
            [
                Cell(
                    image=images[c],
                    logit=shown[c],
                    scene=pool.scene(start),
                    extra={
                        "start_index": int(start),
                        "start_logit": float(logits[start]),
                        "target_logit": float(centres[c]),
                        "alpha": float(alphas[c]),
                        "clipped": float(clipped[c]),
                        "bin": [float(edges[c]), float(edges[c + 1])],
                        "logit_range": [lo, hi],
                    },
                )
                for c in range(len(centres))
            ]
            for start, (images, shown, alphas, _, clipped) in rows
        ]
        errors = np.array(
            [[abs(cell.logit - centres[c]) for c, cell in enumerate(row)] for row in cells]
        )
        meta = {
            "logit_range": [lo, hi],
            "percentiles": list(p.percentiles),
            "bin_edges": edges.tolist(),
            "targets": centres.tolist(),
            "start_indices": [int(r[0]) for r in rows],
            "starts_tried": tried,
            "starts_rejected": tried - accepted,
            "starts_missing_a_target": missed,
            "starts_clamped": clipped_out,
            "largest_clipped": float(max(r[1][4].max() for r in rows)),
            "largest_miss": float(errors.max()),
            "refinements": [int(r[1][3]) for r in rows],
        }
        return Stimulus(cells, [""] * p.rows, column_labels(class_names), meta)


ROWS_PER_SEARCH = 64  # start images per batched search (x 5 cells): bounds the memory
ROWS_PER_PART = 8  # start images per thread's search on the CPU: the threads share the work


class _Plan:
    """One stimulus' start images in the order it tries them, and the rows it has taken."""

    def __init__(self, candidates: np.ndarray):
        self.candidates = candidates
        self.rows: list[tuple[int, tuple]] = []
        self.tried = self.missed = self.clipped_out = 0
        self.worst = 0.0

    def next_batch(self, rows: int) -> np.ndarray:
        return self.candidates[self.tried : self.tried + max(0, rows - len(self.rows))]

    def take(self, batch, searched: dict, centres, span: float, p) -> None:
        self.tried += len(batch)
        for start in batch:
            row = searched[int(start)]
            _, shown, _, _, clipped = row
            miss = float(np.abs(shown - centres).max() / span)
            self.worst = max(self.worst, miss)
            if miss > p.max_error:
                self.missed += 1
            elif clipped.max() > p.max_clipped:
                self.clipped_out += 1
            else:
                self.rows.append((int(start), row))


@torch.no_grad()
def _reach(model, pool, starts: list[int], centres: np.ndarray, refine_steps: int, *, tol: float):
    """Per start image: its counterfactual images (uint8 [K, H, W, 3]) as shown, their logits,
    the alphas, the search steps used and the share of each image's pixel values clamped.

    On the CPU the start images are searched in parts of at most ``ROWS_PER_PART`` by Python
    threads with single-threaded kernels (:func:`explainers.models.cpu_threads.map_on_cpu`):
    each cell's search is its own, so only the convolutions' float rounding differs."""

    def search(part):
        target = torch.as_tensor(np.tile(centres, (len(part), 1)), dtype=torch.float32)
        return counterfactual(
            model,
            None,
            target.to(model.device),
            search_steps=refine_steps,
            tol=tol,
            quantize=True,
            encoding=pool.encodings(model, part),
        )

    n_parts = max(min(torch.get_num_threads(), len(starts)), -(-len(starts) // ROWS_PER_PART))
    if torch.device(model.device).type == "cpu" and n_parts > 1:
        results = map_on_cpu(search, [list(part) for part in np.array_split(starts, n_parts)])
    else:
        results = [search(starts)]
    images = np.stack(
        [[as_uint8_image(im) for im in row] for result in results for row in result.images.cpu()]
    )
    shown = torch.cat([r.achieved_logits for r in results]).double().cpu().numpy()
    alphas = torch.cat([r.alphas for r in results]).float().cpu().numpy()
    steps = torch.cat([r.steps for r in results]).amax(dim=1).cpu().numpy()
    clipped = torch.cat([r.clipped for r in results]).double().cpu().numpy()
    return [(images[i], shown[i], alphas[i], steps[i], clipped[i]) for i in range(len(starts))]

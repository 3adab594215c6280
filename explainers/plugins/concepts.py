"""Automatically discovered concepts (after Zhang et al. 2021, paper section 4).

The mid-layer activations (``model.activations``, ~8x8) of ``images`` validation images are
factorised into ``components`` concepts: every spatial position is a sample, the channels are
the features. The concepts are a property of the model, so they are fitted once on a draw fixed
by ``fit_seed`` (which also seeds the factorisation): every variant of a stimulus shows the same
concepts, and variants differ in their exemplars, which come from each variant's own random draw
of ``images`` pool images. The activations are signed, so the default is FastICA (``pca`` is
the other signed choice; ``nmf`` factorises the ReLU'd activations). A concept's score for an image is its mean
over the image's positions; the ``keep`` concepts whose scores correlate most with the logit
(absolute Pearson r) are shown, most correlated first. The preregistration (D.2) shows only
concepts with |r| >= 0.2: ``min_correlation`` makes a render fail clearly if fewer than ``keep``
components reach it. A factorisation that does not converge (FastICA within ``max_iter``, NMF
likewise) fails clearly too: an unconverged fit depends on the last bits of the activations, so
a GPU worker and a CPU worker would show different concepts for the same content key.

Each concept fills two consecutive rows, as in the paper (which shows the two directions
separately rather than as "more Peeky / more Stretchy"): the row marked ``+`` shows the five
images with the highest score and highlights where the concept's map is positive; the row
marked ``-`` shows the five with the lowest score and highlights where the map is negative.
A highlight is the paper's patch presentation (after Zhang et al. 2021): the map is upsampled
smoothly (bicubic, then blurred by half an activation cell, so no 8x8 blocks show), the patch
where it exceeds half its peak keeps its colours, the rest of the image is greyed and dimmed
to ``dim``, and a thin yellow line marks the patch's edge (:func:`~.grid.concept_patch`).
(For ``nmf``, whose scores are never negative, the second row shows the next five exemplars.)
Each cell records the component index, r, direction and score; ``meta`` holds the linear
projection and r of all components, so that the selection can be recomputed independently.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from sklearn.decomposition import NMF, PCA, FastICA
from sklearn.exceptions import ConvergenceWarning

from .base import Cell, Explainer, ParamError, Stimulus, StimulusError
from .grid import concept_patch
from .needs import Need


@dataclass(frozen=True)
class ConceptParams:
    components: int = 10
    keep: int = 5
    exemplars: int = 5
    images: int = 500
    method: Literal["ica", "pca", "nmf"] = "ica"
    layer: str | None = None
    dim: float = 0.35
    min_correlation: float = 0.0
    fit_seed: int = 0

    def check(self):
        if not 1 <= self.keep <= self.components <= 64:
            raise ParamError("need 1 <= keep <= components <= 64")
        if not 1 <= self.exemplars <= 20:
            raise ParamError(f"exemplars must be between 1 and 20, got {self.exemplars}")
        if self.images < 2 * self.exemplars + 1:
            raise ParamError(f"images must be at least {2 * self.exemplars + 1}")
        if not 0 <= self.dim <= 1:
            raise ParamError(f"dim must lie in [0, 1], got {self.dim}")
        if not 0 <= self.min_correlation < 1:
            raise ParamError(f"min_correlation must lie in [0, 1), got {self.min_correlation}")


class ConceptError(StimulusError):
    """Fewer components than asked for correlate enough with the logit."""


class Concepts(Explainer):
    name = "concepts"
    version = "3"  # 2: concepts fitted once (fit_seed), exemplars drawn per variant;
    #                 3: smooth patches with an outline (grid.concept_patch), dim 0.35
    Params = ConceptParams
    needs = frozenset({Need.LOGITS, Need.LAYERS})

    def render(self, model, data, *, rng: torch.Generator, **params) -> Stimulus:
        p = self.params(**params)
        pool = data.pool()
        if p.images > len(pool):
            raise ParamError(f"images={p.images} exceeds the validation pool ({len(pool)})")
        logits = pool.logits(model)
        acts = pool.activations(model, p.layer)  # [N, h, w, C]
        _, h, w, channels = acts.shape
        fitted, concepts, r = pool.derived(  # the same for every variant: fitted once
            model, ("concepts", p.layer, p.method, p.components, p.images, p.fit_seed),
            lambda: fit_concepts(acts, logits, p))
        selected = np.argsort(-np.abs(r), kind="stable")[: p.keep]
        if np.abs(r[selected]).min() < p.min_correlation:
            strong = int((np.abs(r) >= p.min_correlation).sum())
            raise ConceptError(
                f"only {strong} of {p.components} components correlate with the logit with "
                f"|r| >= {p.min_correlation} (all r: {np.round(r, 3).tolist()}); lower "
                f"min_correlation or keep, use more components, another layer, or another "
                f"fit_seed (then say so: the concepts are what the study shows)"
            )
        # this variant's exemplars: a random draw of pool images, scored by the same concepts
        chosen = torch.randperm(len(pool), generator=rng)[: p.images].numpy()
        maps = concepts.transform(acts[chosen].astype(np.float64).reshape(-1, channels))
        maps = maps.reshape(len(chosen), h, w, p.components)
        scores = maps.mean(axis=(1, 2))
        rows, labels = [], []
        for rank, k in enumerate(selected):
            for direction in (+1, -1):
                if p.method == "nmf":
                    ranked = np.argsort(-scores[:, k], kind="stable")
                    part = ranked[: p.exemplars] if direction > 0 else ranked[p.exemplars : 2 * p.exemplars]
                    region_sign = 1
                else:
                    part = np.argsort(-direction * scores[:, k], kind="stable")[: p.exemplars]
                    region_sign = direction
                rows.append([
                    _cell(pool, logits, chosen[j], maps[j, :, :, k] * region_sign, p.dim,
                          {"component": int(k), "r": float(r[k]), "direction": direction,
                           "score": float(scores[j, k]), "pool_index": int(chosen[j]),
                           "all_r": r.tolist()})
                    for j in part
                ])
                labels.append(f"concept {rank + 1} {'+' if direction > 0 else '-'}")
        meta = {"method": p.method, "layer": p.layer, "random_state": p.fit_seed,
                "fit_indices": fitted.tolist(), "pool_indices": chosen.tolist(),
                "all_r": r.tolist(), "selected": selected.tolist(),
                "mean": concepts.mean.tolist(),
                "projection": None if concepts.projection is None else concepts.projection.tolist()}
        return Stimulus(rows, labels, [""] * p.exemplars, meta)


def fit_concepts(acts: np.ndarray, logits: np.ndarray, p: ConceptParams):
    """The concepts of the pool's activations [N, h, w, C]: (the ``p.images`` pool indices
    drawn by ``fit_seed``, their :class:`Factorization`, each component's r with the logit)."""
    n, h, w, channels = acts.shape
    fitted = torch.randperm(n, generator=torch.Generator().manual_seed(p.fit_seed))
    fitted = np.sort(fitted[: p.images].numpy())
    samples = acts[fitted].astype(np.float64).reshape(-1, channels)
    concepts = factorize(samples, p.method, p.components, p.fit_seed)
    fit_scores = concepts.transform(samples).reshape(len(fitted), h * w, p.components)
    fit_scores = fit_scores.mean(axis=1)
    r = np.array([pearson(fit_scores[:, k], logits[fitted]) for k in range(p.components)])
    return fitted, concepts, r


@dataclass
class Factorization:
    """A fitted factorisation: component values of samples [m, C] -> [m, k]. The linear methods
    are ``(samples - mean) @ projection.T``; NMF keeps its fitted sklearn model."""

    mean: np.ndarray
    projection: np.ndarray | None
    nmf: NMF | None = None

    def transform(self, samples: np.ndarray) -> np.ndarray:
        if self.nmf is not None:
            return self.nmf.transform(np.maximum(samples, 0))
        return (samples - self.mean) @ self.projection.T


def factorize(samples: np.ndarray, method: str, k: int, seed: int) -> Factorization:
    """Fit ``k`` components to ``samples`` [m, C] (ICA and PCA signed, NMF on the ReLU'd values).
    Raises ConceptError when the iterative fits (ICA, NMF) do not converge."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            if method == "nmf":
                nmf = NMF(k, init="nndsvda", random_state=seed, max_iter=400)
                nmf.fit(np.maximum(samples, 0))
                return Factorization(np.zeros(samples.shape[1]), None, nmf)
            if method == "pca":
                model = PCA(k, random_state=seed).fit(samples)
            else:
                model = FastICA(k, whiten="unit-variance", random_state=seed, max_iter=1000,
                                tol=1e-3)
                model.fit(samples)
        except ConvergenceWarning as exc:
            raise ConceptError(
                f"{method} with {k} components did not converge on these activations ({exc}); "
                f"an unconverged fit differs between devices: use another layer, another "
                f"fit_seed or fewer components (then say so: the concepts are what the study "
                f"shows)") from exc
    return Factorization(model.mean_, model.components_)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else 0.0


def _cell(pool, logits, index, signed_map, dim, extra) -> Cell:
    region = np.maximum(signed_map, 0)
    region = region / region.max() if region.max() > 0 else region
    image = pool.images[int(index)].permute(1, 2, 0).numpy()
    return Cell(concept_patch(image, region, dim=dim), logits[index], pool.scene(index), extra)

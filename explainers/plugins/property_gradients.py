"""Local interventional explanation (Penzel & Denzler): the model along gradual interventions.

For each shown image (drawn from the validation pool with the variant's ``rng``) and each factor
in ``factors``, the factor is set to ``points`` equidistant values over its range, the rest of
the scene held fixed, and the model's output is read on each 8-bit render, exactly as shown.
One row per (image, factor): ``show`` of the steps as images, each with the output written under
it ("an image strip with the score under each step"), and the row label gives the local
``E[|grad_X|]`` over all ``points`` steps with Algorithm 1's p-value (``permutations``, two-sided,
significant when ``p < alpha``; section 3.5's defaults). Scores are per step of the grid, on the
probability of class 1 by default (:mod:`explainers.interventions.paths`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from explainers.interventions.paths import intervened_scenes, intervention_grid, model_output
from explainers.interventions.permutation import (
    DEFAULT_ALPHA,
    DEFAULT_PERMUTATIONS,
    permutation_test,
)
from explainers.synthetic import FACTORS, SceneBatch, render

from .base import Cell, Explainer, ParamError, Stimulus, StimulusError
from .needs import Need

CAPTION_PX = 16


@dataclass(frozen=True)
class PropertyGradientParams:
    images: int = 2
    factors: tuple[str, ...] = ("legs_position", "color", "shape", "background")
    points: int = 11
    show: int = 6
    output: Literal["probability", "logit"] = "probability"
    permutations: int = DEFAULT_PERMUTATIONS
    alpha: float = DEFAULT_ALPHA

    def check(self):
        if not 1 <= self.images <= 10:
            raise ParamError(f"images must be between 1 and 10, got {self.images}")
        unknown = [f for f in self.factors if f not in FACTORS]
        if unknown or not self.factors or len(set(self.factors)) != len(self.factors):
            raise ParamError(f"factors must be distinct factors of {list(FACTORS)}, "
                             f"got {list(self.factors)}")
        if not 2 <= self.points <= 101:
            raise ParamError(f"points must be between 2 and 101, got {self.points}")
        if not 2 <= self.show <= self.points or (self.points - 1) % (self.show - 1):
            raise ParamError(f"show must be between 2 and points and (points - 1) must be a "
                             f"multiple of (show - 1), got show {self.show}, points {self.points}")
        if not 1 <= self.permutations <= 100_000:
            raise ParamError(f"permutations must be between 1 and 100000, got {self.permutations}")
        if not 0 < self.alpha < 1:
            raise ParamError(f"alpha must lie in (0, 1), got {self.alpha}")


def captioned(image: np.ndarray, text: str) -> np.ndarray:
    """``image`` (HxWx3 uint8) with ``text`` on a white band below it."""
    h, w, _ = image.shape
    canvas = Image.new("RGB", (w, h + CAPTION_PX), "white")
    canvas.paste(Image.fromarray(image), (0, 0))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=11)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((w - (right - left)) // 2, h + (CAPTION_PX - (bottom - top)) // 2 - top), text,
              fill="black", font=font)
    return np.asarray(canvas)


class PropertyGradients(Explainer):
    name = "property_gradients"
    version = "2"
    needs = frozenset({Need.LOGITS, Need.GENERATOR})
    Params = PropertyGradientParams

    @torch.inference_mode()
    def render(self, model, data, *, rng: torch.Generator, **params) -> Stimulus:
        p = self.params(**params)
        pool = data.pool()
        missing = [f for f in FACTORS if f not in pool.scenes.columns]
        if missing:
            raise StimulusError(f"property_gradients needs generator scenes; the pool has no "
                                f"{', '.join(missing)}")
        if len(pool) < p.images:
            raise StimulusError(f"the pool has {len(pool)} images, {p.images} asked for")
        chosen = torch.randperm(len(pool), generator=rng)[: p.images].tolist()
        base = SceneBatch.from_frame(pool.scenes.iloc[chosen])
        read = model_output(model, p.output)
        device = getattr(model, "device", torch.device("cpu"))
        shown = np.arange(0, p.points, (p.points - 1) // (p.show - 1))
        rows, labels, outputs, renders = [], [], [], []
        for factor in p.factors:
            grid = intervention_grid(factor, p.points)
            scenes = intervened_scenes(base, factor, grid)
            images = render(scenes, size=model.image_size, device=device).images
            shown_uint8 = (images.clamp(0, 1) * 255).round().to(torch.uint8)
            x = shown_uint8.to(device).float() / 255
            outputs.append(read(x).double().cpu().numpy().reshape(p.images, p.points))
            logits = model.logit(x).double().cpu().numpy().reshape(p.images, p.points)
            renders.append((factor, grid, shown_uint8.reshape(p.images, p.points,
                                                              *shown_uint8.shape[1:]), logits))
        y = np.stack(outputs, axis=1)  # [images, factors, points]
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=rng))
        test = permutation_test(y, permutations=p.permutations, alpha=p.alpha, seed=seed)
        for i, index in enumerate(chosen):
            for f, (factor, grid, images, logits) in enumerate(renders):
                score, pval = test.local_score[i, f], test.local_p[i, f]
                sig = bool(test.local_significant[i, f])
                p_text = f"p < {1 / p.permutations:g}" if pval == 0 else f"p = {pval:.4f}"
                labels.append(f"image {i + 1}, {factor}: E[|grad|] = {score:.3f} "
                              f"({p_text}{', significant' if sig else ''})")
                rows.append([
                    Cell(image=captioned(images[i, j].permute(1, 2, 0).numpy(),
                                         f"{y[i, f, j]:.2f}"),
                         logit=logits[i, j],
                         scene={**pool.scene(index), factor: float(grid[j])},
                         extra={"pool_index": int(index), "factor": factor,
                                "value": float(grid[j]), "step": int(j),
                                "output": float(y[i, f, j]), "score": float(score),
                                "p": float(pval), "significant": sig})
                    for j in shown
                ])
        cols = [f"step {j + 1} of {p.points}" for j in shown]
        cols[0] += " (low end)"
        cols[-1] += " (high end)"
        meta = {"images": chosen, "factors": list(p.factors), "points": p.points,
                "shown_steps": shown.tolist(), "output": p.output,
                "outputs": y.tolist(), "scores": test.local_score.tolist(),
                "p": test.local_p.tolist(), "permutations": p.permutations, "alpha": p.alpha,
                "test_seed": seed}
        return Stimulus(rows, labels, cols, meta)

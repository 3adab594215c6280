"""Trials of a 2AFC block: listed in the spec, or generated from the study seed.

A generated block (``generate: {source: synthetic, ...}``) shows Peeky references on the left,
Stretchy references on the right and asks which of two animals is a Stretchy. Its trial list is a
pure function of the spec (so it never has to be stored); :func:`render_generated` draws the
images once, at ``load_study`` time, with the Two4Two generator into
``MEDIA_ROOT/studies/<slug>/<step>/``. Catch trials reuse a reference image as an option.
"""

from __future__ import annotations

import random

from .media import media_file
from .spec import StudySpec
from .spec.trials import ImageRef, Reference, TrialSpec


def folder(spec: StudySpec, step) -> str:
    return f"studies/{spec.slug}/{step.id}"


def trials_of(spec: StudySpec, step) -> list[TrialSpec]:
    if not step.generate:
        return list(step.trials)
    g, base = step.generate, folder(spec, step)
    rng = random.Random(f"{spec.seed}:{step.id}")
    refs = [Reference("Peeky", [ImageRef(f"{base}/ref-peeky-{k}.png")
                                for k in range(g["references"])]),
            Reference("Stretchy", [ImageRef(f"{base}/ref-stretchy-{k}.png")
                                   for k in range(g["references"])])]
    kinds = ["practice"] * g["practice"] + _mix(rng, g["main"], g["catch"])
    trials = []
    for i, kind in enumerate(kinds):
        peeky = ImageRef(f"{base}/t{i}-peeky.png")
        stretchy = ImageRef(f"{base}/ref-stretchy-{rng.randrange(g['references'])}.png"
                            if kind == "catch" else f"{base}/t{i}-stretchy.png")
        answer = rng.randrange(2)  # which side the Stretchy is on
        options = [peeky, stretchy] if answer == 1 else [stretchy, peeky]
        trials.append(TrialSpec(f"t{i + 1}", kind, options, answer, refs))
    return trials


def _mix(rng: random.Random, main: int, catch: int) -> list[str]:
    """Main trials with catch trials at random places (never first)."""
    kinds = ["main"] * main
    for _ in range(catch):
        kinds.insert(rng.randrange(1, len(kinds) + 1), "catch")
    return kinds


def render_generated(spec: StudySpec, step, *, force: bool = False) -> int:
    """Draw the images of a generated block; returns how many files were written."""
    if not step.generate:
        return 0
    g = step.generate
    n_trials = g["practice"] + g["main"] + g["catch"]
    names = [f"ref-peeky-{k}" for k in range(g["references"])] + [f"t{i}-peeky"
                                                                    for i in range(n_trials)]
    stretchy = [f"ref-stretchy-{k}" for k in range(g["references"])] + [f"t{i}-stretchy"
                                                                        for i in range(n_trials)]
    base = folder(spec, step)
    targets = [media_file(f"{base}/{n}.png") for n in names + stretchy]
    if not force and all(t.is_file() for t in targets):
        return 0
    images = _draw(spec.seed, len(names), len(stretchy), g["size"])
    targets[0].parent.mkdir(parents=True, exist_ok=True)
    for target, image in zip(targets, images, strict=True):
        image.save(target)
    return len(targets)


def _draw(seed: int, n_peeky: int, n_stretchy: int, size: int):
    """PIL images: ``n_peeky`` clear Peekies then ``n_stretchy`` clear Stretchies."""
    import torch
    from PIL import Image

    from explainers import synthetic

    g = torch.Generator().manual_seed(seed)
    frame = synthetic.UnbiasedSampler().sample(8 * (n_peeky + n_stretchy), generator=g).to_frame()
    peeky = frame[(frame["label"] == 0) & (frame["legs_position"] < 0.4)].head(n_peeky)
    stretchy = frame[(frame["label"] == 1) & (frame["legs_position"] > 0.6)].head(n_stretchy)
    if len(peeky) < n_peeky or len(stretchy) < n_stretchy:
        raise RuntimeError("not enough clear-cut scenes drawn; use fewer trials")
    import pandas as pd

    batch = synthetic.SceneBatch.from_frame(pd.concat([peeky, stretchy]).reset_index(drop=True))
    pixels = (synthetic.render(batch, size=size).images.clamp(0, 1) * 255).round()
    arrays = pixels.to(torch.uint8).permute(0, 2, 3, 1).numpy()
    return [Image.fromarray(a) for a in arrays]

"""Trials of a 2AFC block: listed in the spec, or generated from the study seed.

``generate: {source: cnn_units, ...}`` blocks (Borowski et al.'s design on a CNN's units) are
made per participant variant by ``studies.unit_trials``, ``generate: {source: image_folder,
...}`` blocks (drawn from the spec's image folder by a CSV column) by ``studies.folder_trials``;
the rest of this module is the ``synthetic`` (Two4Two) generator and the two-row trial list
both use (:func:`two_row_trials`).

A generated block (``generate: {source: synthetic, ...}``) shows Peeky references on the left,
Stretchy references on the right and asks which of two animals is a Stretchy. Its trial list is
a pure function of the spec (so it never has to be stored). Its images are one published
stimulus of render kind ``trial_images`` (``explainers.trial_images``), rendered by
``render_stimuli`` like the explanations (:func:`trial_job`), never by the server; its image
references name that stimulus' key and a cell. Catch trials reuse a reference image as an option.
"""

from __future__ import annotations

import random
from functools import lru_cache

from .spec import StudySpec
from .spec.two_afc import ImageRef, Reference, TrialSpec

KIND = "trial_images"


def _inputs(spec: StudySpec, step) -> dict:
    g = step.generate
    return {"seed": int(spec.seed), "references": g["references"],
            "trials": g["practice"] + g["main"] + g["catch"], "size": g["size"]}


@lru_cache(maxsize=64)
def _key(seed: int, references: int, trials: int, size: int) -> str:
    from explainers.render_kinds import get_kind  # torch side, imported only when needed

    return get_kind(KIND).key({"seed": seed, "references": references, "trials": trials,
                               "size": size})


def images_key(spec: StudySpec, step) -> str:
    """The stimulus key of a generated Two4Two block's images ('' for a listed block)."""
    if step.generate and step.generate["source"] == "image_folder":
        from .folder_trials import draw

        return draw(spec, step).key
    return _key(**_inputs(spec, step)) if step.generate else ""


def trial_jobs(spec: StudySpec, step) -> list:
    """The render jobs (explainers.plan.RenderJob) of a generated block's images, of the
    units an intuitiveness step rates (studies.steps.intuitiveness) or of an image_choice
    step's images (studies.image_choice)."""
    if getattr(step, "choice_generate", None):
        from .image_choice import jobs as choice_jobs

        return choice_jobs(spec, step)
    if getattr(step, "block_generate", None):
        from .unit_trials import rating_jobs

        return rating_jobs(spec, step)
    if not getattr(step, "generate", None):
        return []
    if step.generate["source"] == "cnn_units":
        from .unit_trials import jobs

        return jobs(spec, step)
    if step.generate["source"] == "image_folder":
        from .folder_trials import jobs as folder_jobs

        return folder_jobs(spec, step)
    from explainers.plan import kind_job

    return [kind_job(KIND, _inputs(spec, step), label=step.id)]


def renders_images(step) -> bool:
    """Whether the step shows images of its own that ``render_stimuli`` renders (a generated
    2AFC block, an intuitiveness step, an image_choice step)."""
    return bool(getattr(step, "generate", None) or getattr(step, "block_generate", None)
                or getattr(step, "choice_generate", None))


def keeps_order(step) -> bool:
    """Whether the block's generated order is the order shown (blocks of a design)."""
    return bool(step.generate) and step.generate["source"] == "cnn_units"


def trials_of(spec: StudySpec, step, variant: int = 0) -> list[TrialSpec]:
    """The trials a participant of ``variant`` sees (the same for every variant unless the
    block is generated from CNN units)."""
    if not step.generate:
        return list(step.trials)
    if step.generate["source"] == "cnn_units":
        from .unit_trials import trials_for

        return trials_for(spec, step, variant)
    if step.generate["source"] == "image_folder":
        from .folder_trials import trials_for

        return trials_for(spec, step)
    g, key = step.generate, images_key(spec, step)
    return two_row_trials(key, ("Peeky", "Stretchy"), random.Random(f"{spec.seed}:{step.id}"),
                          references=g["references"], practice=g["practice"], main=g["main"],
                          catch=g["catch"])


def two_row_trials(key: str, labels: tuple[str, str], rng: random.Random, *, references: int,
                   practice: int, main: int, catch: int) -> list[TrialSpec]:
    """The trials of a two-row stimulus ``key``: row 0 the references and options of class
    ``labels[0]``, row 1 those of ``labels[1]`` (the right answer); columns
    ``0..references-1`` the references, column ``references + i`` trial ``i``'s options. Catch
    trials show a row-1 reference image as the right option."""

    def image(row: int, col: int) -> ImageRef:
        return ImageRef(key=key, row=row, col=col)

    n_refs = references
    refs = [Reference(labels[0], [image(0, k) for k in range(n_refs)]),
            Reference(labels[1], [image(1, k) for k in range(n_refs)])]
    kinds = ["practice"] * practice + _mix(rng, main, catch)
    trials = []
    for i, kind in enumerate(kinds):
        other = image(0, n_refs + i)
        right = image(1, rng.randrange(n_refs) if kind == "catch" else n_refs + i)
        answer = rng.randrange(2)  # which side the right option is on
        options = [other, right] if answer == 1 else [right, other]
        trials.append(TrialSpec(f"t{i + 1}", kind, options, answer, refs))
    return trials


def _mix(rng: random.Random, main: int, catch: int) -> list[str]:
    """Main trials with catch trials at random places (never first)."""
    kinds = ["main"] * main
    for _ in range(catch):
        kinds.insert(rng.randrange(1, len(kinds) + 1), "catch")
    return kinds

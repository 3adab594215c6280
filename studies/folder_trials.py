"""The trials of a ``generate: {source: image_folder, ...}`` block (studies.spec.folder_trials):
2AFC trials drawn from the spec's image folder by a column of its CSV, a pure function of the
spec and the folder's files.

The block's images are ``references + trials`` images whose ``attribute`` is ``value`` and as
many whose attribute is another value, drawn without replacement (seeded by the study seed, the
step id and ``seed``). They are one published stimulus of render kind ``folder_images``
(``explainers.folder_images``), rendered by ``render_stimuli`` like every stimulus: row 0 the
other values' images, row 1 the value's; columns ``0..references-1`` are the references, column
``references + i`` the two options of trial ``i`` (the layout of the Two4Two generator's
``trial_images``, and the same trial list: :func:`studies.trial_lists.two_row_trials`). A
trial's answer is the option whose CSV attribute is ``value``; a catch trial's correct option
is a copy of a reference image.

The draw is cached by the folder's files (names, sizes, modification times of the folder's
entries and of the CSV, :func:`studies.stimuli.images_stamp`): a changed image or CSV gives
another draw and another stimulus key at the next request, which is not published until
``render_stimuli`` renders it (readiness says so; the pages answer 503 meanwhile).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from .spec import StudySpec
from .spec.folder_trials import LABEL

KIND = "folder_images"


class FolderTrialError(ValueError):
    """A block that cannot be drawn from the folder; ``key`` names the ``generate`` key."""

    def __init__(self, message: str, key: str = ""):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Drawn:
    key: str          # the stimulus key of the block's images
    inputs: dict      # the render job's inputs (explainers.folder_images)
    labels: tuple     # the references' labels: (other values, value)


def _same(a, b) -> bool:
    from explainers.image_sources.image_folder import _value

    def norm(v):
        return _value(v) if isinstance(v, str) else float(v)

    return norm(a) == norm(b)


def shown(value) -> str:
    """A CSV value as a participant reads it (``3`` for 3.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def source_of(spec: StudySpec, g: dict):
    """The block's image source: the spec's ``images`` at the block's ``size`` (raises
    ImageSourceError with the option's key, FolderTrialError without an image folder)."""
    from django.conf import settings

    from explainers.image_sources import image_source

    from .stimuli import checkpoint_path

    if not spec.images or spec.images.get("source") != "image_folder":
        raise FolderTrialError("needs the spec's images to be an image folder with a CSV "
                               "(images: {source: image_folder, folder: ..., labels: ...})",
                               "source")
    if not spec.images.get("labels"):
        raise FolderTrialError("needs the image folder's CSV (images.labels) for the "
                               "attribute", "attribute")
    names = spec.class_names
    folder = checkpoint_path(spec)
    if names is None and folder.is_dir():
        from explainers.models.model_registry import describe_bundle

        try:
            names = describe_bundle(folder).class_names
        except Exception:  # noqa: BLE001 (a broken bundle is readiness's business)
            names = None
    return image_source({**spec.images, "size": g["size"]}, base=settings.BASE_DIR,
                        class_names=names)


def draw(spec: StudySpec, step) -> Drawn:
    """The block's images and their key (cached by the folder's files); raises
    FolderTrialError / ImageSourceError."""
    from .stimuli import images_stamp

    return _draw(spec, step, images_stamp(spec))


_DRAWS: dict[tuple, Drawn] = {}


def _draw(spec: StudySpec, step, stamp) -> Drawn:
    import json

    # the step's generate keys too: a condition's version of the block (by_condition) has the
    # same id
    cache = (spec.sha256, step.id, json.dumps(step.generate, sort_keys=True), stamp)
    if cache not in _DRAWS:
        if len(_DRAWS) > 64:
            _DRAWS.clear()
        _DRAWS[cache] = _make(spec, step)
    return _DRAWS[cache]


def _make(spec: StudySpec, step) -> Drawn:
    from explainers.folder_images import inputs_of

    g = step.generate
    source = source_of(spec, g)
    table, attribute, value = source.table, g["attribute"], g["value"]
    if attribute not in table.columns or attribute == "image":
        columns = [c for c in table.columns if c != "image"]
        raise FolderTrialError(f"{attribute!r} is not a column of the images' CSV (its "
                               f"columns: {', '.join(columns)})", "attribute")
    column = table[attribute]
    if attribute == LABEL and source.settings.get("classes"):
        classes = source.settings["classes"]
        column = column.map(lambda i: classes[int(i)])
    empty = [i + 2 for i, v in enumerate(column) if isinstance(v, str) and not v]
    if empty:
        raise FolderTrialError(f"column {attribute!r} is empty in CSV row "
                               f"{', '.join(map(str, empty[:8]))} (the header is row 1)",
                               "attribute")
    values = sorted({shown(v) for v in column})
    hit = [bool(_same(v, value)) for v in column]
    if not any(hit):
        raise FolderTrialError(f"{shown(value)!r} is not a value of column {attribute!r} "
                               f"(its values: {', '.join(values[:12])})", "value")
    n_trials = g["practice"] + g["main"] + g["catch"]
    n = g["references"] + n_trials
    names = list(table["image"])
    pos = [nm for nm, h in zip(names, hit, strict=True) if h]
    neg = [nm for nm, h in zip(names, hit, strict=True) if not h]
    for images, which in ((pos, f"{attribute} = {shown(value)}"),
                          (neg, f"{attribute} other than {shown(value)}")):
        if len(images) < n:
            raise FolderTrialError(f"the CSV has {len(images)} images with {which}; the block "
                                   f"needs {n} ({g['references']} references and {n_trials} "
                                   "trials)", "references")
    rng = random.Random(f"{spec.seed}:{step.id}:{g['seed']}")
    rows = [rng.sample(neg, n), rng.sample(pos, n)]
    others = [v for v in values if v != shown(value)]
    labels = (others[0] if len(others) == 1 else f"not {shown(value)}", shown(value))
    inputs = inputs_of(source, rows, list(labels))
    return Drawn(_key(inputs), inputs, labels)


def _key(inputs: dict) -> str:
    from explainers.render_kinds import get_kind

    return get_kind(KIND).key(inputs)


def jobs(spec: StudySpec, step) -> list:
    from explainers.plan import kind_job

    return [kind_job(KIND, draw(spec, step).inputs, label=step.id)]


@lru_cache(maxsize=64)
def _trials(key: str, labels: tuple, seed: str, references: int, practice: int, main: int,
            catch: int) -> tuple:
    from .trial_lists import two_row_trials

    return tuple(two_row_trials(key, labels, random.Random(seed), references=references,
                                practice=practice, main=main, catch=catch))


def trials_for(spec: StudySpec, step) -> list:
    g, found = step.generate, draw(spec, step)
    return list(_trials(found.key, found.labels, f"{spec.seed}:{step.id}", g["references"],
                        g["practice"], g["main"], g["catch"]))

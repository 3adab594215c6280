"""The images of an ``image_choice`` step (``studies.steps.image_choice``): drawn from the
spec's image folder, each with its answer key, a pure function of the spec and the folder's
files (and, for ``key: model``, of the model bundle).

``generate: {source: image_folder, images: n, key: ..., seed, size}`` draws ``n`` images of the
folder without replacement (seeded by the study seed, the step id and ``seed``). They are one
published stimulus of render kind ``folder_images`` (``explainers.folder_images``; one row,
column ``i`` the ``i``-th page's image), rendered by ``render_stimuli``. The answer key of an
image is

- ``key: label``: its CSV label (as a class name: the spec's ``class_names`` or the model's);
- ``key: <column>``: its value in that column of the CSV (a per-image attribute);
- ``key: model``: the class the spec's model predicts for it (``checkpoint``). The model's output
  is computed when the stimulus is rendered and stored in each cell's ``scene["model"]`` (the
  torch side, ``explainers.folder_images``); the server reads it from the published manifest
  and holds no model. Until the stimulus is rendered the page answers 503 and readiness names it.

The draw is cached like a 2AFC block's (``studies.folder_trials``: by the folder's files), and
by the model bundle's hash for ``key: model``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from .folder_trials import KIND, FolderTrialError, shown, source_of
from .spec import StudySpec
from .spec.folder_trials import LABEL

MODEL = "model"


@dataclass(frozen=True)
class Drawn:
    key: str            # the stimulus key of the step's images
    inputs: dict        # the render job's inputs (explainers.folder_images)
    images: tuple       # the drawn file names, in page order (column i: page i)
    keys: tuple         # each image's answer key from the CSV (() for key: model)
    values: tuple       # every value the key can take (the class names, a column's values)


def _class_names(spec: StudySpec, source) -> tuple:
    classes = source.settings.get("classes")
    if spec.class_names:
        return tuple(spec.class_names)
    return tuple(classes) if classes else ()


def _model(spec: StudySpec) -> dict:
    """The spec's model bundle as ``folder_images`` names it (its hash under the spec's class
    names); FolderTrialError (key ``key``) without one."""
    from explainers.models.model_plugin import BundleError
    from explainers.models.model_registry import describe_bundle
    from explainers.models.relabelled import relabelled_hash

    from .stimuli import checkpoint_path

    folder = checkpoint_path(spec)
    try:
        stamp = tuple(sorted((e.name, (st := e.stat()).st_size, st.st_mtime_ns)
                             for e in folder.iterdir()))
    except OSError:
        stamp = None
    cache = (str(folder), stamp, tuple(spec.class_names or ()))
    if stamp is not None and cache in _MODELS:
        return dict(_MODELS[cache])
    try:
        info = describe_bundle(folder)  # verifies the bundle's hash: ~60 ms for the INN
    except BundleError as exc:
        raise FolderTrialError(f"key 'model' needs the spec's model bundle (checkpoint): "
                               f"{exc}", "key") from None
    names = tuple(spec.class_names or info.class_names)
    found = {"checkpoint": str(folder.resolve()), "class_names": list(names),
             "hash": relabelled_hash(info.bundle_hash, names, info.class_names)}
    if len(_MODELS) > 16:
        _MODELS.clear()
    _MODELS[cache] = found
    return dict(found)


# the bundle's description per folder, class names and the folder's files (name, size, mtime):
# a page asks several times per request, and a replaced bundle is read again
_MODELS: dict[tuple, dict] = {}


def draw(spec: StudySpec, step) -> Drawn:
    """The step's images and their keys (cached by the folder's files and the model); raises
    FolderTrialError / ImageSourceError."""
    from .stimuli import images_stamp

    return _draw(spec, step, images_stamp(spec))


_DRAWS: dict[tuple, Drawn] = {}


def _draw(spec: StudySpec, step, stamp) -> Drawn:
    g = step.choice_generate
    model = _model(spec) if g["key"] == MODEL else None  # its hash: a new bundle, new keys
    cache = (spec.sha256, step.id, json.dumps(g, sort_keys=True), stamp,
             model["hash"] if model else "")
    if cache not in _DRAWS:
        if len(_DRAWS) > 64:
            _DRAWS.clear()
        _DRAWS[cache] = _make(spec, step, model)
    return _DRAWS[cache]


def _make(spec: StudySpec, step, model: dict | None) -> Drawn:
    from explainers.folder_images import inputs_of

    g = step.choice_generate
    source = source_of(spec, g)
    table, key = source.table, g["key"]
    names = list(table["image"])
    if g["images"] > len(names):
        raise FolderTrialError(f"the folder has {len(names)} images; the step shows "
                               f"{g['images']}", "images")
    drawn = random.Random(f"{spec.seed}:{step.id}:{g['seed']}").sample(names, g["images"])
    keys: tuple = ()
    if key == MODEL:
        values = tuple(model["class_names"])
    else:
        if key not in table.columns or key == "image":
            columns = [c for c in table.columns if c != "image"]
            raise FolderTrialError(f"{key!r} is neither 'model' nor a column of the images' "
                                   f"CSV (its columns: {', '.join(columns)})", "key")
        column, classes = list(table[key]), _class_names(spec, source)
        if key == LABEL and source.settings.get("classes"):  # the CSV's labels as 0/1
            column = [classes[int(i)] for i in column]
        empty = [i + 2 for i, v in enumerate(column) if isinstance(v, str) and not v.strip()]
        if empty:
            raise FolderTrialError(f"column {key!r} is empty in CSV row "
                                   f"{', '.join(map(str, empty[:8]))} (the header is row 1)",
                                   "key")
        by_name = {n: shown(v) for n, v in zip(names, column, strict=True)}
        keys = tuple(by_name[n] for n in drawn)
        values = (classes if key == LABEL and classes
                  else tuple(sorted(set(by_name.values()))))
    inputs = inputs_of(source, [drawn], [f"key: {key}"], model=model)
    from explainers.render_kinds import get_kind

    return Drawn(get_kind(KIND).key(inputs), inputs, tuple(drawn), keys, values)


def choices_problem(spec: StudySpec, step) -> tuple[str, str] | None:
    """(spec key, message) where the step's ``choices`` do not fit its key: a choice that is not
    a value the key takes, or a drawn image whose key is not among the choices."""
    found = draw(spec, step)
    if not step.choices:
        if len(found.values) < 2:
            return "generate.key", (f"column {step.choice_generate['key']!r} has "
                                    f"{len(found.values)} value(s); a choice needs two")
        return None
    unknown = [c for c in step.choices if c not in found.values]
    if unknown:
        return "choices", (f"{unknown[0]!r} is not a value of the key "
                           f"{step.choice_generate['key']!r} (its values: "
                           f"{', '.join(found.values[:12])})")
    missing = [(n, k) for n, k in zip(found.images, found.keys, strict=True)
               if k not in step.choices]
    if missing:
        return "choices", (f"image {missing[0][0]} has key {missing[0][1]!r}, which is not "
                           "among the choices")
    return None


def choices_of(spec: StudySpec, step) -> list[str]:
    """What the participant chooses from: the step's ``choices``, else every value of the key."""
    return list(step.choices) or list(draw(spec, step).values)


def jobs(spec: StudySpec, step) -> list:
    from explainers.plan import kind_job

    return [kind_job(KIND, draw(spec, step).inputs, label=step.id)]


def answer_keys(spec: StudySpec, step) -> list[str]:
    """Each page's answer key, in page order: the CSV's, or for ``key: model`` the model's
    predictions from the published stimulus (raises ``StimulusMissing`` until it is
    rendered)."""
    found = draw(spec, step)
    if found.keys:
        return list(found.keys)
    from .stimuli import StimulusMissing, verified_manifest

    cells = {c["col"]: c["scene"] for c in verified_manifest(found.key)["cells"]}
    if any(MODEL not in cells.get(i, {}) for i in range(len(found.images))):
        raise StimulusMissing(f"{step.id}: the published images {found.key[:12]}... carry no "
                              "model prediction; render them again")
    return [cells[i][MODEL] for i in range(len(found.images))]

"""Published stimuli of a study (Contract 3). The server only reads manifests; it never renders.

The key of (condition, variant) comes from the condition's explicit ``stimulus_key`` in the spec,
else from ``explainers.plan`` (``stimulus_key`` of explainer, params, checkpoint hash, validation
data hash and the variant's seed). Keys are cached per process, by the spec, the bundle's and the
image folder's files (:func:`images_stamp`: a changed image or CSV plans new keys at the next
request, no restart); manifests are content-addressed,
and a verified manifest is cached until a file of its folder changes size or modification time
(then it is verified again: what is served is what was hashed).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from .spec import StudySpec

logger = logging.getLogger(__name__)


class StimulusMissing(LookupError):
    """The stimulus of a (condition, variant) is not published (or cannot be planned)."""


def checkpoint_path(spec: StudySpec) -> Path:
    if spec.checkpoint:
        p = Path(spec.checkpoint)
        return p if p.is_absolute() else Path(settings.BASE_DIR) / p
    return Path(settings.DEFAULT_CHECKPOINT)


def image_options(spec: StudySpec) -> dict:
    """The spec's image source and class names as ``explainers.plan.plan`` takes them
    (relative paths from the repository)."""
    return {"images": spec.images, "class_names": spec.class_names,
            "base": str(settings.BASE_DIR)}


def _planned(spec: StudySpec) -> list[dict]:
    """The rendered conditions whose stimulus some step shows, as plain mappings (hashable as
    JSON for the key cache)."""
    shown = shown_conditions(spec)
    return [dataclasses.asdict(c) for c in spec.conditions if c.rendered and c.name in shown]


def shown_conditions(spec: StudySpec) -> set[str]:
    """The conditions whose rendered stimulus some step shows: those whose participants see an
    explanation page (a step as it reads for that condition, ``by_condition`` applied), and
    those whose cells a trial names. A condition whose explanation step is an interactive
    explorer shows none, so nothing is rendered for it."""
    from .spec.steps import StimulusQuestionsSpec, TrialBlockSpec

    shown = set()
    for c in spec.conditions:
        if any(isinstance(step := spec.step(i, c.name), StimulusQuestionsSpec)
               and step.shows_stimulus for i in range(len(spec.steps))):
            shown.add(c.name)
    for step in _all_steps(spec):
        if isinstance(step, TrialBlockSpec):
            shown |= {ref.condition for t in step.trials
                      for ref in [*t.options, *(im for r in t.references for im in r.images)]
                      if ref.condition}
    return shown


def shows_explanations(spec: StudySpec) -> bool:
    """Whether some step shows the conditions' rendered stimuli (explanation questions, or
    trials naming a condition's cells); a study of generated 2AFC blocks alone does not."""
    return bool(shown_conditions(spec))


def _all_steps(spec: StudySpec):
    yield from spec.steps
    for by_condition in spec.overrides.values():
        yield from by_condition.values()


def render_jobs(spec: StudySpec) -> list:
    """Every render job (explainers.plan.RenderJob) of the images the spec shows: each
    (condition, variant) of a rendered condition whose explanation a step shows, and the images
    of each generated 2AFC block. Raises ValueError/LookupError/RuntimeError with a clear
    message (unknown explainer, bad params, checkpoint missing)."""
    from explainers.plan import plan  # torch side, imported only when needed

    from .trial_lists import renders_images, trial_jobs

    jobs = []
    shown = shown_conditions(spec)
    if shown:
        jobs += plan([c for c in spec.conditions if c.name in shown], study_seed=spec.seed,
                     checkpoint=checkpoint_path(spec), **image_options(spec))
    blocks = {step.id: step for step in _all_steps(spec) if renders_images(step)}
    keys = {j.key for j in jobs}
    for step in blocks.values():
        for job in trial_jobs(spec, step):
            if job.key not in keys:
                jobs.append(job)
                keys.add(job.key)
    return jobs


_STAMPS: dict[str, tuple[float, tuple]] = {}


def images_stamp(spec: StudySpec) -> tuple:
    """What changes when the spec's image files change: name, size and modification time of
    every entry of an image folder and of its CSV (``()`` for a generated source). Part of the
    key caches, so that a replaced image or CSV gives new keys without a restart. Read at most
    every ``IMAGE_FOLDER_RECHECK_S`` seconds per process (default 1; a folder of 1,000 images
    takes a few ms to list, and a page asks several times)."""
    import json
    import time

    images = spec.images or {}
    if images.get("source") != "image_folder":
        return ()
    wait = float(getattr(settings, "IMAGE_FOLDER_RECHECK_S", 1.0))
    seen = json.dumps(images, sort_keys=True, default=str)
    now = time.monotonic()
    cached = _STAMPS.get(seen)
    if cached and now - cached[0] < wait:
        return cached[1]
    if len(_STAMPS) > 64:
        _STAMPS.clear()
    _STAMPS[seen] = (now, stamp := _read_stamp(images))
    return stamp


def _read_stamp(images: dict) -> tuple:
    out = []
    for option in ("folder", "labels"):
        if not images.get(option):
            continue
        p = Path(images[option])
        p = p if p.is_absolute() else Path(settings.BASE_DIR) / p
        try:
            if p.is_dir():
                out.append((option, _signature(p)))
            else:
                st = p.stat()
                out.append((option, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((option, None))  # missing: planning says so
    return tuple(out)


@lru_cache(maxsize=16)
def _plan_keys(sha256: str, seed: int, checkpoint: str, stamp: float, conditions: str,
               images: str = "{}", images_stamp: tuple = ()):
    import json

    from explainers.plan import plan  # torch side, imported only when needed

    jobs = plan(json.loads(conditions), study_seed=seed, checkpoint=checkpoint,
                **json.loads(images))
    return {(j.condition, j.variant): j.key for j in jobs}


def stimulus_keys(spec: StudySpec) -> dict[tuple[str, int], str]:
    """(condition, variant) -> key for every variant the spec shows; raises StimulusMissing."""
    keys = {(c.name, v): c.stimulus_key for c in spec.conditions if c.stimulus_key
            for v in c.variants}
    planned = _planned(spec)
    if planned:
        import json

        ckpt = checkpoint_path(spec)
        bundle = ckpt / "bundle.json"
        if not bundle.is_file():
            raise StimulusMissing(f"checkpoint {ckpt} not found (no bundle.json): train or "
                                  "install the study model first")
        try:
            found = _plan_keys(spec.sha256, spec.seed, str(ckpt), bundle.stat().st_mtime,
                               json.dumps(planned, sort_keys=True),
                               json.dumps(image_options(spec), sort_keys=True),
                               images_stamp(spec))
        except (ValueError, LookupError, OSError, RuntimeError) as exc:
            raise StimulusMissing(f"cannot plan the stimuli: {exc}") from exc
        keys.update(found)
    return keys


_VERIFIED: dict[tuple[str, str], tuple[tuple, dict]] = {}


def _signature(folder: Path) -> tuple:
    """Name, size and modification time of every file of a published folder."""
    with os.scandir(folder) as entries:
        return tuple(sorted((e.name, (st := e.stat()).st_size, st.st_mtime_ns) for e in entries))


def verified_manifest(key: str) -> dict:
    """The manifest of a published stimulus, its files checked against their SHA-256.

    Checked again whenever a file of the folder changes size or modification time (a truncated
    or replaced grid is caught on the next request); raises StimulusMissing.
    """
    from explainers.prerender import KEY_RE, ManifestError, load_manifest

    root = Path(settings.STIMULI_ROOT)
    if not KEY_RE.match(key or ""):
        raise StimulusMissing(f"not a stimulus key: {key!r}")
    try:
        signature = _signature(root / key)
    except OSError as exc:
        raise StimulusMissing(f"stimulus {key[:12]}… is not published") from exc
    cached = _VERIFIED.get((str(root), key))
    if cached and cached[0] == signature:
        return cached[1]
    try:
        found = load_manifest(root, key)
    except (ManifestError, KeyError, TypeError, OSError, LookupError) as exc:
        _VERIFIED.pop((str(root), key), None)
        logger.error("stimulus %s fails verification: %s", key, exc)
        raise StimulusMissing(str(exc)) from exc
    if len(_VERIFIED) > 1024:
        _VERIFIED.clear()
    _VERIFIED[(str(root), key)] = (signature, found)
    return found


def published_image(key: str, name: str) -> Path:
    """The path of image ``name`` (the grid or a cell) of a verified published stimulus;
    raises StimulusMissing (``meta.json`` and the manifest are not for participants)."""
    found = verified_manifest(key)
    if name not in {found["grid_image"], *(cell["file"] for cell in found["cells"])}:
        raise StimulusMissing(f"{name!r} is not a file of stimulus {key[:12]}…")
    return Path(settings.STIMULI_ROOT) / key / name


def manifest(spec: StudySpec, condition: str, variant: int) -> dict:
    key = stimulus_keys(spec).get((condition, variant))
    if key is None:
        raise StimulusMissing(f"condition {condition!r} has no variant {variant}")
    return verified_manifest(key)


def progress(spec: StudySpec) -> dict[str, dict]:
    """Per condition whose stimulus is shown: expected and published variant counts (for the
    dashboard)."""
    out = {}
    keys = stimulus_keys(spec)
    root = Path(settings.STIMULI_ROOT)
    shown = shown_conditions(spec)
    for c in spec.conditions:
        if c.name not in shown:
            continue
        published = sum((root / keys[(c.name, v)] / "manifest.json").is_file()
                        for v in c.variants)
        out[c.name] = {"expected": len(c.variants), "published": published}
    return out


_BLOCK_KEYS: dict[tuple, tuple] = {}


def _block_keys(spec: StudySpec) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(step id, job keys) per generated block, cached by the spec's hash (planning the keys
    of a Borowski block takes about 0.1 s; the dashboard asks every 5 s)."""
    from .trial_lists import renders_images, trial_jobs

    cache = (spec.sha256, images_stamp(spec))
    if cache not in _BLOCK_KEYS:
        blocks = {step.id: step for step in _all_steps(spec) if renders_images(step)}
        if len(_BLOCK_KEYS) > 16:
            _BLOCK_KEYS.clear()
        _BLOCK_KEYS[cache] = tuple(
            (step_id, tuple(job.key for job in trial_jobs(spec, step)))
            for step_id, step in blocks.items())
    return _BLOCK_KEYS[cache]


def block_progress(spec: StudySpec) -> list[dict]:
    """Per generated 2AFC block (step id): its render jobs expected and published (for the
    dashboard; the conditions' stimuli are :func:`progress`). Raises StimulusMissing."""
    from explainers.prerender import is_published

    root = Path(settings.STIMULI_ROOT)
    try:
        blocks = _block_keys(spec)
    except (ValueError, LookupError, OSError, RuntimeError) as exc:
        raise StimulusMissing(f"cannot plan the trial images: {exc}") from exc
    return [{"step": step_id, "expected": len(keys),
             "published": sum(is_published(root, k) for k in keys)} for step_id, keys in blocks]

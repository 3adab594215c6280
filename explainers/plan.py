"""From a study's conditions to render jobs, stimulus keys and progress (no Django).

A condition is an :class:`explainers.conditions.ConditionSpec` (the contract the study spec
builds too) or a mapping :meth:`~explainers.conditions.ConditionSpec.from_dict` reads; each listed
variant ``v`` of a rendered condition (one without a fixed ``stimulus_key``) is rendered with seed :func:`~explainers.prerender.variant_seed` ``(study_seed, v)``. The images
come from the spec's image source (``images``, :mod:`explainers.image_sources`; default the
Two4Two generator's validation pool at the checkpoint's image size), the grid's class names
from the spec's ``class_names`` or else the model (:mod:`explainers.models.relabelled`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from explainers.conditions import ConditionSpec
from explainers.image_sources import ImageSource, image_source
from explainers.models.model_registry import describe_bundle
from explainers.models.relabelled import Relabelled, relabelled_hash
from explainers.plugins.registry import get_explainer
from explainers.prerender import (
    EXPLANATION,
    ManifestError,
    is_published,
    load_manifest,
    render_stimulus,
    stimulus_key,
    variant_seed,
)
from explainers.render_kinds import get_kind


class StaleJob(ValueError):
    """A job planned with other inputs (checkpoint, generator or explainer code) than the
    worker has: rendering it would publish under a key nobody asks for."""


@dataclass(frozen=True)
class RenderJob:
    """Everything a worker needs to render one stimulus; JSON-serialisable.

    ``kind`` ``"explanation"``: one (condition, variant) of a study. Any other ``kind`` names an
    ``explainers.render_kinds`` entry; then ``params`` holds its inputs, ``condition`` says
    what the images are for (e.g. a trial block's step id) and the explanation-only fields are
    empty (made by :func:`kind_job`)."""

    condition: str
    variant: int
    explainer: str
    params: dict
    seed: int
    checkpoint: str
    data: dict
    key: str
    kind: str = EXPLANATION
    class_names: tuple = ()  # the spec's; empty: the model's

    def to_dict(self) -> dict:
        return asdict(self)


def kind_job(kind: str, inputs: dict, *, label: str) -> RenderJob:
    """The job of render kind ``kind`` (``explainers.render_kinds``) with ``inputs``; ``label``
    names it in progress reports. Raises UnknownRenderKind / ValueError."""
    key = get_kind(kind).key(inputs)
    return RenderJob(condition=label, variant=0, explainer="", params=dict(inputs),
                     seed=int(inputs.get("seed", 0)), checkpoint="", data={}, key=key, kind=kind)


def checkpoint_info(checkpoint) -> tuple[str, int]:
    """(bundle hash, image size) of a model bundle (any model plugin's), verified, without
    loading weights."""
    info = describe_bundle(checkpoint)
    return info.bundle_hash, info.image_size


def job_source(data: dict) -> ImageSource:
    """The image source of a job's ``data`` (jobs planned before image sources: Two4Two)."""
    return image_source(data if "source" in data else {"source": "two4two", **data})


def plan(conditions, *, study_seed: int, checkpoint, images: dict | None = None,
         class_names=None, base=None, validation: dict | None = None) -> list[RenderJob]:
    """One :class:`RenderJob` per condition and variant, with its stimulus key.

    ``images`` is the spec's image source (relative paths from ``base``), ``class_names`` the
    spec's names of the two classes (None: the model's); ``validation`` (options of the
    ``two4two`` source) is short for ``images={"source": "two4two", **validation}``. Raises ``ValueError``/``LookupError``
    with a clear message for unknown explainers, bad parameters or a bad image source, before
    anything is queued.
    """
    if validation is not None:
        if images is not None:
            raise ValueError("give images or validation, not both")
        images = {"source": "two4two", **validation}
    info = describe_bundle(checkpoint)
    names = tuple(class_names) if class_names else ()
    checkpoint_hash = relabelled_hash(info.bundle_hash, names or None, info.class_names)
    data = image_source(images, size=info.image_size, base=base,
                        class_names=names or info.class_names)
    jobs = []
    for raw in conditions:
        cond = raw if isinstance(raw, ConditionSpec) else ConditionSpec.from_dict(raw)
        if not cond.rendered:
            continue
        explainer = get_explainer(cond.explainer)
        params = explainer.param_dict(**cond.params)
        for v in cond.variants:
            seed = variant_seed(study_seed, v)
            key = stimulus_key(explainer, params, checkpoint_hash, data.hash, seed)
            jobs.append(RenderJob(cond.name, v, cond.explainer, params, seed,
                                  str(Path(checkpoint).resolve()), data.to_dict(), key,
                                  class_names=names))
    return jobs


def render_progress(conditions, *, study_seed: int, checkpoint, root, images: dict | None = None,
                    class_names=None, base=None, validation: dict | None = None
                    ) -> dict[str, dict]:
    """Per condition: ``expected`` and ``published`` variant counts, and the published
    ``variants`` with their keys (what the dashboard and the study server need)."""
    out: dict[str, dict] = {}
    for job in plan(conditions, study_seed=study_seed, checkpoint=checkpoint, images=images,
                    class_names=class_names, base=base, validation=validation):
        entry = out.setdefault(job.condition, {"expected": 0, "published": 0, "variants": {}})
        entry["expected"] += 1
        if is_published(root, job.key):
            entry["published"] += 1
            entry["variants"][job.variant] = job.key
    return out


_MODELS: dict[tuple[str, str], object] = {}


def load_model(checkpoint: str, device: str):
    """The bundle's model (through its model plugin) cached per process (a worker renders many
    jobs with one model)."""
    from explainers.models.model_registry import load_model as load_bundle

    key = (str(checkpoint), str(device))
    if key not in _MODELS:
        _MODELS.clear()
        _MODELS[key] = load_bundle(checkpoint, device=device)
    return _MODELS[key]


def run_job(job: RenderJob | dict, *, root, device: str = "cpu", on_rendered=None) -> dict:
    """Render and publish one job (nothing happens if it is already published)."""
    job = job if isinstance(job, RenderJob) else RenderJob(**job)
    if is_published(root, job.key):
        try:
            return load_manifest(root, job.key)
        except ManifestError:
            pass  # publish() moves the broken folder aside and renders it again
    if job.kind != EXPLANATION:
        kind = get_kind(job.kind)
        _check_key(job, kind.key(job.params), "generator or render-kind code")
        return kind.render(job.params, root=root, device=device)
    model = load_model(job.checkpoint, device)
    if job.class_names and tuple(job.class_names) != tuple(model.class_names):
        model = Relabelled(model, job.class_names)
    data = job_source(job.data)
    key = stimulus_key(job.explainer, job.params, model.bundle_hash, data.hash, job.seed)
    _check_key(job, key, "checkpoint, generator or explainer code")
    return render_stimulus(job.explainer, job.params, model=model, data=data, seed=job.seed,
                           root=root, on_rendered=on_rendered)


def _check_key(job: RenderJob, key: str, inputs: str) -> None:
    if key != job.key:
        raise StaleJob(
            f"{job.condition} variant {job.variant}: this worker's inputs give key {key[:12]}…, "
            f"the plan said {job.key[:12]}… ({inputs} differ between planner and worker); "
            "update the worker and plan again"
        )

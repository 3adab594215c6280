"""The server side a step type works with (``studies.steps.base`` says what it may use):
:class:`StepContext` for one participant's current step, :class:`StudyFiles` for the files of a
study's pages. The step types themselves import no Django; these hand it to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from django.db import IntegrityError, transaction
from django.urls import reverse

from . import trial_lists as trial_images
from .answer_keys import AnswerKeyError, answer_key
from .models import Event, Participant, Response, Study
from .served_files import media_file, video_duration, video_path, video_relative
from .spec import StudySpec
from .spec.two_afc import ImageRef, TrialSpec
from .steps import Invalid, StepSpec
from .stimuli import StimulusMissing, manifest, verified_manifest


class StudyFiles:
    """The files a study's pages show, and their URLs."""

    def __init__(self, spec: StudySpec, slug: str):
        self.spec, self.slug = spec, slug

    def variants(self) -> dict[str, list[int]]:
        """Each condition's stimulus variants."""
        return {c.name: list(c.variants) for c in self.spec.conditions}

    def manifest(self, condition: str, variant: int) -> dict:
        """The published stimulus (raises ``StimulusMissing``; the engine answers a page it
        cannot show with 503)."""
        return manifest(self.spec, condition, variant)

    def stimulus_problem(self, condition: str, variant: int) -> str:
        try:
            self.manifest(condition, variant)
        except StimulusMissing as exc:
            return str(exc)
        return ""

    def published_problem(self, key: str) -> str:
        """What is wrong with the published stimulus ``key`` ('' if it is there, verified)."""
        try:
            verified_manifest(key)
        except StimulusMissing as exc:
            return str(exc)
        return ""

    def answer_key(self, step: StepSpec) -> dict[str, str]:
        return answer_key(step)

    def answer_key_problem(self, step: StepSpec) -> str:
        try:
            answer_key(step)
        except AnswerKeyError as exc:
            return str(exc)
        return ""

    def media_file(self, relative: str) -> Path | None:
        """The file below MEDIA_ROOT (None if the name escapes it)."""
        return media_file(relative)

    def video_relative(self, step: StepSpec) -> str:
        return video_relative(step)

    def video_path(self, step: StepSpec) -> Path | None:
        return video_path(step)

    def video_duration(self, step: StepSpec) -> float | None:
        return video_duration(step)

    def trials(self, step: StepSpec, variant: int = 0) -> list[TrialSpec]:
        """The trials of a trial block a participant of ``variant`` sees (listed, or generated
        from the study seed); raises ``StimulusMissing`` when a block drawn from the image
        folder cannot be drawn from its files as they are now (the pages answer 503)."""
        from explainers.image_sources import ImageSourceError

        from .folder_trials import FolderTrialError

        try:
            return trial_images.trials_of(self.spec, step, variant)
        except (FolderTrialError, ImageSourceError) as exc:
            raise StimulusMissing(f"{step.id}: the trials cannot be drawn from the image "
                                  f"folder: {exc}") from exc

    def choice_image(self, step: StepSpec, index: int) -> ImageRef:
        """Image ``index`` of an ``image_choice`` step's draw (a cell of its stimulus)."""
        return ImageRef(key=self._choice(step).key, row=0, col=index)

    def choice_keys(self, step: StepSpec) -> list[str]:
        """Each image's answer key (studies.image_choice.answer_keys); raises StimulusMissing
        when the images cannot be drawn, or for ``key: model`` are not rendered yet."""
        from .image_choice import answer_keys

        self._choice(step)
        return answer_keys(self.spec, step)

    def choice_options(self, step: StepSpec) -> list[str]:
        from .image_choice import choices_of

        self._choice(step)
        return choices_of(self.spec, step)

    def _choice(self, step: StepSpec):
        from explainers.image_sources import ImageSourceError

        from .folder_trials import FolderTrialError
        from .image_choice import draw

        try:
            return draw(self.spec, step)
        except (FolderTrialError, ImageSourceError) as exc:
            raise StimulusMissing(f"{step.id}: the images cannot be drawn from the image "
                                  f"folder: {exc}") from exc

    def rated_images(self, step: StepSpec, unit: str) -> dict[str, list[ImageRef]]:
        """The images an intuitiveness step shows of ``unit`` ('layer:channel'), per image
        type (studies.unit_trials.rating_images)."""
        from .unit_trials import rating_images

        layer, _, channel = unit.rpartition(":")
        return rating_images(self.spec, step, (layer, int(channel)))

    def rating_problems(self, step: StepSpec) -> list[str]:
        """What is wrong with an intuitiveness step's units for the model and its block."""
        from .unit_trials import rating_problems

        return rating_problems(self.spec, step)

    def keeps_order(self, step: StepSpec) -> bool:
        return trial_images.keeps_order(step)

    def image_url(self, ref: ImageRef) -> str:
        """URL of a trial image: a file under MEDIA_ROOT or a cell of a published stimulus."""
        if ref.file:
            return reverse("studies:asset", args=[self.slug, ref.file])
        m = verified_manifest(ref.key) if ref.key else self.manifest(ref.condition, ref.variant)
        cell = next(c for c in m["cells"] if (c["row"], c["col"]) == (ref.row, ref.col))
        return reverse("studies:stimulus", args=[self.slug, m["key"], cell["file"]])


@dataclass
class StepContext:
    participant: Participant
    study: Study
    spec: StudySpec
    step: StepSpec
    now: datetime
    errors: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    pending: list | None = None  # Events held back until the caller saves them

    @property
    def state(self) -> dict:
        """This step's scratch state (saved with the participant by the engine)."""
        return self.participant.state.setdefault(self.step.id, {})

    @property
    def round(self) -> int:
        return self.participant.state.get("_rounds", {}).get(self.step.id, 0) + 1

    @property
    def elapsed_s(self) -> float:
        started = self.participant.step_started_at or self.now
        return max(0.0, (self.now - started).total_seconds())

    @cached_property
    def files(self) -> StudyFiles:
        return StudyFiles(self.spec, self.study.slug)

    def store(self, item_type: str, item: str, response: str, **fields) -> Response:
        """One answer: a row of the tidy export."""
        fields.setdefault("rt_server_ms", self.elapsed_s * 1000.0)
        fields.setdefault("step_duration_s", self.elapsed_s)
        try:
            with transaction.atomic():
                return Response.objects.create(
                    participant=self.participant, step=self.step.id,
                    step_index=self.step.index, round=self.round, item_type=item_type,
                    item=item, response=response, **fields)
        except IntegrityError:
            raise Invalid({"page": "This answer was already stored."}) from None

    def log(self, kind: str, client_ms: float | None = None, **data) -> Event:
        """One timestamped Event of this step (``client_ms``: the browser's clock); kept in
        ``pending`` instead of saved when the caller holds them back (``studies.beacons``)."""
        event = Event(study_id=self.study.pk, participant=self.participant, kind=kind,
                      step=self.step.id, step_index=self.step.index, data=data,
                      client_ms=client_ms)
        if self.pending is not None:
            self.pending.append(event)
        else:
            event.save(force_insert=True)
        return event

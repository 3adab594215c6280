"""What every step type builds on: :class:`StepSpec` (the YAML fields every step has) and
:class:`StepType` (one class per step type; its methods are the hooks the engine, readiness,
access, end notes, beacons and bots call).

This module, like every step type's module, imports no Django: the spec side of a step type is
read without a database (``studies.spec``, the renderer and ``analysis`` read specs). What a step
needs from the server arrives through its arguments:

- ``ctx`` (``studies.step_context.StepContext``): ``participant``, ``study``, ``spec``,
  ``step``, ``now``, ``state`` (this step's scratch dict, saved with the participant),
  ``round``, ``elapsed_s``, ``store(item_type, item, response, **fields)`` (one export row),
  ``log(kind, client_ms=None, **data)`` (one Event) and ``files`` (below);
- ``records`` (``studies.summaries.Records``): one participant's stored records, from which
  ``summary`` derives the per-participant summaries (``videos_completed``, ...);
- ``files`` (``studies.step_context.StudyFiles``): the files of a study's pages (media files,
  videos, published stimuli, answer keys, trial images, the images of rated CNN units and their URLs);
- ``bot`` (``tests.bots.Bot``): a scripted participant with ``clock``, ``get()``, ``form()``,
  ``post(data, form)``, ``answer(step, correct=)`` (this type's ``bot_answer``),
  ``beacon(kind, **fields)``, ``watch_video()``, ``participant``, ``current_step()`` and
  ``files``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .outcomes import Invalid, Next, Outcome

COMMON_KEYS = ("id", "type", "title", "time_limit_s", "min_seconds", "by_condition", "by_group")


@dataclass(frozen=True)
class StimulusCell:
    """One cell (``row``, ``col``) of a published stimulus, as :meth:`StepType.shows` names it
    where a page shows single cells rather than the whole stimulus (a trial block's images):
    ``stimulus`` is its key or ``(condition, variant)``. A participant may fetch only those cells
    of it (a CNN unit's natural stimulus holds every batch's images; Borowski et al. show each
    participant their own)."""

    stimulus: str | tuple
    row: int
    col: int
# what a step's ``by_condition`` may not change: which step it is, and the times every
# condition must be held to alike (its title may differ, e.g. "using the explorer")
FIXED_PER_CONDITION = ("id", "type", "time_limit_s", "min_seconds", "by_condition", "by_group")
# what a step's ``by_group`` may change: only the wording a participant reads (Borowski et al.
# explain the task to lay participants in simpler words, A.1.1), so that what a participant is
# shown and what is stored stay the same for every group (studies.access, readiness, export)
WORDING_PER_GROUP = ("title", "text", "intro", "instructions", "question", "confidence_labels",
                     "reference_labels", "image_labels")
EVENT_KIND_CHARS = 16  # Event.kind's length


@dataclass
class StepSpec:
    id: str
    type: str
    title: str = ""
    time_limit_s: float | None = None
    min_seconds: float = 0.0
    index: int = 0
    line: int = 0

    default_title = ""

    @classmethod
    def read_fields(cls, r, ctx: dict) -> dict:
        """This type's own fields, read from ``r`` (a ``studies.spec.fields.Reader``); ``ctx``
        has ``device_min_px`` and ``prior_ids`` (the ids of the steps before)."""
        return {}

    def items(self) -> list[str]:
        """Ids of the answer items this step stores (for counting rows)."""
        return []

    def link(self, steps: list[StepSpec]) -> list[str]:
        """Once every step is read: resolve what this step names of other ``steps`` (e.g. the
        trial block whose units it rates) and return the problems (messages; none by
        default)."""
        return []


class StepType:
    """One step type. Set ``name`` (the YAML ``type:``), ``spec`` (its :class:`StepSpec`
    subclass) and ``template``; override the hooks it needs. Defaults: a page with a Continue
    button that stores nothing, needs no files, accepts no events of its own."""

    name: ClassVar[str]
    spec: ClassVar[type[StepSpec]]
    template: ClassVar[str] = "studies/steps/text.html"
    # The Response.item_type values of the export rows ``submit`` stores.
    item_types: ClassVar[tuple[str, ...]] = ()
    # The beacon kinds its page may send with ``studyBeacon(kind, fields)`` (study.js), each
    # with the names of its numeric fields; ``event`` checks and logs them.
    events: ClassVar[dict[str, tuple[str, ...]]] = {}
    # The participant summaries it contributes to, each with its value while nothing is stored:
    # ``summary`` derives its part from the stored records (``studies.summaries``: numbers add
    # up over the steps; a flag holds if it holds for every step that has it).
    summaries: ClassVar[dict[str, int | bool]] = {}
    # Bots: wrong answers here count as the failures ``Bot.play(gate_failures=n)`` asks for.
    checks_understanding: ClassVar[bool] = False

    # --- the page --------------------------------------------------------------------------
    def context(self, ctx) -> dict:
        """Template context of the page (may set up ``ctx.state``)."""
        return {}

    def submit(self, ctx, data) -> Outcome:
        """Validate the posted ``data`` (raise :class:`Invalid`), store answers with
        ``ctx.store`` and say where to go next."""
        return Next()

    def event(self, ctx, kind: str, data) -> dict:
        """A beacon of one of ``events`` from the current page: by default its declared fields
        must be numbers; it is logged as an Event ``kind`` with them and the browser's time
        ``t``. Returns what the browser is answered (besides ``ok``)."""
        fields = {}
        for name in self.events[kind]:
            value = number(data.get(name))
            if value is None:
                raise Invalid({name: f"'{kind}' needs a number {name!r}"})
            fields[name] = value
        ctx.log(kind, client_ms=number(data.get("t"), 1e14), **fields)
        return {}

    # --- the study around it ---------------------------------------------------------------
    def shows(self, step: StepSpec, files, condition: str, variant: int) -> tuple[set, set]:
        """The files its page shows a participant of ``condition`` and ``variant``: paths under
        MEDIA_ROOT, and published stimuli: a key or ``(condition, variant)`` for all of one
        (its grid and every cell), a :class:`StimulusCell` for one cell; a participant may
        download only these (``studies.access``)."""
        return set(), set()

    def problems(self, step: StepSpec, files) -> list[str]:
        """Readiness: what is missing for this step's pages (files, answer keys)."""
        return []

    def summary(self, step: StepSpec, records) -> dict:
        """This step's part of the ``summaries`` it declares, from ``records`` (the stored
        records of one participant: ``records.participant``, ``records.state(step)``,
        ``records.responses(step)``)."""
        return {}

    def end_note(self, participant, step: StepSpec) -> str:
        """The participant-facing sentence when this step screened them out ('' for the
        generic one)."""
        return ""

    # --- bots ------------------------------------------------------------------------------
    def bot_answer(self, bot, step: StepSpec, *, correct: bool = True) -> dict:
        """What a careful participant posts (wrong answers where not ``correct``)."""
        return {}

    def bot_play(self, bot, step: StepSpec, *, correct: bool = True, **how) -> None:
        """Walk the step as a participant would: show the page, then post the answer."""
        form = bot.form()  # shown first, then answered (timers start at display)
        bot.post(bot.answer(step, correct=correct), form)


def client_ms(data, name: str) -> float | None:
    """A client-measured time in ms (None if absent or not a sane number)."""
    return number(data.get(name, ""), 864e5)


def number(value, limit: float = 1e6) -> float | None:
    """A posted non-negative number below ``limit`` (None if absent or not one)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if 0 <= out < limit else None


def image_problem(ref, files) -> tuple[str, str] | None:
    """What keeps one image reference (``studies.spec.two_afc.ImageRef``) from being served, for
    a step type's ``problems``: ``("file", message)`` for a file missing under MEDIA_ROOT,
    ``("stimulus", problem)`` for a published stimulus (``key``) not rendered yet,
    ``("condition", problem)`` for a condition's cell; None when it can be served."""
    if ref.file:
        path = files.media_file(ref.file)
        if path is None or not path.is_file():
            return "file", f"image {ref.file} is missing under MEDIA_ROOT"
        return None
    if ref.key:
        wrong = files.published_problem(ref.key)
        return ("stimulus", wrong) if wrong else None
    wrong = files.stimulus_problem(ref.condition, ref.variant)
    return ("condition", wrong) if wrong else None

"""The tidy responses export as data (docs/architecture.md, Contract 4): its columns, in order,
and the values of its enumerated columns.

One row per participant and answered item. ``studies`` writes it (``studies.exports``; the steps
store answers with these item types and trial kinds) and ``analysis`` reads it (exclusions,
scoring, screening, the simulator), so both import the vocabulary from here instead of spelling
it. Django-free on purpose: it imports nothing but the standard library, so that the analysis'
statistical core may import it (pyproject.toml, [tool.importlinter]).

The enums are ``StrEnum``: a member *is* its string (``ItemType.RELEVANCE == "relevance"``), so
it compares with, and is written to CSV as, the value a file holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ItemType(StrEnum):
    """Column ``item_type``: what kind of item a row answers."""

    RELEVANCE = "relevance"
    """A stimulus question: is this attribute (``item``) relevant to the model? ``response`` is a
    :class:`Relevance`, ``answer_key`` the ground truth, ``justification`` the free text."""
    EXPERTISE = "expertise"
    """A self-rated expertise question (a choice step with ``item_type: expertise``)."""
    LIKERT = "likert"
    """One item of a Likert block; ``response`` is the scale value as given."""
    CHOICE = "choice"
    """A single-choice question; ``response`` is the option chosen."""
    FREE_TEXT = "free_text"
    """A free-text question; ``response`` is the text as typed (screened by hand)."""
    TRIAL = "trial"
    """One trial of a trial block (2AFC); ``trial`` and ``trial_kind`` say which."""
    COMPREHENSION = "comprehension"
    """One question of a comprehension gate, answered on the attempt that passed or ended it."""
    GROUP = "group"
    """A screening question that puts the participant in a group (``participant_group`` step:
    Borowski et al.'s expert vs. lay); ``response`` is the choice as shown, the group and level
    are the participant columns ``participant_group`` and ``expertise_level``."""
    SLIDER = "slider"
    """A rating on a slider step's scale (e.g. Borowski et al.'s intuitiveness, -100..100);
    ``response`` is the value, ``item`` the step's item (an intuitiveness step's: the rated
    unit, also in ``unit``, with ``when``)."""
    IMAGE_CHOICE = "image_choice"
    """One page of an ``image_choice`` step: a question about the shown image (``shown``) with
    a right answer, e.g. what the model predicts for it; ``item`` is ``image<n>`` (its place
    in the step's draw), ``trial`` the page's position, ``answer_key`` the image's key (the
    model's prediction, its CSV label or attribute)."""


class TrialKind(StrEnum):
    """Column ``trial_kind`` (trial rows only; empty otherwise)."""

    MAIN = "main"
    """A trial the study measures."""
    PRACTICE = "practice"
    """A warm-up trial with feedback; not an outcome."""
    CATCH = "catch"
    """An attention check with an obvious answer; missing it counts against the participant."""
    REPEATED = "repeated"
    """A main trial shown again at the end (same ``item``) to check consistency; not an outcome."""


class SessionStatus(StrEnum):
    """Column ``status``: how the participant's session ended (studies.models.Status stores
    these values)."""

    ACTIVE = "active"
    """Still under way when exported."""
    COMPLETED = "completed"
    """Walked every step to the end."""
    SCREENED_OUT = "screened_out"
    """Ended by the study: failed the device check or a comprehension gate too often."""
    WITHDRAWN = "withdrawn"
    """Withdrew consent; the answers are left out of the export (one empty row is kept)."""
    RETURNED = "returned"
    """Returned the study on Prolific."""
    TIMED_OUT = "timed_out"
    """Ran past the spec's ``time_limit_minutes``."""
    FULL = "full"
    """Refused on arrival because the study was full; never exported."""
    RELEASED = "released"
    """Released by the server: no Prolific submission came for the session."""


class Relevance(StrEnum):
    """The answers of a :attr:`ItemType.RELEVANCE` row (``response`` and ``answer_key``)."""

    RELEVANT = "relevant"
    IRRELEVANT = "irrelevant"


PARTICIPANT = "participant"
"""Level of a column whose value is the same on every row of one participant."""
ITEM = "item"
"""Level of a column that describes the answered item of its row."""


@dataclass(frozen=True)
class Column:
    """One column of the export: ``dtype`` is the pandas dtype ``studies.exports`` gives it
    (``None``: text kept as Python strings)."""

    name: str
    level: str
    dtype: str | None
    meaning: str


COLUMNS: tuple[Column, ...] = (
    Column("study", PARTICIPANT, None, "study slug"),
    Column("participant", PARTICIPANT, None, "our opaque participant id (not the Prolific ID)"),
    Column("prolific_pid", PARTICIPANT, None, "Prolific participant ID"),
    Column("condition", PARTICIPANT, None, "condition name (e.g. baseline, inn, concepts)"),
    Column("variant", PARTICIPANT, "Int64", "which rendered stimulus variant was shown"),
    Column("status", PARTICIPANT, None, "final session status, a SessionStatus"),
    Column("attempt", PARTICIPANT, "Int64",
           "1 for the first session of this Prolific ID in this study, 2... for later ones"),
    Column("started_at", PARTICIPANT, None, "session start, ISO 8601"),
    Column("completed_at", PARTICIPANT, None, "session completion, ISO 8601 (empty if not)"),
    Column("duration_s", PARTICIPANT, "Float64",
           "completed_at - started_at in seconds (empty if not completed)"),
    Column("device_ok", PARTICIPANT, "boolean",
           "passed the device check; empty if the session never reached it"),
    Column("videos_completed", PARTICIPANT, "boolean",
           "every required tutorial video watched to the end"),
    Column("gate_failures", PARTICIPANT, "string",
           "failed attempts per comprehension gate in step order, 'gate-id=n' joined by ';'"),
    Column("retake_allowed", PARTICIPANT, "boolean",
           "the researcher allowed this Prolific ID a new attempt (a later one replaces it)"),
    Column("participant_group", PARTICIPANT, None,
           "the group a participant_group step put the participant in (e.g. expert, lay)"),
    Column("expertise_level", PARTICIPANT, "Int64",
           "the level of the choice that put them there (e.g. 1..3), empty if none"),
    Column("step", ITEM, None, "id of the step the item belongs to"),
    Column("item_type", ITEM, None, "what kind of item, an ItemType"),
    Column("item", ITEM, None, "item id (for relevance questions the attribute)"),
    Column("response", ITEM, None, "the answer as given"),
    Column("answer_key", ITEM, None, "the correct answer where there is one, else empty"),
    Column("correct", ITEM, "Int64", "response == answer_key: 0/1, empty without a key"),
    Column("justification", ITEM, None, "free-text justification (relevance questions)"),
    Column("rt_ms", ITEM, "Float64", "display to answer, measured in the browser"),
    Column("rt_server_ms", ITEM, "Float64", "display to answer, measured by the server"),
    Column("step_duration_s", ITEM, "Float64", "time spent on the whole step"),
    Column("trial", ITEM, "Int64", "trial index within a trial block (empty otherwise)"),
    Column("trial_kind", ITEM, None, "a TrialKind for trials (empty otherwise)"),
    Column("confidence", ITEM, "Int64", "confidence level clicked with a trial's answer, 1..n"),
    Column("reference", ITEM, None,
           "reference images of a generated CNN-unit trial: synthetic, natural or none"),
    Column("scheme", ITEM, None,
           "presentation scheme of a generated CNN-unit trial: max_1, min_max_1, max_9, min_max_9"),
    Column("unit", ITEM, None,
           "the CNN unit a generated trial probes or an intuitiveness rating rates, "
           "'layer:channel'"),
    Column("selection", ITEM, None,
           "how a generated CNN-unit trial's unit was chosen: hand_picked or random"),
    Column("block", ITEM, "Int64", "block of a generated CNN-unit trial within its step, 1..n"),
    Column("when", ITEM, None,
           "an intuitiveness rating's place: before or after the trial block it names"),
    Column("shown", ITEM, None,
           "the images the answer was given on, joined by ';': a published stimulus' key (a "
           "whole grid), '<key>/<row>,<col>' (one cell of it), a file under MEDIA_ROOT or "
           "'explorer:<sampler>:<seed>:<scenes>' (the interactive explorer); a trial's two options (left, right) first, then its reference images"),
    Column("answered_at", ITEM, None, "when the answer was stored, ISO 8601"),
    Column("pilot", PARTICIPANT, "boolean",
           "a pilot session (researcher's walk-through); exported only when asked for"),
)

COLUMN_NAMES: list[str] = [c.name for c in COLUMNS]
"""The export's columns, in the order it writes them."""

ITEM_COLUMNS: list[str] = [c.name for c in COLUMNS if c.level == ITEM]
"""The columns that are empty on a participant's row without an answered item."""

DTYPES: dict[str, str] = {c.name: c.dtype for c in COLUMNS if c.dtype is not None}
"""The pandas dtypes of the export's typed columns."""

SESSION_COLUMNS: list[str] = [c.name for c in COLUMNS if c.level == PARTICIPANT
                              and c.name not in ("participant", "pilot")]
"""The session-level columns the analysis keeps per participant (the key and ``pilot`` aside)."""

SCORED_ITEM_TYPES: tuple[ItemType, ...] = (ItemType.RELEVANCE, ItemType.TRIAL,
                                           ItemType.IMAGE_CHOICE)
"""Item types whose answer key is the study's outcome (the others are checks or background)."""

UNSCORED_TRIAL_KINDS: tuple[TrialKind, ...] = (TrialKind.PRACTICE, TrialKind.CATCH,
                                               TrialKind.REPEATED)
"""Trial kinds that are not an outcome."""

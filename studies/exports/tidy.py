"""``tidy_responses(study)``: one row per participant and answered item (Contract 4).

Withdrawn participants' answers are left out (their withdrawal is honoured) but each of them
still has one row with the participant columns and empty item columns, so that their existence
is counted; so has every participant who answered no item at all (e.g. screened out by the
device check). Arrivals refused because the study was full never took part and are not exported.
Pilot sessions (``studies.pilots``) are left out unless ``include_pilot``; the ``pilot`` column
marks them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..export_contract import COLUMN_NAMES, DTYPES, ITEM, ItemType
from ..export_contract import COLUMNS as CONTRACT
from ..models import Participant, Response, Status, Study
from ..runtime import spec_of
from ..spec import StudySpec
from ..spec.steps import ComprehensionGateSpec
from ..steps.participant_group import attributes
from .records import participant_key

COLUMNS = COLUMN_NAMES  # the export's columns, in order (studies.export_contract)


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


def gate_failures(p: Participant, spec: StudySpec) -> str:
    """Failed attempts per comprehension gate, in step order: ``gate-a=1;gate-b=0`` (from the
    count the gate keeps in the participant's state); empty when the study has no gate."""
    gates = [s.id for s in spec.steps if isinstance(s, ComprehensionGateSpec)]
    return ";".join(f"{g}={int(p.state.get(g, {}).get('failures', 0))}" for g in gates)


def _participant_columns(p: Participant, spec: StudySpec) -> dict:
    return {"study": p.study.slug, "participant": participant_key(p),
            "prolific_pid": p.prolific_pid, "condition": p.condition.name if p.condition else "",
            "variant": p.variant, "status": p.status, "attempt": p.attempt,
            "started_at": _iso(p.started_at), "completed_at": _iso(p.completed_at),
            "duration_s": p.duration_s, "device_ok": p.device_ok,
            "videos_completed": p.videos_completed, "gate_failures": gate_failures(p, spec),
            "retake_allowed": p.retake_allowed, "pilot": p.pilot,
            **({"participant_group": "", "expertise_level": None} if p.status == Status.WITHDRAWN
               else attributes(spec, p.state))}


def _item_columns(r: Response) -> dict:
    return {"step": r.step, "item_type": r.item_type, "item": r.item, "response": r.response,
            "answer_key": r.answer_key, "correct": None if r.correct is None else int(r.correct),
            "justification": r.justification, "rt_ms": r.rt_ms, "rt_server_ms": r.rt_server_ms,
            "step_duration_s": r.step_duration_s, "trial": r.trial, "trial_kind": r.trial_kind,
            "confidence": r.extra.get("confidence"), "answered_at": _iso(r.answered_at),
            "shown": shown(r.extra), **_factors(r.extra.get("factors") or {})}


def shown(extra: dict) -> str:
    """The ``shown`` column: the images an answer was given on (``extra["shown"]``, stored
    since this column exists); an older relevance answer's stimulus key (``extra["stimulus"]``);
    else empty (an older trial row names its options only by 12-character key prefixes in
    ``extra["options"]``, which is left there and not guessed from)."""
    if extra.get("shown"):
        return ";".join(extra["shown"])
    return extra.get("stimulus", "")


def _factors(factors: dict) -> dict:
    """The columns of what a generated trial varies (studies.spec.two_afc.TrialSpec.factors)
    and of an intuitiveness rating (its ``unit``, ``when``)."""
    return {"reference": factors.get("reference", ""), "scheme": factors.get("scheme", ""),
            "unit": factors.get("unit", ""), "selection": factors.get("selection", ""),
            "block": factors.get("block"), "when": factors.get("when", "")}


EMPTY_ITEM = {c.name: "" if c.dtype is None else None for c in CONTRACT if c.level == ITEM}


def tidy_responses(study: Study, *, include_pilot: bool = False) -> pd.DataFrame:
    participants = Participant.objects.filter(study=study).exclude(status=Status.FULL)
    if not include_pilot:
        participants = participants.real()
    participants = participants.select_related("study", "condition").order_by("id")
    by_participant: dict[int, list[Response]] = {}
    for r in Response.objects.filter(participant__study=study).order_by("participant_id", "id"):
        by_participant.setdefault(r.participant_id, []).append(r)
    spec, rows = spec_of(study), []
    for p in participants:
        head = _participant_columns(p, spec)
        answers = [] if p.status == Status.WITHDRAWN else by_participant.get(p.pk, [])
        rows += [head | _item_columns(r) for r in answers] or [head | EMPTY_ITEM]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype(DTYPES)


FREE_TEXT_COLUMNS = ["participant", "condition", "started_at", "item_type", "item", "response",
                     "justification"]


def free_text(study: Study) -> pd.DataFrame:
    """The free text of the completed (non-pilot) sessions, for the manual screening: the export's
    rows that hold a justification or answer a free-text item, in FREE_TEXT_COLUMNS, sessions in
    the order they started; a completed session without free text has one row with empty item
    columns (as in :func:`tidy_responses`)."""
    participants = (Participant.objects.real().filter(study=study, status=Status.COMPLETED)
                    .select_related("condition").prefetch_related("responses")
                    .order_by("started_at", "id"))
    rows = []
    for p in participants:
        head = {"participant": participant_key(p),
                "condition": p.condition.name if p.condition else "",
                "started_at": _iso(p.started_at)}
        answers = [{"item_type": r.item_type, "item": r.item, "response": r.response,
                    "justification": r.justification} for r in p.responses.all()
                   if r.justification or r.item_type == ItemType.FREE_TEXT]
        empty = dict.fromkeys(["item_type", "item", "response", "justification"], "")
        rows += [head | a for a in answers] or [head | empty]
    return pd.DataFrame(rows, columns=FREE_TEXT_COLUMNS)


# A spreadsheet reads a cell that starts with one of = + - @ tab CR as a formula (CSV
# injection). Such text cells get a leading ' (Contract 4); so does text that starts with quotes
# before one of those, so that analysis.tidy drops exactly one quote to read the original text.
# Plain numbers (a Likert answer of -2) are left as they are.
FORMULA = re.compile(r"'*[=+\-@\t\r]")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _safe_cell(value):
    if isinstance(value, str) and FORMULA.match(value) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_for_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot be run as formulas (see FORMULA)."""
    out = frame.copy()
    for name in out.select_dtypes(include=["object", "string"]).columns:
        out[name] = out[name].map(_safe_cell)
    return out


def csv_text(frame: pd.DataFrame) -> str:
    return safe_for_spreadsheets(frame).to_csv(index=False)


def write_responses(frame: pd.DataFrame, path: str | Path, fmt: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        path.write_text(csv_text(frame), encoding="utf-8")
    elif fmt == "parquet":
        frame.to_parquet(path, index=False, engine="pyarrow")
    else:
        raise ValueError(f"unknown format {fmt!r}: use csv or parquet")
    return path

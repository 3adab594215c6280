"""Places on Prolific until every condition has its preregistered number of valid participants.

A Prolific place is held by every submission that is not RETURNED, TIMED-OUT or REJECTED
(Prolific reopens those itself). A held place is *lost* when its participant can no longer be
valid here: screened out, withdrawn, timed out here, or completed but rejected (excluded). So the
places wanted are the condition targets plus the places lost; they are raised through the API
(``PATCH /studies/{id}/``), never beyond the spec's ``prolific.max_places`` (the budget cap) and
never lowered. Each raise is written to the :class:`PlacesChange` ledger the dashboard shows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from studies.models import Participant, Review, Status, Study
from studies.runtime import spec_of

from .client import ProlificClient, SubmissionStatus
from .models import PlacesChange

FREED_BY_PROLIFIC = {SubmissionStatus.RETURNED, SubmissionStatus.TIMED_OUT,
                     SubmissionStatus.REJECTED}
LOST = {Status.SCREENED_OUT: "screened out", Status.WITHDRAWN: "withdrawn",
        Status.TIMED_OUT: "timed out here", Status.RELEASED: "released"}


@dataclass
class PlacesLedger:
    targets: dict[str, int]
    valid: dict[str, int]
    lost: Counter = field(default_factory=Counter)
    cap: int = 0
    published: int | None = None  # Prolific's total_available_places (None: not asked)

    @property
    def wanted(self) -> int:
        return sum(self.targets.values()) + sum(self.lost.values())

    @property
    def capped(self) -> bool:
        return self.wanted > self.cap

    def as_dict(self) -> dict:
        return {"targets": self.targets, "valid": self.valid, "lost": dict(self.lost),
                "wanted": self.wanted, "cap": self.cap, "published": self.published,
                "capped": self.capped}


def _lost_reason(p: Participant) -> str | None:
    if p.status == Status.COMPLETED and p.review == Review.REJECTED:
        return "excluded"
    return LOST.get(p.status)


def ledger(study: Study) -> PlacesLedger:
    """The places ledger from our participants and the status of their Prolific submissions
    (``prolific_status``, which every poll updates); no API call."""
    spec = spec_of(study)
    valid = Counter(Participant.objects.real().filter(study=study, status=Status.COMPLETED)
                    .exclude(review=Review.REJECTED).values_list("condition__name", flat=True))
    out = PlacesLedger(targets={c.name: c.target for c in spec.conditions},
                       valid={c.name: valid.get(c.name, 0) for c in spec.conditions},
                       cap=spec.prolific.max_places)
    held = Participant.objects.real().filter(study=study).exclude(prolific_status="") \
        .exclude(prolific_status__in=FREED_BY_PROLIFIC)
    for p in held.only("status", "review"):
        if reason := _lost_reason(p):
            out.lost[reason] += 1
    return out


def history(study: Study) -> list[PlacesChange]:
    return list(PlacesChange.objects.filter(study=study).order_by("id"))


def raise_places(study: Study, places: PlacesLedger, *, client: ProlificClient) -> int | None:
    """Raise Prolific's places to what is wanted, within the cap; the new number, or None."""
    current = client.get_study(study.prolific_study_id).total_available_places
    places.published = current
    target = min(places.wanted, places.cap)
    if target <= current:
        return None
    client.update_study(study.prolific_study_id, {"total_available_places": target})
    places.published = target
    PlacesChange.objects.create(study=study, prolific_study_id=study.prolific_study_id,
                                before=current, after=target, wanted=places.wanted,
                                cap=places.cap, lost=dict(places.lost))
    return target


def summary(study: Study) -> dict:
    """What the dashboard shows: the ledger now and every raise so far (JSON-able)."""
    return {**ledger(study).as_dict(), "linked": bool(study.prolific_study_id),
            "raises": [{"at": c.created_at.isoformat(timespec="seconds"), "before": c.before,
                        "after": c.after, "wanted": c.wanted, "lost": c.lost}
                       for c in history(study)]}

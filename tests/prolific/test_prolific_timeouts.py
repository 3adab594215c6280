"""Timed-out sessions whose Prolific submission is still open, against the fake Prolific."""

from datetime import timedelta
from decimal import Decimal

import pytest

from studies import clock
from studies.models import Event, EventKind, Participant, Status
from studies.prolific.errors import ProlificUnavailable
from studies.prolific.models import BonusKind
from studies.prolific.payouts import pay_bonuses
from studies.prolific.places import ledger
from studies.prolific.sync import sync_study
from studies.sessions import expire_stale

pytestmark = pytest.mark.django_db


def timed_out_here(study, fake, pid):
    """A participant who reached the comprehension gate and was timed out by the flow."""
    session = fake.add_submission("PSTUDY", pid, status="ACTIVE")
    p = Participant.objects.create(
        study=study, prolific_pid=pid, prolific_study_id="PSTUDY", prolific_session_id=session,
        condition=study.conditions.first(), step_index=4, prolific_status="ACTIVE")
    Participant.objects.filter(pk=p.pk).update(started_at=clock.now() - timedelta(hours=3))
    return p, session


def test_timed_out_submission_awaiting_review_is_asked_to_return_once(study, fake, client):
    p, session = timed_out_here(study, fake, "P1")
    assert expire_stale(study) == 1
    p.refresh_from_db()
    assert p.status == Status.TIMED_OUT and p.base_pay_gbp == Decimal("0.50")
    # still ACTIVE on Prolific: nothing to send, Prolific's maximum_allowed_time ends it
    first = sync_study(study, client=client)
    assert first.timed_out_still_active == 1 and first.returns_requested == 0
    assert fake.state.return_requests == []
    # the participant enters the timed-out code on Prolific: AWAITING REVIEW
    fake.set_status(session, "AWAITING REVIEW")
    second = sync_study(study, client=client)
    assert second.returns_requested == 1, second.summary()
    assert "1 timed-out submissions asked to return" in second.summary()
    [(asked, reasons)] = fake.state.return_requests
    assert asked == session
    assert reasons == ["Did not finish the study within its time limit.",
                       "The part you did is paid as a bonus of £0.50."]
    event = Event.objects.get(participant=p, kind=EventKind.RETURN_REQUESTED)
    assert event.data == {"submission": session, "reasons": reasons}
    # never approved (that pays the full reward), never asked twice
    sync_study(study, client=client)
    assert len(fake.state.return_requests) == 1
    assert fake.calls("POST", "/transition/") == []
    assert fake.status_of(session) == "AWAITING REVIEW"
    # its place is lost until the participant returns it; then Prolific reopens it
    assert ledger(study).lost == {"timed out here": 1}
    fake.set_status(session, "RETURNED")
    sync_study(study, client=client)
    assert ledger(study).lost == {}
    # the part done is paid as a bonus, once (Prolific pays bonuses to returned submissions too)
    pay_bonuses(study, kind=BonusKind.PARTIAL, client=client)
    assert fake.paid_amounts() == {"P1": Decimal("0.50")}


def test_a_return_asked_on_prolific_is_recorded_not_repeated(study, fake, client):
    p, session = timed_out_here(study, fake, "P1")
    expire_stale(study)
    fake.set_status(session, "AWAITING REVIEW")
    fake.state.submissions[session]["return_requested"] = "2026-11-23T02:00:00Z"
    assert sync_study(study, client=client).returns_requested == 0
    assert fake.state.return_requests == []
    event = Event.objects.get(participant=p, kind=EventKind.RETURN_REQUESTED)
    assert event.data == {"submission": session, "asked_on_prolific_at": "2026-11-23T02:00:00Z"}


def test_a_failed_return_request_is_reported_and_tried_again(study, fake, client, monkeypatch):
    p, session = timed_out_here(study, fake, "P1")
    expire_stale(study)
    fake.set_status(session, "AWAITING REVIEW")
    original = client.request_return

    def unavailable_once(*args):
        monkeypatch.setattr(client, "request_return", original)
        raise ProlificUnavailable("Prolific answered HTTP 503 after 5 attempt(s)")

    monkeypatch.setattr(client, "request_return", unavailable_once)
    result = sync_study(study, client=client)
    assert result.returns_requested == 0
    assert len(result.return_errors) == 1 and session in result.return_errors[0]
    assert not Event.objects.filter(kind=EventKind.RETURN_REQUESTED).exists()
    assert sync_study(study, client=client).returns_requested == 1
    assert len(fake.state.return_requests) == 1


def test_only_timed_out_sessions_are_asked_to_return(study, fake, client):
    for pid, status in (("C", Status.COMPLETED), ("S", Status.SCREENED_OUT),
                        ("W", Status.WITHDRAWN)):
        session = fake.add_submission("PSTUDY", pid, status="AWAITING REVIEW")
        Participant.objects.create(study=study, prolific_pid=pid, prolific_study_id="PSTUDY",
                                   prolific_session_id=session, status=status,
                                   condition=study.conditions.first(), step_index=4)
    sync_study(study, client=client)
    assert fake.state.return_requests == []


def test_a_place_lost_to_a_time_out_here_is_raised_again(tmp_path, settings, fake, client):
    from tests.prolific.specs import load_with

    linked = load_with(tmp_path, settings, "  max_places: 10\n")
    targets = sum(c.target for c in linked.conditions.all())
    linked.prolific_study_id = fake.add_study("PSTUDY", is_custom_screening=True,
                                              total_available_places=targets)
    linked.save()
    p, session = timed_out_here(linked, fake, "P1")
    expire_stale(linked)
    fake.set_status(session, "AWAITING REVIEW")  # holds its place on Prolific
    result = sync_study(linked, client=client)
    assert result.places.lost == {"timed out here": 1}
    assert result.places_raised_to == targets + 1
    assert fake.state.studies["PSTUDY"]["total_available_places"] == targets + 1

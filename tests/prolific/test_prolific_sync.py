"""Submission sync against the fake Prolific: freed slots, approval rules, the beat task."""

import pytest

from studies.models import Event, EventKind, Participant, Review, Status
from studies.prolific.sync import sync_study
from studies.prolific.tasks import poll_submissions

pytestmark = pytest.mark.django_db


def participant(study, pid, fake, *, status=Status.ACTIVE, prolific_status="ACTIVE", attempt=1):
    session = fake.add_submission("PSTUDY", pid, status=prolific_status)
    p = Participant.objects.create(
        study=study, prolific_pid=pid, prolific_study_id="PSTUDY",
        prolific_session_id=session, status=status, attempt=attempt,
        condition=study.conditions.first(), step_index=4,  # at the comprehension gate
    )
    return p, session


def test_returned_and_timed_out_free_their_slot(study, fake, client):
    returned, _ = participant(study, "P1", fake, prolific_status="RETURNED")
    timed_out, _ = participant(study, "P2", fake, prolific_status="TIMED-OUT")
    still, _ = participant(study, "P3", fake, prolific_status="ACTIVE")
    done, _ = participant(study, "P4", fake, status=Status.COMPLETED, prolific_status="RETURNED")
    result = sync_study(study, client=client)
    statuses = dict(Participant.objects.values_list("prolific_pid", "status"))
    assert statuses == {"P1": "returned", "P2": "timed_out", "P3": "active", "P4": "completed"}
    assert result.freed == {"returned": 1, "timed_out": 1}
    event = Event.objects.get(participant=returned, kind=EventKind.STATUS)
    assert event.data["to"] == "returned" and "RETURNED" in event.data["reason"]
    # the flow's ending settles what is owed: a timed-out session at the gate gets its partial
    assert str(Participant.objects.get(pk=timed_out.pk).base_pay_gbp) == "0.50"
    assert Participant.objects.get(pk=returned.pk).base_pay_gbp == 0
    assert Participant.objects.get(pk=done.pk).prolific_status == "RETURNED"
    # a second poll changes nothing and logs nothing new
    assert sync_study(study, client=client).freed == {}
    assert Event.objects.filter(kind=EventKind.STATUS).count() == 2


def test_approval_waits_for_awaiting_review(study, fake, client):
    p, session = participant(study, "P1", fake, status=Status.COMPLETED, prolific_status="ACTIVE")
    first = sync_study(study, client=client)
    assert first.waiting == 1 and first.approved == 0
    assert fake.calls("POST", "/transition/") == []
    fake.set_status(session, "AWAITING REVIEW")
    second = sync_study(study, client=client)
    assert second.approved == 1
    assert fake.status_of(session) == "APPROVED"
    assert Participant.objects.get(pk=p.pk).review == Review.APPROVED
    sync_study(study, client=client)
    assert len(fake.calls("POST", "/transition/")) == 1  # approved once


@pytest.mark.parametrize("prolific_status", ["SCREENED OUT", "RETURNED", "REJECTED", "TIMED-OUT"])
def test_never_approves_screened_out_or_returned(study, fake, client, prolific_status):
    participant(study, "P1", fake, status=Status.COMPLETED, prolific_status=prolific_status)
    participant(study, "P2", fake, status=Status.SCREENED_OUT, prolific_status="AWAITING REVIEW")
    result = sync_study(study, client=client)
    assert fake.calls("POST", "/transition/") == []
    assert result.not_approvable == {prolific_status: 1}


def test_matches_latest_attempt_by_session(study, fake, client):
    first, _ = participant(study, "P1", fake, status=Status.SCREENED_OUT,
                           prolific_status="AWAITING REVIEW")
    second, _ = participant(study, "P1", fake, prolific_status="RETURNED", attempt=2)
    sync_study(study, client=client)
    assert Participant.objects.get(pk=second.pk).status == Status.RETURNED
    assert Participant.objects.get(pk=first.pk).status == Status.SCREENED_OUT


def test_beat_task_is_scheduled_and_polls(study, fake, settings):
    assert settings.CELERY_BEAT_SCHEDULE["prolific-poll-submissions"]["task"] == poll_submissions.name
    settings.PROLIFIC_API_TOKEN = "tok"
    settings.PROLIFIC_API_URL = fake.url
    participant(study, "P1", fake, prolific_status="TIMED-OUT")
    summaries = poll_submissions.delay().get()
    assert "1 timed_out" in summaries["s"]
    assert Participant.objects.get().status == Status.TIMED_OUT


def test_beat_task_without_token_does_nothing(study, settings):
    settings.PROLIFIC_API_TOKEN = ""
    assert poll_submissions() == {}

"""The Prolific client against the local fake server (no database, no network)."""

from decimal import Decimal

import pytest

from studies.prolific.client import ProlificClient, SubmissionStatus
from studies.prolific.errors import (
    ProlificAPIError,
    ProlificConfigError,
    ProlificUnavailable,
)


def test_missing_token_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("PROLIFIC_API_TOKEN", raising=False)
    with pytest.raises(ProlificConfigError, match="PROLIFIC_API_TOKEN is not set"):
        ProlificClient(token=None)


def test_token_from_environment_is_sent(fake, monkeypatch):
    monkeypatch.setenv("PROLIFIC_API_TOKEN", "tok")
    fake.add_study("s1")
    ProlificClient(base_url=fake.url).get_study("s1")
    assert fake.state.requests[-1].authorized


def test_wrong_token_gives_api_error_with_body(fake):
    bad = ProlificClient(token="wrong", base_url=fake.url, backoff_s=0.001)
    with pytest.raises(ProlificAPIError) as info:
        bad.get_study("nope")
    assert info.value.status == 401
    assert "Invalid token" in info.value.body


def test_create_and_publish_study(client, fake):
    draft = client.create_study_draft({
        "name": "Two4Two", "external_study_url": "https://x/s/a/?PROLIFIC_PID={{%PROLIFIC_PID%}}",
        "reward": 450, "total_available_places": 240,
    })
    assert draft.status == "UNPUBLISHED" and draft.total_available_places == 240
    published = client.publish_study(draft.id)
    assert published.status == "ACTIVE"
    body = fake.calls("POST", f"/studies/{draft.id}/transition/")[0].body
    assert body == {"action": "PUBLISH"}


def test_create_study_4xx_carries_response_body(client):
    with pytest.raises(ProlificAPIError, match="reward"):
        client.create_study_draft({"name": "incomplete"})


def test_submissions_are_paginated_and_typed(client, fake):
    ids = {fake.add_submission("s1", f"PID{i:03d}", status="AWAITING REVIEW") for i in range(7)}
    fake.add_submission("other", "PIDX")
    subs = client.list_submissions("s1", page_size=3)
    assert {s.id for s in subs} == ids
    assert all(s.status == SubmissionStatus.AWAITING_REVIEW for s in subs)
    assert len(fake.calls("GET", "/submissions/")) == 3  # pages of 3, 3, 1


def test_retries_5xx_and_429_then_succeeds(client, fake):
    fake.add_study("s1")
    fake.fail_next(2, status=503)
    fake.fail_next(1, status=429, retry_after="0")
    assert client.get_study("s1").id == "s1"
    assert len(fake.calls("GET", "/studies/s1/")) == 4


def test_gives_up_after_max_retries(fake):
    client = ProlificClient(token="tok", base_url=fake.url, backoff_s=0.001, max_retries=2)
    fake.fail_next(5, status=502)
    with pytest.raises(ProlificUnavailable, match="HTTP 502 after 3 attempt"):
        client.get_study("s1")


def test_pay_is_not_retried_on_5xx(client, fake):
    """A 5xx after a pay call may mean it was paid: never repeat it blindly."""
    fake.add_submission("s1", "PID1", status="APPROVED")
    setup = client.setup_bonuses("s1", "PID1,0.40")
    fake.fail_next(1, status=500)
    with pytest.raises(ProlificUnavailable):
        client.pay_bonuses(setup.id)
    assert len(fake.calls("POST", "/pay/")) == 1


def test_approve_only_awaiting_review(client, fake):
    ok = fake.add_submission("s1", "PID1", status="AWAITING REVIEW")
    active = fake.add_submission("s1", "PID2", status="ACTIVE")
    assert client.approve_submission(ok).status == "APPROVED"
    with pytest.raises(ProlificAPIError) as info:
        client.approve_submission(active)
    assert info.value.status == 400 and "ACTIVE" in info.value.body


def test_bonus_setup_amounts_and_pay(client, fake):
    fake.add_submission("s1", "PID1")
    fake.add_submission("s1", "PID2")
    setup = client.setup_bonuses("s1", "PID1,0.40\nPID2,1.20")
    assert setup.amount == Decimal("1.60")
    client.pay_bonuses(setup.id)
    assert fake.paid_amounts() == {"PID1": Decimal("0.40"), "PID2": Decimal("1.20")}
    body = fake.calls("POST", "/submissions/bonus-payments/")[0].body
    assert body == {"study_id": "s1", "csv_bonuses": "PID1,0.40\nPID2,1.20"}


def test_fake_pays_twice_like_prolific(client, fake):
    """The reason for our ledger: the raw pay call is not idempotent."""
    fake.add_submission("s1", "PID1")
    setup = client.setup_bonuses("s1", "PID1,0.40")
    client.pay_bonuses(setup.id)
    client.pay_bonuses(setup.id)
    assert fake.paid_amounts()["PID1"] == Decimal("0.80")

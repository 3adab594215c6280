"""Forged PROLIFIC_PIDs: sessions without a Prolific submission are released; arrivals per
address are rate-limited (a limit kept in the database, shared by every web worker)."""

import pytest
from django.test import Client

from studies.flags import flags
from studies.models import Status
from studies.prolific.sync import sync_study
from tests.bots import Bot, new_pid
from tests.prolific.specs import load_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(tmp_path, settings, fake, clock):
    study = load_with(tmp_path, settings, "  unmatched_grace_minutes: 10\n", targets=(1, 1))
    study.prolific_study_id = fake.add_study("a" * 24, is_custom_screening=True, total_available_places=2)
    study.save()
    return study


def forged(study, clock) -> Bot:
    bot = Bot(study, clock)  # an invented PID and SESSION_ID: Prolific has no submission
    assert bot.enter(session=new_pid()).status_code == 302
    return bot


def test_sessions_without_a_submission_are_released_after_the_grace_period(
        linked, fake, clock, client):
    fakes = [forged(linked, clock) for _ in range(2)]  # they fill both conditions
    real = Bot(linked, clock)
    session = fake.add_submission(linked.prolific_study_id, real.pid)
    assert real.enter(session=session).status_code == 200  # refused: full
    clock.advance(9 * 60)
    assert sync_study(linked, client=client).released == 0  # still within the grace period
    clock.advance(2 * 60)
    result = sync_study(linked, client=client)
    assert result.released == 2 and "2 sessions without a submission released" in result.summary()
    for bot in fakes:
        assert bot.participant.status == Status.RELEASED
    flagged = {f["pid"]: f["reasons"] for f in flags(linked)}
    assert all("no Prolific submission after 10 minutes" in flagged[b.pid][0] for b in fakes)
    again = Bot(linked, clock, pid=real.pid)
    assert again.enter(session=session).status_code == 302  # the freed slot is taken
    assert again.participant.status == Status.ACTIVE
    clock.advance(30 * 60)
    assert sync_study(linked, client=client).released == 0  # a matched session is kept


def test_pilot_sessions_are_never_released(linked, fake, clock, client):
    from studies.models import Participant

    pilot = Participant.objects.create(study=linked, prolific_pid=new_pid(), pilot=True,
                                       condition=linked.conditions.first())
    clock.advance(60 * 60)
    assert sync_study(linked, client=client).released == 0
    pilot.refresh_from_db()
    assert pilot.status == Status.ACTIVE


def entry(client, study, **meta):
    return client.get(f"/s/{study.slug}/", {"PROLIFIC_PID": new_pid(), "SESSION_ID": new_pid()},
                      **meta)


def test_arrivals_are_rate_limited_per_address_with_a_clear_429(linked, settings, clock):
    settings.ARRIVALS_PER_ADDRESS_PER_MINUTE = 3
    workers = [Client(), Client()]  # the count is in the database, not in one process
    codes = [entry(workers[i % 2], linked, REMOTE_ADDR="203.0.113.9").status_code
             for i in range(5)]
    assert codes[:3] == [302, 302, 200] and codes[3:] == [429, 429]  # the 3rd: study full
    refused = entry(Client(), linked, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert b'data-reason="busy"' in refused.content and b"wait a minute" in refused.content
    assert entry(Client(), linked, REMOTE_ADDR="198.51.100.7").status_code == 200  # another
    # one second into the next minute (a fixed +61 s skips two windows when the test starts in
    # a minute's last second, and then the first window's row is pruned)
    clock.advance(60 - clock.now().timestamp() % 60 + 1)
    assert entry(Client(), linked, REMOTE_ADDR="203.0.113.9").status_code == 200  # next minute
    from studies.models import ArrivalCount

    assert ArrivalCount.objects.filter(address="203.0.113.9").count() == 2


def test_behind_a_proxy_the_forwarded_address_is_limited(linked, settings, clock):
    settings.ARRIVALS_PER_ADDRESS_PER_MINUTE = 1
    settings.TRUSTED_PROXY_HOPS = 1
    nginx = {"REMOTE_ADDR": "10.0.0.2"}
    assert entry(Client(), linked, HTTP_X_FORWARDED_FOR="203.0.113.9", **nginx).status_code == 302
    assert entry(Client(), linked, HTTP_X_FORWARDED_FOR="198.51.100.7", **nginx).status_code == 302
    spoofed = "1.2.3.4, 203.0.113.9"  # a client-set first hop does not change its address
    assert entry(Client(), linked, HTTP_X_FORWARDED_FOR=spoofed, **nginx).status_code == 429

"""The cost of a page view (``studies.flow.show``): a reload of the current page takes no row
lock and writes only a new nonce and one Event; whatever changed since the read sends it down
the locked path, so reloads still show the current step and stale pages still change nothing."""

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from studies import flow
from studies.models import Event, EventKind, Status
from tests.bots import FIELD, Bot

pytestmark = pytest.mark.django_db

RELOAD_QUERIES = 3  # session (participant + study + condition), nonce UPDATE, page-view INSERT


@pytest.mark.parametrize("stop_at", ["consent", "video", "summary", "gate", "stimulus", "opinion"])
def test_a_reload_costs_three_queries(study, clock, stop_at, django_assert_max_num_queries):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at=stop_at)
    first = bot.form()
    with django_assert_max_num_queries(RELOAD_QUERIES) as captured:
        again = bot.get()
    assert again.status_code == 200
    assert not any("FOR UPDATE" in q["sql"] for q in captured.captured_queries)
    second = bot.form()
    assert first["step"] == second["step"] == stop_at
    assert first["nonce"] != second["nonce"] == bot.participant.page_nonce


def test_a_reload_of_a_trial_costs_three_queries(trial_study, clock,
                                                  django_assert_max_num_queries):
    bot = Bot(trial_study, clock)
    bot.enter()
    bot.play(stop_at="block")
    bot.get()
    with django_assert_max_num_queries(RELOAD_QUERIES):
        assert b'name="trial" value="0"' in bot.get().content


def _show(bot, participant):
    request = RequestFactory().get(bot.step_url)
    request._messages = CookieStorage(request)
    return flow.show(request, participant)


def test_a_stale_read_falls_back_to_the_locked_path(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.get()
    stale = bot.participant  # read before the POST below moves the session on
    bot.post({"consent": "agree"})
    views = Event.objects.filter(participant=stale, kind=EventKind.PAGE_VIEW)
    consent_views = views.filter(step="consent").count()
    page = _show(bot, stale).content.decode()
    assert 'name="step" value="device"' in page  # the current step, not the stale one
    now = bot.participant
    assert now.step_index == 1 and now.page_nonce and f'value="{now.page_nonce}"' in page
    assert views.filter(step="consent").count() == consent_views
    assert views.filter(step="device").count() == 1


def test_a_reload_never_resurrects_an_ended_session(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.get()
    stale = bot.participant
    bot.withdraw()
    assert b'data-status="withdrawn"' in _show(bot, stale).content
    p = bot.participant
    assert p.status == Status.WITHDRAWN and p.page_nonce == ""


def test_the_first_view_of_a_step_starts_its_clock_without_the_lock(
        study, clock, django_assert_max_num_queries):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="summary")
    p = bot.participant
    assert p.step_started_at is None and p.page_nonce == ""
    with django_assert_max_num_queries(RELOAD_QUERIES) as captured:
        bot.get()
    assert not any("FOR UPDATE" in q["sql"] for q in captured.captured_queries)
    p = bot.participant
    assert p.step_started_at == clock.now() and p.page_nonce


def test_the_first_view_of_a_trial_stores_its_order_and_display_time(
        trial_study, clock, django_assert_max_num_queries):
    bot = Bot(trial_study, clock)
    bot.enter()
    bot.play(stop_at="block")
    with django_assert_max_num_queries(RELOAD_QUERIES):
        bot.get()
    state = bot.participant.state["block"]
    assert sorted(state["order"]) == [0, 1, 2, 3] and state["shown"] == {"0": clock.now().isoformat()}


def test_a_page_whose_context_changes_a_shown_page_takes_the_lock(study, clock, monkeypatch,
                                                                   django_assert_num_queries):
    bot = Bot(study, clock)
    bot.enter()
    bot.get()  # consent shown: its nonce is set, beacons may write the state now
    from studies.steps import consent

    monkeypatch.setattr(consent.Consent, "context",
                        lambda self, ctx: ctx.state.update(seen=True) or {}, raising=False)
    with django_assert_num_queries(6) as captured:  # session, then the locked path
        bot.get()
    assert any("FOR UPDATE" in q["sql"] for q in captured.captured_queries)
    assert bot.participant.state["consent"] == {"seen": True}


REPORT_QUERIES = 2  # session (compiled once per thread), the conditional state UPDATE


def test_a_progress_report_costs_two_queries_and_no_lock(study, clock,
                                                          django_assert_max_num_queries):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="video")
    bot.get()
    clock.advance(2)
    bot.beacon("video", position="2.00")  # the first report of the step logs an Event
    clock.advance(2)
    with django_assert_max_num_queries(REPORT_QUERIES) as captured:
        answer = bot.beacon("video", position="4.00").json()
    assert answer == {"ok": True, "accepted": 4.0, "complete": False}
    assert not any("FOR UPDATE" in q["sql"] for q in captured.captured_queries)
    assert bot.participant.state["video"]["until"] == 4.0


def test_a_report_whose_state_changed_since_the_read_is_counted_once_under_the_lock(
        study, clock):
    """Two reports read the same state; the second's UPDATE finds it changed and replays under
    the lock from what the first wrote, so their credit is what one after the other earns."""
    import json

    from studies import beacons
    from studies.identity import session_of

    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="video")
    form = dict(FIELD.findall(bot.get().content.decode()))
    request = RequestFactory().get(bot.step_url)
    request.COOKIES = {k: v.value for k, v in bot.client.cookies.items()}
    _, stale = session_of(request, study.slug)  # read before the report below
    clock.advance(2)
    assert bot.beacon("video", position="2.00").json()["accepted"] == 2.0
    clock.advance(2)
    report = RequestFactory().post("/", {"kind": "video", "position": "60", "step": form["step"],
                                         "nonce": form["nonce"]})
    answer = json.loads(beacons.handle(report, stale).content)
    state = bot.participant.state["video"]
    # after 2.0: 2 s of wall time at 1.25x plus the 2 s slack = 6.5 (from the stale read: 7.0)
    assert answer["accepted"] == state["until"] == 6.5
    assert state["seeks"] == 1  # the refused skip is logged once: by the replay, not the race
    assert Event.objects.filter(participant=stale, kind="video").count() == 2


def test_a_page_view_compiles_no_update_after_the_first(study, clock, monkeypatch):
    """The page view's claim is compiled once per thread (``lookups.page_claim``), not built
    and compiled as a QuerySet.update on every view."""
    from django.db.models.sql.compiler import SQLUpdateCompiler

    bot = Bot(study, clock)
    bot.enter()
    bot.get()
    bot.get()  # both claims compiled: a step's first view (its clock) and a reload
    bot.play(stop_at="summary")
    compiled = []
    as_sql = SQLUpdateCompiler.as_sql
    monkeypatch.setattr(SQLUpdateCompiler, "as_sql",
                        lambda self, *a, **k: compiled.append(self.query) or as_sql(self, *a, **k))
    first, again = bot.get(), bot.get()
    assert first.status_code == again.status_code == 200 and compiled == []
    p = bot.participant
    assert p.step_started_at == clock.now() and f'value="{p.page_nonce}"' in again.content.decode()

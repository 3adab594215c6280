"""``studies.lookups``: the participant lookups of every request, compiled once per thread,
give what their QuerySets give; the study's spec is read again only when the study changed."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from studies import runtime
from studies.loading import load_study
from studies.lookups import BY_TOKEN, CLAIM_STATE, LOCKED
from studies.models import Participant
from tests.bots import Bot

pytestmark = pytest.mark.django_db


def test_by_token_gives_what_the_queryset_gives(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    expected = Participant.objects.select_related("study", "condition").get(
        study=study, prolific_pid=bot.pid)
    found = BY_TOKEN.first(slug=study.slug, token=expected.token)
    fields = [f.attname for f in Participant._meta.concrete_fields]
    assert [getattr(found, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert found.condition.name == expected.condition.name and found.study.slug == study.slug
    assert found.study.get_deferred_fields() == {"spec", "source_yaml"}
    assert BY_TOKEN.first(slug=study.slug, token="x" * 40) is None
    assert BY_TOKEN.first(slug="another-study", token=expected.token) is None


def test_the_locked_lookup_takes_the_row_lock(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    pk = bot.participant.pk
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        assert LOCKED.first(pk=pk).pk == pk
    assert [q["sql"].endswith('FOR UPDATE OF "studies_participant"')
            for q in captured.captured_queries] == [True]


def test_a_reloaded_spec_is_read_again(study, clock, tmp_path):
    bot = Bot(study, clock)
    bot.enter()
    token = bot.participant.token
    before = runtime.spec_of(BY_TOKEN.first(slug=study.slug, token=token).study)
    assert before is runtime.spec_of(BY_TOKEN.first(slug=study.slug, token=token).study)
    source = tmp_path / "changed.yaml"
    source.write_text(study.source_yaml.replace("title:", "title: Changed", 1)
                      if "title: " not in study.source_yaml else
                      study.source_yaml.replace("title: ", "title: Changed ", 1))
    load_study(source, update=True)
    after = runtime.spec_of(BY_TOKEN.first(slug=study.slug, token=token).study)
    assert after is not before and after.title.startswith("Changed")


def test_the_compiled_claim_changes_what_the_querysets_update_changes(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    p = Participant.objects.get(pk=bot.participant.pk)
    read = {"pk": p.pk, "status": p.status, "step_index": p.step_index,
            "page_nonce": p.page_nonce, "read": p.state}
    new = {**p.state, "video": {"until": 2.5, "note": "it's \"quoted\" \u00e9"}}
    # a condition that no longer holds: no row, as QuerySet.update gives 0
    for changed in ({"status": "completed"}, {"step_index": p.step_index + 1},
                    {"page_nonce": "other"}, {"read": {**p.state, "x": 1}},
                    {"pk": p.pk + 10_000}):
        stale = {**read, **changed}
        expected = Participant.objects.filter(
            pk=stale["pk"], status=stale["status"], step_index=stale["step_index"],
            page_nonce=stale["page_nonce"], state=stale["read"]).count()
        assert expected == 0 and CLAIM_STATE.run(**stale, state=new) == 0, changed
    assert Participant.objects.get(pk=p.pk).state == p.state
    with CaptureQueriesContext(connection) as captured:
        assert CLAIM_STATE.run(**read, state=new) == 1
    assert [q["sql"].startswith('UPDATE "studies_participant" SET "state"')
            for q in captured.captured_queries] == [True]
    assert Participant.objects.get(pk=p.pk).state == new
    assert CLAIM_STATE.run(**read, state=new) == 0  # the state it read has changed
    assert CLAIM_STATE.run(**{**read, "read": new}, state=p.state) == 1


def test_an_update_that_cannot_be_compiled_is_refused_by_name():
    from studies.lookups import CompiledUpdate

    # a lookup that changes its value (LIKE 'marker%'): the value cannot be put in as given
    odd = CompiledUpdate(lambda nonce, state: (Participant.objects.filter(
        page_nonce__startswith=nonce), {"state": state}), nonce=str, state=dict)
    with pytest.raises(ValueError, match="no marker"):
        odd.run(nonce="ab", state={})


@pytest.mark.parametrize("started", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_the_compiled_page_claim_changes_what_the_querysets_update_changes(
        study, clock, started, with_state):
    from studies.lookups import page_claim

    bot = Bot(study, clock)
    bot.enter()
    p = Participant.objects.get(pk=bot.participant.pk)
    if started:
        Participant.objects.filter(pk=p.pk).update(step_started_at=clock.now())
        p.refresh_from_db()
    read = {"pk": p.pk, "status": p.status, "step_index": p.step_index,
            "page_nonce": p.page_nonce, **({"read_started": p.step_started_at} if started else {})}
    clock.advance(3)
    now = clock.now()
    values = {"new_nonce": "n" * 32, "now": now, **({} if started else {"started": now}),
              **({"state": {**p.state, "page": "it's \u00e9"}} if with_state else {})}
    claim = page_claim(p.step_started_at, with_state)
    stale = [{"status": "completed"}, {"step_index": p.step_index + 1}, {"page_nonce": "other"},
             {"pk": p.pk + 10_000}]
    if started:
        stale.append({"read_started": now})
    for changed in stale:
        assert claim.run(**{**read, **changed}, **values) == 0, changed
    assert claim.run(**read, **values) == 1
    after = Participant.objects.get(pk=p.pk)
    assert (after.page_nonce, after.last_seen_at) == ("n" * 32, now)
    assert after.step_started_at == (p.step_started_at if started else now)
    assert after.state == values.get("state", p.state)
    assert claim.run(**read, **values) == 0  # the nonce it read has changed

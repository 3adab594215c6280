"""``studies.lookups``: the participant lookups of every request, compiled once per thread,
give what their QuerySets give; the study's spec is read again only when the study changed."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from studies import runtime
from studies.loading import load_study
from studies.lookups import BY_TOKEN, LOCKED
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

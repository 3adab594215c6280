"""Places raised through the API until every condition can reach its target, within the cap."""

import pytest

from studies.models import Participant, Review, Status
from studies.prolific.sync import sync_study
from tests.bots import Bot
from tests.prolific.specs import load_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(tmp_path, settings, fake, clock):
    study = load_with(tmp_path, settings, "  max_places: 4\n", targets=(1, 1))
    study.prolific_study_id = fake.add_study("a" * 24, is_custom_screening=True, total_available_places=2)
    study.save()
    return study


def arrive(study, fake, clock):
    bot = Bot(study, clock)
    session = fake.add_submission(study.prolific_study_id, bot.pid, status="ACTIVE")
    assert bot.enter(session=session).status_code == 302
    return bot, session


def places(fake, study) -> int:
    return fake.state.studies[study.prolific_study_id]["total_available_places"]


def test_freed_places_are_raised_until_the_targets_can_be_met_within_the_cap(
        linked, fake, clock, client):
    screened, s1 = arrive(linked, fake, clock)
    screened.play(gate_failures=2)
    fake.set_status(s1, "AWAITING REVIEW")
    assert sync_study(linked, client=client).places_raised_to == 3  # 2 targets + 1 screened out
    assert places(fake, linked) == 3 and fake.status_of(s1) == "SCREENED OUT"

    returned, s2 = arrive(linked, fake, clock)  # Prolific reopens a RETURNED place itself
    returned.play(stop_at="stimulus")
    fake.set_status(s2, "RETURNED")
    assert sync_study(linked, client=client).places_raised_to is None
    assert places(fake, linked) == 3

    excluded, s3 = arrive(linked, fake, clock)
    excluded.play()
    fake.set_status(s3, "AWAITING REVIEW")
    Participant.objects.filter(pk=excluded.participant.pk).update(review=Review.REJECTED)
    assert sync_study(linked, client=client).places_raised_to == 4  # + 1 excluded

    withdrawn, _ = arrive(linked, fake, clock)
    withdrawn.withdraw()
    assert withdrawn.participant.status == Status.WITHDRAWN
    result = sync_study(linked, client=client)
    assert result.places.wanted == 5 and result.places.capped  # the budget cap holds
    assert result.places_raised_to is None and places(fake, linked) == 4
    assert "places capped at 4 (want 5)" in result.summary()
    from studies.prolific.models import PlacesChange

    assert [(c.before, c.after) for c in PlacesChange.objects.order_by("id")] == [(2, 3), (3, 4)]
    assert PlacesChange.objects.last().lost == {"screened out": 1, "excluded": 1}
    patches = fake.calls("PATCH", f"/studies/{linked.prolific_study_id}/")
    assert [r.body for r in patches] == [{"total_available_places": 3},
                                        {"total_available_places": 4}]


def test_no_cap_in_the_spec_means_places_are_never_raised(tmp_path, settings, fake, clock, client):
    study = load_with(tmp_path, settings, "", targets=(1, 1))
    study.prolific_study_id = fake.add_study("a" * 24, is_custom_screening=True, total_available_places=2)
    study.save()
    bot, session = arrive(study, fake, clock)
    bot.play(gate_failures=2)
    fake.set_status(session, "AWAITING REVIEW")
    result = sync_study(study, client=client)
    assert result.places.wanted == 3 and result.places_raised_to is None
    assert fake.calls("PATCH", "/studies/") == []


def test_dashboard_shows_the_places_ledger(linked, fake, clock, client, admin_client):
    screened, s1 = arrive(linked, fake, clock)
    screened.play(gate_failures=2)
    fake.set_status(s1, "AWAITING REVIEW")
    sync_study(linked, client=client)
    page = admin_client.get(f"/dashboard/{linked.slug}/").content.decode()
    assert 'id="places" data-wanted="3" data-cap="4"' in page
    assert "screened out 1" in page and "<td>2</td><td>3</td><td>3</td>" in page
    feed = admin_client.get(f"/dashboard/{linked.slug}/status.json").json()["places"]
    assert feed["wanted"] == 3 and feed["raises"][0]["after"] == 3

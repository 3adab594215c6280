"""A whole study-2 session in each condition, in a real browser, and what the database holds
afterwards."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from studies.exports.tidy import tidy_responses
from studies.models import Event, Status
from studies.steps.video import PROGRESS

from .assets import ANSWER_KEY, CODES
from .participant import BrowserParticipant, only_condition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# phrases that cross a line break of the spec's YAML: shown as one sentence, not broken
EXPLANATION_SUMMARY = {"baseline": "The columns are sorted by the system's score",
                       "inn": "so that the system's score moves from",
                       "concepts": "Look for what the images of a row have in common"}


@pytest.mark.parametrize("condition", ["baseline", "inn", "concepts"])
def test_full_pass(condition, study2, new_context):
    only_condition(study2.study, condition)
    you = BrowserParticipant(new_context(), study2)
    you.enter()
    you.pass_until("video-explanation")
    video = you.page.locator("#tutorial-video")
    assert f"condition-{condition}.mp4" in video.get_attribute("src")
    you.watch_video("video-explanation")
    you.expect_step("summary-explanation")
    expect(you.page.locator("#step-text")).to_contain_text(EXPLANATION_SUMMARY[condition])
    expect(you.page.locator("#step-text br")).to_have_count(0)
    you.submit()
    you.answer_gate("gate-explanation")

    # the explanation: this condition's published grid, five questions, 30 s minimum
    you.expect_step("explanation")
    page = you.page
    assert page.locator("#stimulus").get_attribute("data-key") == study2.keys[(condition, 0)]
    grid = page.locator("#stimulus-grid")
    expect(grid).to_be_visible()
    assert page.evaluate("document.getElementById('stimulus-grid').naturalWidth") > 0
    assert page.locator("#relevance-questions fieldset.question").count() == 5
    expect(page.locator("#continue")).to_be_disabled()
    expect(page.locator("#wait-note")).to_be_visible()
    given = you.answer_relevance(wrong=("rotation",))
    study2.clock.advance(31)
    page.clock.fast_forward("00:31")
    expect(page.locator("#continue")).to_be_enabled()
    you.submit()

    you.expect_step("expertise")
    page.check("#choice-2")  # "some expertise"
    assert you.submit_to_prolific() == CODES["completion"]

    p = you.record
    assert p.condition.name == condition and p.variant == 0
    assert p.status == Status.COMPLETED and p.completion_code == CODES["completion"]
    assert p.device_ok and (p.viewport_width, p.viewport_height) == (1280, 800)
    assert p.videos_completed and p.gate_failures == 0
    assert p.correct_answers == 4
    assert p.base_pay_gbp == Decimal("4.50") and p.bonus_gbp == Decimal("1.60")
    relevance = {r.item: r for r in p.responses.filter(item_type="relevance")}
    assert set(relevance) == set(ANSWER_KEY)
    for attr, (choice, text) in given.items():
        r = relevance[attr]
        assert (r.response, r.justification, r.answer_key) == (choice, text, ANSWER_KEY[attr])
        assert r.correct == (attr != "rotation")
        assert r.extra["stimulus"] == study2.keys[(condition, 0)]
        assert r.rt_ms and r.rt_ms > 0 and r.step_duration_s >= 30
    gates = p.responses.filter(item_type="comprehension")
    assert gates.count() == 3 + 3 + 2 and all(g.correct for g in gates)
    expertise = p.responses.get(item_type="expertise")
    assert expertise.response == "some expertise" and expertise.rt_ms > 0
    watched = Event.objects.filter(participant=p, kind=PROGRESS)
    assert {e.step for e in watched} == {"video-dataset", "video-ml", "video-explanation"}
    rows = tidy_responses(study2.study)  # Contract 4, what the analysis reads
    assert len(rows) == 8 + 5 + 1 and set(rows["condition"]) == {condition}
    assert set(rows["status"]) == {"completed"} and rows["videos_completed"].all()
    relevance_rows = rows[rows["item_type"] == "relevance"].set_index("item")
    assert relevance_rows.loc["legs", "justification"] == given["legs"][1]

    page.goto(f"{study2.url}/s/two4two-study2/step/")  # coming back later: the final page
    expect(page.locator("#final")).to_have_attribute("data-status", "completed")
    expect(page.locator("#completion-code")).to_have_text(CODES["completion"])
    assert you.follow_prolific_link() == CODES["completion"]
    expect(page.locator("h1")).to_have_text("Prolific (stub)")

"""Sessions that end early, in a real browser: a failed comprehension gate (twice), a window too
small, a full study, a malformed link and a withdrawal."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from studies.models import Participant, Status

from .assets import CODES, SLUG
from .participant import BrowserParticipant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_double_gate_failure_screens_out_with_code_and_partial_pay(study2, new_context):
    you = BrowserParticipant(new_context(), study2)
    you.enter()
    you.pass_until("gate-dataset")
    expect(you.page.locator("#step-form")).not_to_contain_text("last attempt")
    you.answer_gate("gate-dataset", correct=False)

    you.expect_step("video-dataset")  # back to the video and the summary
    expect(you.page.locator("#messages")).to_contain_text("Some of your answers were not correct")
    expect(you.page.locator("#tutorial-video")).to_have_attribute("data-watched-before", "1")
    expect(you.page.locator("#continue")).to_be_enabled()  # may skip through a second time
    you.submit()
    you.read("summary-dataset")
    you.expect_step("gate-dataset")
    expect(you.page.locator("#step-form")).to_contain_text("This is your last attempt.")
    you.answer_gate("gate-dataset", correct=False)

    final = you.page.locator("#final")
    expect(final).to_have_attribute("data-status", "screened_out")
    expect(you.page.locator("#completion-code")).to_have_text(CODES["screened_out"])
    expect(you.page.locator("#partial-pay")).to_contain_text("£0.50")
    expect(you.page.locator("#screened-reason")).not_to_contain_text("gate-dataset")  # no ids
    assert you.follow_prolific_link() == CODES["screened_out"]
    p = you.record
    assert p.status == Status.SCREENED_OUT and p.screened_step == "gate-dataset"
    assert p.gate_failures == 2 and p.completion_code == CODES["screened_out"]
    assert p.base_pay_gbp == Decimal("0.50") and p.bonus_gbp == 0
    rounds = sorted(p.responses.filter(step="gate-dataset").values_list("round", flat=True))
    assert rounds == [1, 1, 1, 2, 2, 2]


def test_small_window_is_screened_out_by_the_device_check(study2, new_context):
    you = BrowserParticipant(new_context(viewport={"width": 500, "height": 500}), study2)
    you.enter()
    you.consent()
    expect(you.page.locator("#device-status")).to_contain_text("500 × 500")
    expect(you.page.locator("#final")).to_have_attribute("data-status", "screened_out",
                                                         timeout=10_000)
    reason = you.page.locator("#screened-reason")
    expect(reason).to_contain_text("Your screen is too small")
    expect(reason).to_contain_text("500 × 500 pixels")
    expect(you.page.locator("#completion-code")).to_have_text(CODES["device"])
    expect(you.page.locator("#partial-pay")).to_have_count(0)
    p = you.record
    assert p.status == Status.SCREENED_OUT and p.device_ok is False
    assert (p.viewport_width, p.viewport_height) == (500, 500)
    assert p.completion_code == CODES["device"] and p.base_pay_gbp == 0


def test_full_study_turns_new_arrivals_away(make_study2, new_context):
    site = make_study2(target=1)
    holders = [BrowserParticipant(new_context(), site) for _ in range(3)]
    for person in holders:
        person.enter()
        person.expect_step("consent")
    assert sorted(h.record.condition.name for h in holders) == ["baseline", "concepts", "inn"]
    late = BrowserParticipant(new_context(), site)
    late.enter()
    refused = late.page.locator("#refused")
    expect(refused).to_have_attribute("data-reason", "full")
    expect(late.page.locator("h1")).to_have_text("The study is full")
    expect(late.page.locator("#step-form")).to_have_count(0)
    assert late.record.status == Status.FULL
    assert Participant.objects.filter(status=Status.ACTIVE).count() == 3


@pytest.mark.parametrize("pid, message", [("", "PROLIFIC_PID: missing"),
                                          ("not-an-id", "is not a Prolific ID")])
def test_malformed_link_gets_an_error_page(pid, message, study2, new_context):
    you = BrowserParticipant(new_context(), study2)
    response = you.enter(PROLIFIC_PID=pid)
    assert response.status == 400
    expect(you.page.locator("h1")).to_have_text("This study link is not valid")
    expect(you.page.locator("#bad-link-error")).to_contain_text(message)
    assert not Participant.objects.exists()


def test_withdrawal_from_the_footer_link(study2, new_context):
    you = BrowserParticipant(new_context(), study2)
    you.enter()
    you.consent()
    you.expect_step("video-dataset")
    with you.page.expect_navigation():
        you.page.click("#withdraw-link")
    expect(you.page.locator("h1")).to_have_text("Withdraw from the study?")
    you.submit("#withdraw-confirm")
    expect(you.page.locator("#final")).to_have_attribute("data-status", "withdrawn")
    p = you.record
    assert p.status == Status.WITHDRAWN and p.screened_step == "video-dataset"
    you.page.goto(f"{study2.url}/s/{SLUG}/step/")  # no way back into the study
    expect(you.page.locator("#final")).to_have_attribute("data-status", "withdrawn")

"""A participant who reopens the study link after the session ended (from Prolific, in the same
or another browser) sees their code again, not a page asking them to return the study."""

import pytest
from playwright.sync_api import expect

from studies.models import Status

from .assets import CODES
from .participant import BrowserParticipant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 500}


def expect_code(you: BrowserParticipant, status: str, code: str) -> None:
    expect(you.page.locator("#final")).to_have_attribute("data-status", status)
    expect(you.page.locator("#completion-code")).to_have_text(code)
    expect(you.page.locator("body")).not_to_contain_text("return the study")
    assert you.follow_prolific_link() == code


def test_reopened_link_after_a_screen_out_shows_the_code(study2, new_context):
    phone = BrowserParticipant(new_context(viewport=PHONE), study2)
    phone.enter()
    phone.consent()
    phone.expect_step("device")  # the page measures the window and submits itself
    expect(phone.page.locator("#final")).to_have_attribute("data-status", "screened_out")
    assert phone.record.status == Status.SCREENED_OUT
    phone.enter()  # the same browser opens the link again
    expect_code(phone, "screened_out", CODES["device"])
    laptop = BrowserParticipant(new_context(), study2, pid=phone.pid)  # another browser
    laptop.enter()
    expect_code(laptop, "screened_out", CODES["device"])


def test_reopened_link_after_a_time_out_shows_the_code(study2, new_context):
    you = BrowserParticipant(new_context(), study2)
    you.enter()
    you.consent()
    you.device_check()
    you.expect_step("video-dataset")
    study2.clock.advance(78 * 60)  # past the spec's 77 minutes
    you.page.reload()
    expect_code(you, "timed_out", CODES["timed_out"])
    later = BrowserParticipant(new_context(), study2, pid=you.pid)
    later.enter()
    expect_code(later, "timed_out", CODES["timed_out"])
    other = BrowserParticipant(new_context(), study2, pid=you.pid)  # another submission
    other.enter(SESSION_ID="e" * 24)
    expect(other.page.locator("#refused")).to_have_attribute("data-reason", "already")

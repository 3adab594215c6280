"""Video progress reports that do not reach the server (a dropped connection) are sent again,
the page says what to do once they keep failing, and Continue opens when one gets through:
the participant is not left with a disabled Continue after the video ended. Reports go
urlencoded (URLSearchParams), which the server parses at a tenth of multipart's cost."""

import pytest
from playwright.sync_api import expect

from .assets import SLUG
from .participant import BrowserParticipant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_failed_progress_reports_are_retried_and_explained(study2, new_context):
    you = BrowserParticipant(new_context(), study2)
    you.enter()
    you.consent()
    you.device_check()
    you.expect_step("video-dataset")
    offline = {"on": True, "dropped": 0}

    types = set()

    def reports(route):
        types.add(route.request.headers.get("content-type", "").split(";")[0])
        if offline["on"]:
            offline["dropped"] += 1
            route.abort("connectionreset")
        else:
            route.continue_()

    you.page.route(f"**/s/{SLUG}/event/", reports)
    problem = you.page.locator("#video-problem")
    expect(problem).to_be_hidden()
    you.play_video()
    you.page.wait_for_function("document.getElementById('tutorial-video').ended",
                               timeout=30_000)
    expect(problem).to_be_visible(timeout=15_000)
    expect(problem).to_contain_text("check your internet connection")
    expect(you.page.locator("#continue")).to_be_disabled()
    assert offline["dropped"] >= 3
    offline["on"] = False  # the connection is back: the next retry gets through
    expect(you.page.locator("#continue")).to_be_enabled(timeout=15_000)
    expect(problem).to_be_hidden()
    you.submit()
    you.expect_step("summary-dataset")
    assert types == {"application/x-www-form-urlencoded"}

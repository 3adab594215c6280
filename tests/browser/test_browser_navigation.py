"""The server owns the state: reloads and the back button show the current step, skipping ahead
in a video is not accepted, and the relevance page keeps its 30 s minimum."""

import time
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from studies.models import Event, EventKind
from studies.steps.video import REPORT_EVERY_S

from .assets import SLUG
from .participant import BrowserParticipant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reload_and_back_button_show_the_current_step(study2, new_context):
    you = BrowserParticipant(new_context(), study2)
    you.enter()
    you.consent()
    you.device_check()
    you.expect_step("video-dataset")
    you.play_video()
    you.page.wait_for_function("document.getElementById('tutorial-video').currentTime > 0.8")
    you.page.reload()  # in the middle of the video
    you.expect_step("video-dataset")
    you.watch_video("video-dataset")
    you.expect_step("summary-dataset")
    you.page.reload()
    you.expect_step("summary-dataset")

    you.page.go_back()  # to the history entry of the video page
    you.page.wait_for_load_state()
    you.expect_step("summary-dataset")
    you.page.go_back()
    you.page.wait_for_load_state()
    you.expect_step("summary-dataset")
    you.page.go_forward()
    you.page.wait_for_load_state()
    you.expect_step("summary-dataset")
    you.submit()
    you.expect_step("gate-dataset")
    p = you.record
    assert p.step_index == 4
    # leaving pages (submits, reloads, history) is not a loss of focus
    assert not Event.objects.filter(participant=p, kind=EventKind.FOCUS_LOST).exists()


def test_window_focus_loss_is_recorded(study2, new_context):
    """Headless chromium keeps every page focused, so the window's blur and focus events are
    dispatched by the test; the page's reporting and the server's storing are real."""
    you = BrowserParticipant(new_context(), study2)
    you.enter()
    you.expect_step("consent")
    you.page.evaluate("window.dispatchEvent(new Event('blur'))")
    you.page.wait_for_timeout(50)
    you.page.evaluate("window.dispatchEvent(new Event('focus'))")
    you.page.wait_for_load_state("networkidle")
    events = Event.objects.filter(participant=you.record, kind__in=[
        EventKind.FOCUS_LOST, EventKind.FOCUS_BACK]).order_by("client_ms")  # beacons may race
    assert [(e.kind, e.step, e.data["via"]) for e in events] == [
        (EventKind.FOCUS_LOST, "consent", "blur"), (EventKind.FOCUS_BACK, "consent", "focus")]
    assert all(e.client_ms for e in events)


def test_a_stale_page_from_history_changes_nothing(study2, new_context):
    """Even if the browser shows an old page from its cache, posting it is refused."""
    you = BrowserParticipant(new_context(), study2)
    you.enter()
    you.consent()
    you.device_check()
    you.watch_video("video-dataset")
    you.expect_step("summary-dataset")
    you.page.evaluate(  # what a cached copy of the video page would post
        """() => { const f = document.getElementById('step-form');
                   f.querySelector('[name=step]').value = 'video-dataset'; f.submit(); }""")
    you.page.wait_for_load_state()
    you.expect_step("summary-dataset")
    expect(you.page.locator("#messages")).to_contain_text("already submitted or is out of date")
    assert Event.objects.filter(participant=you.record, kind=EventKind.REJECTED).count() == 1


@pytest.fixture
def on_long_video(make_study2, browser_assets, long_intro_video, new_context):
    """A participant on the first video page, whose video is 12 s long."""
    site = make_study2(videos=(browser_assets.videos, long_intro_video))
    you = BrowserParticipant(new_context(), site)
    you.enter()
    you.consent()
    you.device_check()
    you.expect_step("video-dataset")
    you.page.wait_for_function("document.getElementById('tutorial-video').readyState >= 1")
    duration = you.page.evaluate("document.getElementById('tutorial-video').duration")
    assert duration == pytest.approx(12.0, abs=0.2)
    return you


def test_skipping_ahead_in_a_video_is_not_accepted(on_long_video):
    you = on_long_video
    page = you.page
    you.play_video()
    page.evaluate("document.getElementById('tutorial-video').currentTime = 11.5")
    expect(page.locator("#video-status")).to_have_text(  # the player jumped back
        "Skipping ahead is disabled; please watch the whole video.")
    assert page.evaluate("document.getElementById('tutorial-video').currentTime") < 3
    page.wait_for_function("document.getElementById('tutorial-video').currentTime > 4.5")

    # a forged progress report (what a player without the check would send) is capped
    answer = page.evaluate("window.studyBeacon('video', {position: '11.90'})")
    assert answer["ok"] and not answer["complete"] and answer["accepted"] < 10
    expect(page.locator("#continue")).to_be_disabled()
    page.evaluate("document.getElementById('continue').disabled = false")
    with page.expect_navigation() as nav:
        page.click("#continue")
    assert nav.value.status == 400
    expect(page.locator("#error-all")).to_contain_text("Please watch the whole video")
    you.expect_step("video-dataset")
    p = you.record
    assert p.step_index == 2 and not p.videos_completed
    assert 2 < p.state["video-dataset"]["until"] < 10
    assert p.state["video-dataset"]["seeks"] >= 1


def test_a_playing_video_reports_at_the_pages_interval_and_once_at_its_end(on_long_video):
    """The player reports every data-report-every-s seconds (the server's REPORT_EVERY_S) while
    it plays, and once when it ends (not also for the pause the player fires just before
    "ended"); that end report opens Continue."""
    you = on_long_video
    page = you.page
    every = float(page.locator("#tutorial-video").get_attribute("data-report-every-s"))
    assert every == REPORT_EVERY_S
    positions = []

    def seen(route):
        positions.append(float(parse_qs(route.request.post_data)["position"][0]))
        route.continue_()

    page.route(f"**/s/{SLUG}/event/", seen)
    you.play_video()
    page.wait_for_function("document.getElementById('tutorial-video').ended", timeout=30_000)
    expect(page.locator("#continue")).to_be_enabled(timeout=3_000)
    page.wait_for_timeout(500)
    # one interval report in the 12 s video, then the end's
    assert len(positions) == 1 + int(12 // every), positions
    assert positions[-1] == pytest.approx(12.0, abs=0.1)
    assert all(p <= every + 0.5 for p in positions[:-1]), positions


def _reload_mid_video(you, *, late: str) -> dict:
    """Watch 4.5 s and pause (the pause is reported at once, between the interval's reports),
    reload with the file matching ``late`` delayed by 1 s, and return where the player stands a
    second after loading (and the position the server accepted)."""
    page = you.page
    you.play_video()
    page.wait_for_function("document.getElementById('tutorial-video').currentTime > 4.5")
    page.evaluate("document.getElementById('tutorial-video').pause()")
    for _ in range(50):  # the pause's report arrives
        until = you.record.state.get("video-dataset", {}).get("until", 0)
        if until > 4:
            break
        time.sleep(0.1)
    assert until > 4, "the pause was not reported"

    def delayed(route):
        time.sleep(1.0)
        route.continue_()

    page.route(late, delayed)
    page.reload()
    you.expect_step("video-dataset")
    video = page.locator("#tutorial-video")
    assert float(video.get_attribute("data-resume")) == pytest.approx(until, abs=0.01)
    page.wait_for_timeout(1_500)
    return page.evaluate("(() => { const v = document.getElementById('tutorial-video'); "
                         "return {time: v.currentTime, ready: v.readyState, "
                         "seekable: v.seekable.length ? v.seekable.end(0) : 0}; })()")


def test_player_resumes_after_a_reload(on_long_video):
    """Needs HTTP Range support on the asset view: without it Chromium cannot seek at all."""
    state = _reload_mid_video(on_long_video, late="**/*.mp4")  # the script is surely first
    assert state["time"] > 2, f"the player did not resume: {state}"


def test_player_resumes_when_the_video_loads_before_the_script(on_long_video):
    """E.g. a reload with the video in the HTTP cache: loadedmetadata fired before video.js ran."""
    state = _reload_mid_video(on_long_video, late="**/video.js")
    assert state["time"] > 2, f"the player did not resume: {state}"


def test_relevance_answers_before_30_seconds_are_refused(study2, new_context):
    you = BrowserParticipant(new_context(), study2)
    you.enter()
    you.pass_until("explanation")
    page = you.page
    expect(page.locator("#continue")).to_be_disabled()
    given = you.answer_relevance()
    page.evaluate("document.getElementById('continue').disabled = false")  # a bypassed timer
    with page.expect_navigation() as nav:
        page.click("#continue")
    assert nav.value.status == 400
    expect(page.locator("#error-all")).to_contain_text("Please take your time")
    you.expect_step("explanation")
    for attr, (choice, text) in given.items():  # the refused page keeps what was written
        expect(page.locator(f"#relevance-{attr}-{choice}")).to_be_checked()
        expect(page.locator(f"#justification-{attr}")).to_have_value(text)
    assert not you.record.responses.filter(item_type="relevance").exists()
    page.goto(f"{study2.url}/s/{SLUG}/step/")
    you.expect_step("explanation")


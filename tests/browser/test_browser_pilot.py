"""Pilot mode in a real browser: a researcher logs in, starts a pilot from the dashboard, jumps
through the study with the pilot bar, finishes on the study's own page (nothing sent to
Prolific), and nothing is counted or exported; the dashboard's live view fills itself in.

Screenshots of the pilot bar and of the dashboard go to XAI_PILOT_SHOTS (a folder) when set."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from studies.assignment import fill
from studies.exports.tidy import tidy_responses
from studies.models import BlockEntry, Participant, Status
from tests.bots import Bot

from .assets import SLUG
from .participant import PROLIFIC_PATTERN, BrowserParticipant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("XAI_PILOT_SHOTS", "")


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def log_in(page, site, next_url: str) -> None:
    get_user_model().objects.create_superuser("researcher", "r@example.org", "a long password")
    page.goto(f"{site.url}/admin/login/?next={next_url}")
    page.fill("#id_username", "researcher")
    page.fill("#id_password", "a long password")
    with page.expect_navigation():
        page.click("input[type=submit]")


def jump(page, step_id: str) -> None:
    if not page.locator("#pilot-steps").get_attribute("open") == "":
        page.click("#pilot-steps summary")
    with page.expect_navigation():
        page.click(f'#pilot-jump button[data-step="{step_id}"]')


def test_pilot_jumps_through_the_study_and_nothing_counts(study2, new_context):
    site = study2
    researcher = BrowserParticipant(new_context(), site)
    page = researcher.page
    real = Bot(site.study, site.clock)  # a Prolific participant at the same time
    real.enter()
    real.play(stop_at="summary-dataset")
    dashboard = f"/dashboard/{SLUG}/"
    log_in(page, site, dashboard)
    expect(page.locator("#pilot-count")).to_have_text("0")
    page.select_option("#pilot-condition-choice", "inn")
    with page.expect_navigation():
        page.click("#pilot-start button")

    researcher.expect_step("consent")
    bar = page.locator("#pilot-bar")
    expect(bar).to_be_visible()
    expect(page.locator("#pilot-condition")).to_have_text("inn")
    page.click("#pilot-steps summary")
    steps = page.locator("#pilot-jump button.pilot-step")
    assert steps.count() == len(spec_steps(site)) - 1  # every step but the completion
    expect(page.locator("#pilot-jump button.current")).to_have_attribute("data-step", "consent")
    shoot(page, "pilot-bar-jump-list")

    jump(page, "explanation")  # straight to the explanation, past videos and gates
    researcher.expect_step("explanation")
    expect(page.locator("#messages")).to_contain_text("jumped to step")
    assert page.locator("#stimulus").get_attribute("data-key") == site.keys[("inn", 0)]
    expect(page.locator("#pilot-jump button.current")).to_have_attribute("data-step",
                                                                           "explanation")
    shoot(page, "pilot-explanation")

    jump(page, "gate-ml")  # and back to a gate
    researcher.expect_step("gate-ml")
    jump(page, "expertise")
    researcher.expect_step("expertise")
    page.check("#choice-2")
    with page.expect_navigation():
        page.click("#continue")
    expect(page.locator("#final")).to_have_attribute("data-status", "completed")
    expect(page.locator("#completion-code")).to_be_visible()
    assert page.locator("#prolific-link").count() == 0
    assert researcher.prolific_urls == [] and page.url.startswith(site.url)
    expect(bar).to_be_visible()  # a finished pilot can be reopened at any step

    pilot = Participant.objects.get(study=site.study, pilot=True)
    assert pilot.status == Status.COMPLETED and pilot.pilot_by == "researcher"
    assert (pilot.base_pay_gbp, pilot.bonus_gbp) == (0, 0)
    assert {c.name: c.held for c in fill(site.study)} == {
        "baseline": 0, "inn": 0, "concepts": 0, real.participant.condition.name: 1}
    assert not BlockEntry.objects.filter(prolific_pid=pilot.prolific_pid).exists()
    exported = tidy_responses(site.study)
    assert pilot.prolific_pid not in set(exported["prolific_pid"])
    assert set(exported["prolific_pid"]) == {real.pid}
    marked = tidy_responses(site.study, include_pilot=True)
    assert marked.loc[marked["pilot"], "prolific_pid"].unique().tolist() == [pilot.prolific_pid]

    with page.expect_navigation():
        page.click("#pilot-dashboard")
    expect(page.locator("#pilot-count")).to_have_text("1")
    expect(page.locator("#live-exclusions-summary")).not_to_be_empty()
    funnel = page.locator("#live-steps tbody tr")
    expect(funnel.first).to_contain_text("consent")
    expect(funnel.first.locator("td").nth(3)).to_have_text("1")  # the real participant only
    expect(page.locator("#accuracy-blinded")).to_be_visible()
    shoot(page, "dashboard-live")


def spec_steps(site):
    from studies.runtime import spec_of

    return spec_of(site.study).steps


def test_prolific_routes_are_not_touched_by_a_reviewer_preview(study2, new_context, live_server):
    """A signed preview link (no account) starts a pilot in the same way."""
    from studies.pilots import preview_token

    site = study2
    reviewer = BrowserParticipant(new_context(), site)
    page = reviewer.page
    page.goto(f"{site.url}/s/{SLUG}/preview/{preview_token(site.study, 'concepts')}/")
    reviewer.expect_step("consent")
    expect(page.locator("#pilot-condition")).to_have_text("concepts")
    assert page.locator("#pilot-dashboard").count() == 0  # no staff account
    jump(page, "explanation")
    reviewer.expect_step("explanation")
    assert page.locator("#stimulus").get_attribute("data-key") == site.keys[("concepts", 0)]
    assert Participant.objects.get(pilot=True).pilot_by == "preview link"
    page.unroute(PROLIFIC_PATTERN)

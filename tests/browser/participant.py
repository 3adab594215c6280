"""A participant in a real browser: clicks, types and plays videos like a person would, and
reads the step the server shows from the page (``#step-form[data-step]``)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

from playwright.sync_api import expect

from studies.models import Event, EventKind, Participant
from studies.runtime import spec_of
from tests.bots import new_pid

from .assets import ANSWER_KEY, SLUG

PROLIFIC_PATTERN = "https://app.prolific.com/**"
STUDY_ID = "a" * 24
FLIP = {"relevant": "irrelevant", "irrelevant": "relevant"}


def code_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["cc"][0]


def only_condition(study, name: str) -> None:
    """Close every other condition (as an experimenter would in the admin)."""
    study.conditions.exclude(name=name).update(target=0)


class BrowserParticipant:
    def __init__(self, context, site, *, pid: str | None = None):
        self.context, self.site = context, site
        self.page = context.new_page()
        self.pid = pid or new_pid()
        self.prolific_urls: list[str] = []
        context.route(PROLIFIC_PATTERN, self._prolific)

    def _prolific(self, route):
        self.prolific_urls.append(route.request.url)
        route.fulfill(status=200, content_type="text/html",
                      body="<!doctype html><title>Prolific</title><h1>Prolific (stub)</h1>")

    # --- where we are -----------------------------------------------------------------------
    def entry_url(self, **params) -> str:
        query = {"PROLIFIC_PID": self.pid, "STUDY_ID": STUDY_ID, "SESSION_ID": "b" * 24,
                 **params}
        return f"{self.site.url}/s/{SLUG}/?{urlencode(query)}"

    def enter(self, **params):
        return self.page.goto(self.entry_url(**params))

    def expect_step(self, step_id: str) -> None:
        self.page.wait_for_load_state()
        if self.page.locator("#problem").count():
            error = Event.objects.filter(participant__prolific_pid=self.pid,
                                         kind=EventKind.PAGE_VIEW).last()
            raise AssertionError(f"the server shows its problem page: {error and error.data}")
        expect(self.page.locator("#step-form")).to_have_attribute("data-step", step_id)

    @property
    def record(self) -> Participant:
        return Participant.objects.select_related("condition").get(
            study=self.site.study, prolific_pid=self.pid)

    def spec_step(self, step_id: str):
        spec = spec_of(self.site.study)
        return spec.step(spec.index_of(step_id), self.record.condition.name)

    def submit_to_prolific(self, selector: str = "#continue") -> str:
        """Submit the last page; the server redirects the browser to Prolific. Playwright does not
        route redirected requests, so the redirect is observed (the stub answers only direct
        navigations, e.g. the final page's link). Returns the completion code in the URL."""
        with self.page.expect_request(PROLIFIC_PATTERN) as sent:
            self.page.click(selector)
        request = sent.value
        self.page.wait_for_url(lambda url: not url.startswith(self.site.url))  # left our site
        origin = request.redirected_from
        assert origin is not None and origin.method == "POST"
        assert origin.url == f"{self.site.url}/s/{SLUG}/step/"
        return code_of(request.url)

    def follow_prolific_link(self) -> str:
        """Click the final page's link back to Prolific (answered by the stub)."""
        with self.page.expect_navigation(url=PROLIFIC_PATTERN):
            self.page.click("#prolific-link")
        return code_of(self.prolific_urls[-1])

    # --- acting -----------------------------------------------------------------------------
    def submit(self, selector: str = "#continue") -> None:
        with self.page.expect_navigation():
            self.page.click(selector)

    def consent(self) -> None:
        self.expect_step("consent")
        self.submit("#consent-agree")

    def device_check(self) -> None:
        """The page measures the window and submits itself, often before a test could look at
        it (a test that expected to see it first failed on a loaded machine), so what is checked
        is that the browser left it and the server stored the measurement as passed."""
        self.page.wait_for_function(
            "['device', undefined].indexOf((document.querySelector('#step-form')"
            " || {dataset: {}}).dataset.step) < 0", timeout=10_000)
        self.page.wait_for_load_state()
        assert self.record.device_ok

    def play_video(self) -> None:
        self.page.click("#step-title")  # a user gesture, so that play() is allowed
        self.page.evaluate("document.getElementById('tutorial-video').play()")

    def watch_video(self, step_id: str) -> None:
        """Play the video to its end in the page's player, then continue."""
        self.expect_step(step_id)
        expect(self.page.locator("#continue")).to_be_disabled()
        self.play_video()
        self.page.wait_for_function("document.getElementById('tutorial-video').ended",
                                    timeout=30_000)
        expect(self.page.locator("#continue")).to_be_enabled()
        self.submit()

    def read(self, step_id: str) -> None:
        self.expect_step(step_id)
        self.submit()

    def answer_gate(self, step_id: str, *, correct: bool = True) -> None:
        self.expect_step(step_id)
        for s in self.spec_step(step_id).statements:
            value = str(s.answer == correct).lower()
            self.page.check(f"#statement-{s.id}-{value}")
        self.submit()

    def answer_relevance(self, *, wrong: tuple[str, ...] = ()) -> dict[str, tuple[str, str]]:
        """Answer the five questions (correctly except ``wrong``); returns what was given."""
        given = {}
        for attr, key in ANSWER_KEY.items():
            choice = FLIP[key] if attr in wrong else key
            text = f"I looked at how the {attr} changes from left to right in the grid."
            self.page.check(f"#relevance-{attr}-{choice}")
            self.page.fill(f"#justification-{attr}", text)
            given[attr] = (choice, text)
        return given

    def pass_until(self, step_id: str) -> None:
        """Walk the study correctly from consent until ``step_id`` is shown."""
        script = [("consent", self.consent), ("device", self.device_check),
                  ("video-dataset", self.watch_video), ("summary-dataset", self.read),
                  ("gate-dataset", self.answer_gate), ("video-ml", self.watch_video),
                  ("summary-ml", self.read), ("gate-ml", self.answer_gate),
                  ("video-explanation", self.watch_video), ("summary-explanation", self.read),
                  ("gate-explanation", self.answer_gate)]
        for sid, action in script:
            if sid == step_id:
                break
            if sid in ("consent", "device"):
                action()
            else:
                action(sid)
        self.expect_step(step_id)

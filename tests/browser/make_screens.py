"""Screenshots of every participant page of study 2 into ``docs/screens/NN-name.png`` plus a
``README.md`` index. Run by ``test_browser_screens.py`` when ``XAI_WRITE_SCREENS=1``:

    XAI_WRITE_SCREENS=1 .venv/bin/python -m pytest tests/browser/test_browser_screens.py

The pictures use the real tutorial videos (``make_tutorial_videos`` on ``tutorials/*.yaml``) and
stimuli really rendered by the explainers. To get through the minutes of video quickly, the
walk marks a video as watched in the database after its screenshot (a shortcut for pictures
only; the browser tests watch every video in the player).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from studies.answer_keys import answer_key
from studies.models import Participant
from tests.bots import Bot

from .assets import REPO, SLUG
from .participant import BrowserParticipant, only_condition

SCREENS = REPO / "docs" / "screens"


class Shooter:
    """Numbered full-page screenshots and their index."""

    def __init__(self, out: Path, notes: list[str], title: str = "Participant pages (study 2)"):
        self.out, self.notes, self.rows, self.title = Path(out), notes, [], title
        self.out.mkdir(parents=True, exist_ok=True)
        for old in self.out.glob("[0-9][0-9]-*.png"):
            old.unlink()

    def __call__(self, page, name: str, caption: str, *, full_page: bool = True) -> None:
        page.wait_for_load_state("networkidle")
        page.wait_for_function("!document.getElementById('tutorial-video') || "
                               "document.getElementById('tutorial-video').readyState >= 3")
        file = f"{len(self.rows) + 1:02d}-{name}.png"
        page.screenshot(path=str(self.out / file), full_page=full_page)
        size = page.viewport_size
        self.rows.append((file, caption, f"{size['width']}×{size['height']}"))

    def write_index(self) -> None:
        lines = [f"# {self.title}", "",
                 "Made by `tests/browser/make_screens.py` "
                 "(`XAI_WRITE_SCREENS=1 .venv/bin/python -m pytest "
                 "tests/browser/test_browser_screens.py`) in Debian's chromium, full-page, "
                 f"on {datetime.now().date().isoformat()}.", ""]
        lines += [f"- {note}" for note in self.notes] + [""]
        lines += ["| file | page | window |", "| --- | --- | --- |"]
        lines += [f"| [{f}]({f}) | {c} | {w} |" for f, c, w in self.rows]
        (self.out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def mark_watched(you: BrowserParticipant, step_id: str) -> None:
    """Shortcut for the pictures: the video counts as watched; reload and continue."""
    p = Participant.objects.get(pk=you.record.pk)
    p.state.setdefault(step_id, {})["done"] = True
    p.save(update_fields=["state"])
    you.page.reload()
    you.expect_step(step_id)
    you.submit()


def show_a_frame(you: BrowserParticipant, seconds: float = 2.5) -> None:
    page = you.page
    page.wait_for_function("document.getElementById('tutorial-video').readyState >= 2")
    you.play_video()
    page.wait_for_function(f"document.getElementById('tutorial-video').currentTime > {seconds}",
                           timeout=30_000)
    page.evaluate("document.getElementById('tutorial-video').pause()")


def answer(you: BrowserParticipant, step_id: str, *, correct: bool = True,
           shoot=None, name: str = "", caption: str = "") -> None:
    """Answer a gate; ``shoot`` (if given) after ticking the answers, before submitting."""
    you.expect_step(step_id)
    for s in you.spec_step(step_id).statements:
        you.page.check(f"#statement-{s.id}-{str(s.answer == correct).lower()}")
    if shoot:
        shoot(you.page, name, caption)
    you.submit()


PARTS = (("video-dataset", "summary-dataset", "gate-dataset"),
         ("video-ml", "summary-ml", "gate-ml"),
         ("video-explanation", "summary-explanation", "gate-explanation"))


def tutorial(you, shoot, condition: str, *, everything: bool = True) -> None:
    """From the first video to the explanation page, shooting each page (only the
    condition-specific ones unless ``everything``)."""
    for video, summary, gate in PARTS:
        own = video == "video-explanation"  # the condition-specific part
        tag, note = (f"-{condition}", f" ({condition})") if own else ("", "")
        you.expect_step(video)
        if everything or own:
            show_a_frame(you)
            shoot(you.page, f"{video}{tag}", f"tutorial video `{video}`{note}")
        mark_watched(you, video)
        you.expect_step(summary)
        if everything or own:
            shoot(you.page, f"{summary}{tag}", f"written summary `{summary}`{note}")
        you.submit()
        you.expect_step(gate)
        if everything and gate == "gate-dataset":
            shoot(you.page, "gate", "comprehension gate (true/false statements)")
            answer(you, gate, correct=False)
            you.expect_step(video)
            show_a_frame(you, 0.5)  # a paused, never-played video shows a loading spinner
            shoot(you.page, "gate-failed-back-to-video", "after a failed gate: back to the "
                                                         "video, which may now be skipped")
            you.submit()
            you.read(summary)
            answer(you, gate, shoot=shoot, name="gate-last-attempt",
                   caption="the gate's second (last) attempt, answered")
        elif own:
            answer(you, gate, shoot=shoot, name=f"{gate}{tag}",
                   caption=f"comprehension gate `{gate}`{note}, answered")
        else:
            answer(you, gate)


def explanation(you, site, shoot, condition: str) -> None:
    you.expect_step("explanation")
    page = you.page
    page.wait_for_function("document.getElementById('stimulus-grid').complete && "
                           "document.getElementById('stimulus-grid').naturalWidth > 0")
    shoot(page, f"stimulus-{condition}", f"explanation ({condition}) and the five relevance "
                                         "questions, Continue still locked (30 s)")


def finish(you, site, shoot) -> None:
    you.answer_relevance()
    site.clock.advance(31)
    you.page.clock.fast_forward("00:31")
    expect(you.page.locator("#continue")).to_be_enabled()
    you.submit()
    you.expect_step("expertise")
    you.page.check("#choice-2")
    shoot(you.page, "expertise", "expertise question")
    you.submit_to_prolific()
    you.page.goto(f"{site.url}/s/{SLUG}/step/")
    shoot(you.page, "completed", "completion page (after the redirect to Prolific)")


def capture_all(site, new_context, out: Path = SCREENS, notes=()) -> list[tuple]:
    shoot = Shooter(out, list(notes))
    study = site.study
    first = BrowserParticipant(new_context(), site)
    only_condition(study, "baseline")
    first.enter()
    shoot(first.page, "consent", "entry from Prolific: consent")
    first.page.clock.pause_at(datetime.now())  # hold the device check's auto-submit
    first.submit("#consent-agree")
    first.expect_step("device")
    shoot(first.page, "device-check", "device check (measures the window, then continues)")
    first.page.clock.resume()
    first.page.wait_for_function("document.querySelector('#step-form').dataset.step !== "
                                 "'device'")
    tutorial(first, shoot, "baseline")
    explanation(first, site, shoot, "baseline")
    finish(first, site, shoot)

    for condition in ("inn", "concepts"):
        study.conditions.update(target=80)
        only_condition(study, condition)
        other = BrowserParticipant(new_context(), site)
        other.enter()
        other.consent()
        other.device_check()
        tutorial(other, shoot, condition, everything=False)
        explanation(other, site, shoot, condition)
        if condition == "concepts":
            tablet = other.context.new_page()
            tablet.set_viewport_size({"width": 600, "height": 960})
            tablet.goto(f"{site.url}/s/{SLUG}/step/")
            shoot(tablet, "stimulus-tablet-portrait", "explanation page on a 600 px wide "
                                                      "tablet (portrait), the smallest allowed")
            tablet.close()
    study.conditions.update(target=80)

    out_of_gate = BrowserParticipant(new_context(), site)
    out_of_gate.enter()
    out_of_gate.consent()
    out_of_gate.device_check()
    mark_watched(out_of_gate, "video-dataset")
    out_of_gate.read("summary-dataset")
    answer(out_of_gate, "gate-dataset", correct=False)
    mark_watched(out_of_gate, "video-dataset")
    out_of_gate.read("summary-dataset")
    answer(out_of_gate, "gate-dataset", correct=False)
    shoot(out_of_gate.page, "screened-out-gate", "screened out after failing a gate twice "
                                                 "(code and partial pay)")

    small = BrowserParticipant(new_context(viewport={"width": 500, "height": 500}), site)
    small.enter()
    small.consent()
    expect(small.page.locator("#final")).to_be_visible(timeout=10_000)
    shoot(small.page, "screened-out-device", "screened out by the device check (500×500 window)")

    leaving = BrowserParticipant(new_context(), site)
    leaving.enter()
    leaving.consent()
    with leaving.page.expect_navigation():
        leaving.page.click("#withdraw-link")
    shoot(leaving.page, "withdraw-confirm", "withdraw: confirmation")
    leaving.submit("#withdraw-confirm")
    shoot(leaving.page, "withdrawn", "withdrawn")

    again = BrowserParticipant(new_context(), site, pid=first.pid)
    again.enter(SESSION_ID="e" * 24)
    shoot(again.page, "already-taken-part",
          "the same Prolific ID again, from another browser and Prolific submission")

    bad = BrowserParticipant(new_context(), site)
    bad.enter(PROLIFIC_PID="not-a-prolific-id")
    shoot(bad.page, "bad-link", "malformed entry link")

    study.conditions.update(target=0)
    late = BrowserParticipant(new_context(), site)
    late.enter()
    shoot(late.page, "full", "study full: a new arrival is turned away")
    shoot.write_index()
    return shoot.rows


# --- researcher pages: the dashboard's live view and a pilot session ----------------------------

RESEARCHER = SCREENS / "researcher"
PREREG = REPO / "analysis" / "examples" / "two4two" / "study2.yaml"


class StudyBot(Bot):
    """A scripted participant of study 2, whose answer key is read from the checkpoint."""

    def answer(self, step, *, correct: bool = True) -> dict:
        if step.type == "stimulus_questions":
            step = replace(step, answer_key=answer_key(step))
        return super().answer(step, correct=correct)


def crowd(site) -> None:
    """Prolific participants (bots) in every state, so that the live view has numbers."""
    for condition, gate_failures, stop_at in (("baseline", 0, None), ("inn", 1, None),
                                              ("concepts", 0, None), ("baseline", 2, None),
                                              ("inn", 1, "explanation"),
                                              ("concepts", 0, "video-ml")):
        only_condition(site.study, condition)
        bot = StudyBot(site.study, site.clock)
        bot.enter()
        bot.play(gate_failures=gate_failures, stop_at=stop_at)
        site.study.conditions.update(target=80)
    bot = StudyBot(site.study, site.clock)
    bot.enter()
    bot.play(stop_at="summary-dataset")
    bot.withdraw()


def capture_researcher(site, new_context, out: Path = RESEARCHER, notes=()) -> list[tuple]:
    from analysis.models import Preregistration

    shoot = Shooter(out, list(notes), title="Researcher pages (study 2)")
    Preregistration.objects.create(study=site.study, text=PREREG.read_text())
    crowd(site)
    page = new_context().new_page()
    get_user_model().objects.create_superuser("researcher", "r@example.org", "a long password")
    page.goto(f"{site.url}/admin/login/?next=/dashboard/{SLUG}/")
    page.fill("#id_username", "researcher")
    page.fill("#id_password", "a long password")
    with page.expect_navigation():
        page.click("input[type=submit]")
    expect(page.locator("#live-exclusions-summary")).not_to_be_empty()
    shoot(page, "dashboard-live", "dashboard: counts, live view (funnel, time per step, gates, "
                                  "exclusions by preregistered rule, accuracies blinded), pilot")
    page.select_option("#pilot-condition-choice", "inn")
    with page.expect_navigation():
        page.click("#pilot-start button")
    page.click("#pilot-steps summary")
    shoot(page, "pilot-jump-list", "a pilot session: the pilot bar with its jump-to-step list")
    with page.expect_navigation():
        page.click('#pilot-jump button[data-step="gate-explanation"]')
    expect(page.locator("#step-form")).to_have_attribute("data-step", "gate-explanation")
    shoot(page, "pilot-jumped", "the pilot after jumping straight to the last gate (step 11)")
    shoot.write_index()
    return shoot.rows

"""Borowski et al.'s Experiment I (studies/specs/borowski-exp1.yaml) in a real browser, walked to
the end: the expert/lay question, the intuitiveness ratings before the trials (three units, a
slider each, moved with the keyboard), every 2AFC trial (references, queries, a confidence level
clicked, feedback), the strategy question and completion; then what the export holds.

The design is the shipped spec's, at a small configuration so that its stimuli render here in
a few CPU minutes: the shipped CNN (checkpoints/cnn), 3 trial units, 16 optimisation steps of
64 px feature visualisations, 3 natural batches from 90 source images. The intuitiveness pages
and the expert/lay question are the shipped spec's (its 3 rated units, rendered by the same
render_stimuli run).

With XAI_WRITE_SCREENS=1 the walk also writes docs/screens/2afc/ (numbered PNGs and README.md).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from studies.exports.tidy import tidy_responses
from studies.loading import load_study
from studies.models import Event, Participant, Status
from studies.readiness import problems
from studies.runtime import spec_of
from studies.trial_lists import trials_of
from tests.bots import new_pid

from .assets import REPO
from .make_screens import Shooter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPEC = REPO / "studies" / "specs" / "borowski-exp1.yaml"
SCREENS = REPO / "docs" / "screens" / "2afc"
WRITE = os.environ.get("XAI_WRITE_SCREENS") == "1"
SMALL = {  # shipped line -> this test's
    "        layers: [stem, layer1, layer2, layer3]": "        layers: [layer2, layer3]",
    "        per_layer: 9": "        per_layer: 1",
    "      practice: 5": "      practice: 1",
    "      catch_per_block: 3": "      catch_per_block: 1",
    "      repeated: 6": "      repeated: 1",
    "      batches: 20": "      batches: 3",
    "      synthetic: {steps: 2560, size: 64, diversity_weight: 1, seed: 0}":
        "      synthetic: {steps: 16, size: 64, diversity_weight: 1, seed: 0}",
    "      natural: {source_n: 5000, source_seed: 0, seed: 0}":
        "      natural: {source_n: 90, source_seed: 0, seed: 0}",
    "variants: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]": "variants: [0, 1]",
    "target: 10": "target: 2",
}
HAND_PICKED = "layer3:4"
MADE_BY_SCREENS = ("Made by `tests/browser/make_screens.py` (`XAI_WRITE_SCREENS=1 .venv/bin/python "
                   "-m pytest tests/browser/test_browser_screens.py`)")
MADE_BY_2AFC = ("Made by `tests/browser/test_browser_2afc.py` (`XAI_WRITE_SCREENS=1 bin/test "
                "tests/browser/test_browser_2afc.py`, or `bin/regenerate-docs screens`)")


def small_text(checkpoint: Path) -> str:
    text = SPEC.read_text()
    for old, new in SMALL.items():
        assert old in text, old
        text = text.replace(old, new)
    text = text.replace("checkpoint: checkpoints/cnn", f"checkpoint: {checkpoint}")
    text = re.sub(r'hand_picked: \[[^]]*\]', f'hand_picked: ["{HAND_PICKED}"]', text, flags=re.S)
    assert "type: participant_group" in text  # the shipped spec asks for expert / lay
    assert "type: intuitiveness" in text  # and rates three units before the trials
    return text


@pytest.fixture
def exp1(live_server, settings, tmp_path):
    settings.PROLIFIC_COMPLETE_URL = "https://app.prolific.com/submissions/complete?cc="
    path = tmp_path / "borowski-exp1.yaml"
    path.write_text(small_text(REPO / "checkpoints" / "cnn"))
    study, _ = load_study(path)
    assert any(p.startswith("intuitive-before: rated images not rendered yet")
               for p in problems(study))
    call_command("render_stimuli", study.slug, stdout=io.StringIO())
    assert problems(study) == []
    return study, live_server.url


def test_a_participant_walks_experiment_one_in_the_browser(exp1, new_context):
    study, url = exp1
    shoot = Shooter(SCREENS, notes=[
        "Borowski et al. (2021) Experiment I, `studies/specs/borowski-exp1.yaml` at the small "
        "configuration of `tests/browser/test_browser_2afc.py` (the shipped CNN "
        "`checkpoints/cnn`, 3 units, 16 optimisation steps at 64 px, 90 source images), so the "
        "feature visualisations are far from converged; the shipped spec renders 2560 steps",
        "the intuitiveness pages are the shipped spec's: three units, one page each, before the "
        "trials (Exp. I; Exp. II asks again after them)"],
        title="Participant pages of a 2AFC study (Borowski et al. Exp. I)") if WRITE else None

    def shot(page, name, caption, **kw):
        if shoot:
            shoot(page, name, caption, **kw)

    context = new_context()
    context.route("https://app.prolific.com/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><h1>Prolific (stub)</h1>"))
    page = context.new_page()
    pid = new_pid()
    page.goto(f"{url}/s/{study.slug}/?" + urlencode(
        {"PROLIFIC_PID": pid, "STUDY_ID": "a" * 24, "SESSION_ID": "b" * 24}))

    def at(step_id):
        page.wait_for_load_state()
        expect(page.locator("#step-form")).to_have_attribute("data-step", step_id)

    def submit(selector="#continue"):
        with page.expect_navigation():
            page.click(selector)

    at("consent")
    submit("#consent-agree")
    page.wait_for_function("document.querySelector('#step-form').dataset.step !== 'device'",
                           timeout=10_000)
    at("expertise")
    shot(page, "expertise", "expert vs. lay: the qualification question (participant_group)")
    page.check("#choice-3")
    submit()

    # intuitiveness before: one page per unit; the slider refuses Continue until moved, then
    # takes the keyboard
    at("intuitive-before")
    expect(page.locator("#rating-progress")).to_have_text("Rating 1 of 3")
    slider = page.locator("#rating")
    expect(slider).to_have_value("0")
    expect(page.locator("#slider-images img")).to_have_count(18)  # 9 synthetic, 9 natural
    for img in page.locator("#slider-images img").all():
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    page.click("#continue")  # not moved: the page stays and says so
    expect(page.locator("#slider-hint")).to_have_class(re.compile("error"))
    at("intuitive-before")
    shot(page, "intuitiveness-before", "intuitiveness rating before the trials: the slider "
                                       "not yet moved (Continue was clicked and refused)")
    slider.focus()
    for _ in range(3):
        page.keyboard.press("PageUp")  # Chrome: a tenth of the range (20) per press
    page.keyboard.press("ArrowRight")
    value = int(slider.input_value())
    assert value > 0 and slider.get_attribute("aria-valuetext") == str(value)
    page.keyboard.press("End")
    expect(slider).to_have_attribute("aria-valuetext", "100 (Intuitive)")
    page.keyboard.press("Home")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("-95")
    shot(page, "intuitiveness-moved", "intuitiveness rating moved with the keyboard to -95")
    submit()
    for n, key in ((2, "End"), (3, "PageDown")):  # the other two units: +100, -20
        at("intuitive-before")
        expect(page.locator("#rating-progress")).to_have_text(f"Rating {n} of 3")
        for img in page.locator("#slider-images img").all():
            assert img.evaluate("i => i.complete && i.naturalWidth > 0")
        if n == 2:
            shot(page, "intuitiveness-second", "the second of the three intuitiveness ratings: "
                                               "another unit's images")
        page.locator("#rating").focus()
        page.keyboard.press(key)
        submit()

    # the trials: every one answered by clicking a confidence level under an option
    at("trials")
    spec = spec_of(study)
    p = Participant.objects.get(study=study, prolific_pid=pid)
    trials = trials_of(spec, spec.steps[spec.index_of("trials")], p.variant)
    seen = set()
    for n, trial in enumerate(trials):
        expect(page.locator("#trial-meta")).to_have_attribute("data-trial", str(n))
        ref = trial.factors.get("reference", "")
        for img in page.locator("#trial img").all():
            assert img.evaluate("i => i.complete && i.naturalWidth > 0"), trial.id
        expect(page.locator("#trial .references img")).to_have_count(
            sum(len(r.images) for r in trial.references))
        first = (trial.kind, ref) not in seen
        seen.add((trial.kind, ref))
        if first and trial.kind in ("main", "practice"):
            shot(page, f"trial-{trial.kind}-{ref}", f"{trial.kind} trial, reference "
                 f"condition {ref}: {'no references, only the two queries' if ref == 'none' else 'minimally (left) and maximally (right) activating references, two queries in the middle'}")
        if first and trial.kind == "main" and ref == "natural" and shoot:
            page.hover(f"#pick-{trial.answer}-3")
            shoot(page, "confidence", "the confidence levels under each query (1 not "
                  "confident ... 3 very confident): one click on a level is the answer",
                  full_page=False)
        wrong = n == 1
        choice = 1 - trial.answer if wrong else trial.answer
        submit(f"#pick-{choice}-{1 + n % 3}")
        if n + 1 < len(trials):
            expect(page.locator("#trial-feedback")).to_be_visible()  # feedback: all
            if n in (0, 1) and shoot:
                shoot(page, f"feedback-{'wrong' if wrong else 'right'}",
                      "feedback on the answer just given, above the next trial")
            text = page.locator("#trial-feedback").inner_text()
            assert ("Not quite" in text) if wrong else ("Correct" in text)

    at("strategy")
    page.fill("textarea", "I compared the colours of the images with the references.")
    with page.expect_request("https://app.prolific.com/**") as sent:  # completion: to Prolific
        page.click("#continue")
    assert sent.value.url.endswith("cc=CBOR1OK")

    p.refresh_from_db()
    assert p.status == Status.COMPLETED
    frame = tidy_responses(study)
    mine = frame[frame["prolific_pid"] == pid]
    assert set(mine["participant_group"]) == {"expert"} and set(mine["expertise_level"]) == {3}
    ratings = mine[mine["item_type"] == "slider"]
    assert set(ratings["step"]) == {"intuitive-before"} and set(ratings["when"]) == {"before"}
    order = p.state["intuitive-before"]["order"]  # the participant's order of the units
    assert sorted(order) == ["layer1:10", "layer2:1", "layer3:0"]
    assert ratings.set_index("unit")["response"].to_dict() == dict(
        zip(order, ["-95", "100", "-20"], strict=True))
    rows = mine[mine["item_type"] == "trial"]
    assert len(rows) == len(trials) and rows["confidence"].notna().all()
    assert int((rows["correct"] == 0).sum()) == 1 and rows["rt_ms"].notna().all()
    assert set(rows["reference"]) == {"synthetic", "natural", "none"}
    moved = [e.data["value"] for e in Event.objects.filter(
        participant=p, kind="slider_moved", step="intuitive-before").order_by("id")]
    assert -95.0 in moved and 100.0 in moved and len(moved) > 3  # one per change (key press)
    if shoot:
        shoot.write_index()
        index = SCREENS / "README.md"
        index.write_text(index.read_text().replace(MADE_BY_SCREENS, MADE_BY_2AFC))
        assert len(shoot.rows) >= 10

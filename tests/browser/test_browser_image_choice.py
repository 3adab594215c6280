"""An image_choice step ("What will the system say this image shows?", key: model) walked in
the browser: each page shows one image of the folder at its native size, the participant
clicks an answer, feedback says whether it matched the model's prediction (read from the
published stimulus), and the session reaches Prolific. The images and the model's outputs are
rendered for real (a TorchScript model that says 'dog' for red squares); with
``XAI_SHOTS=DIR`` the first page and a feedback page are written to DIR as PNGs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from explainers.plan import run_job
from studies.loading import load_study
from studies.models import Response
from studies.runtime import spec_of
from studies.stimuli import render_jobs, verified_manifest
from tests.test_folder_trials import make_folder
from tests.test_image_choice import GENERATE, red_blue_bundle, spec_text

from .assets import SLUG
from .participant import BrowserParticipant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_what_the_model_says_is_asked_image_by_image(live_server, settings, tmp_path,
                                                     server_clock, new_context):
    settings.PROLIFIC_COMPLETE_URL = "https://app.prolific.com/submissions/complete?cc="
    settings.IMAGE_FOLDER_RECHECK_S = 0
    folder = make_folder(tmp_path)
    bundle = red_blue_bundle(tmp_path / "model")
    text = spec_text(folder, GENERATE.replace("size: 48", "size: 128"),
                     checkpoint=f"checkpoint: {bundle}")
    path = tmp_path / "image-choice.yaml"
    path.write_text(text.replace("slug: image-choice", f"slug: {SLUG}"))
    study, _ = load_study(path)
    for job in render_jobs(spec_of(study)):
        run_job(job, root=settings.STIMULI_ROOT)
    site = type("Site", (), {"study": study, "url": live_server.url, "clock": server_clock})
    shots = Path(os.environ["XAI_SHOTS"]) if os.environ.get("XAI_SHOTS") else None
    you = BrowserParticipant(new_context(), site)
    you.enter()
    you.consent()
    page, said = you.page, []
    for n in range(8):
        you.expect_step("predict")
        expect(page.locator("#choice-meta")).to_have_text(f"Image {n + 1} of 8")
        page.wait_for_function("document.querySelector('#choice-image img').complete && "
                               "document.querySelector('#choice-image img').naturalWidth > 0")
        natural, shown = page.evaluate(
            "[document.querySelector('#choice-image img').naturalWidth, "
            "document.querySelector('#choice-image img').getBoundingClientRect().width]")
        assert natural == 128 and shown == natural  # native size
        src = page.get_attribute("#choice-image img", "src")
        key, file = re.search(r"/stimulus/([0-9a-f]{64})/(r\d\dc\d\d\.png)", src).groups()
        cell = next(c for c in verified_manifest(key)["cells"] if c["file"] == file)
        model = cell["scene"]["model"]
        answer = model if n != 1 else ({"cat", "dog"} - {model}).pop()  # page 2 wrong
        said.append((model, answer))
        if shots and n == 0:
            page.screenshot(path=str(shots / "image-choice-page.png"), full_page=True)
        page.check(f"input[name=choice][value={answer}]")
        if n < 7:
            you.submit()
            feedback = page.locator("#choice-feedback")
            # about the image just answered, not the one now shown
            expect(feedback).to_have_text(f"Image {n + 1}: Correct!" if answer == model else
                                          f"Image {n + 1}: not quite, the answer was {model}.")
            if shots and n == 1:
                page.screenshot(path=str(shots / "image-choice-feedback.png"), full_page=True)
        else:  # the last answer ends the session (the completion step redirects)
            you.submit_to_prolific()
    stored = Response.objects.filter(participant__prolific_pid=you.pid,
                                     item_type="image_choice").order_by("trial")
    assert [(r.answer_key, r.response) for r in stored] == said
    assert [r.correct for r in stored].count(False) == 1

"""studies/specs/cnn-attributions.yaml walked in the browser: one participant per condition
(baseline grid, Grad-CAM, Integrated Gradients) from consent to the redirect to Prolific, each
seeing the stimulus the renderer planned for it, at its native size (one image pixel per CSS
pixel). Stimuli are rendered for real (the tiny test CNN; with ``XAI_WRITE_SCREENS=1`` and the
shipped ``checkpoints/cnn``, from that model, and the stimulus pages are written to
``docs/screens/cnn-attributions/``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from explainers.plan import run_job
from studies.loading import load_study
from studies.models import Participant
from studies.runtime import spec_of
from studies.stimuli import render_jobs, stimulus_keys
from tests.fixtures.tiny_models import tiny_cnn_bundle

from .assets import REPO, SLUG, _replace, install_tutorials
from .make_screens import Shooter
from .participant import BrowserParticipant, only_condition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPEC = REPO / "studies" / "specs" / "cnn-attributions.yaml"
CNN = REPO / "checkpoints" / "cnn"
OUT = REPO / "docs" / "screens" / "cnn-attributions"
WRITE = os.environ.get("XAI_WRITE_SCREENS") == "1" and (CNN / "bundle.json").is_file()


def cnn_spec(folder: Path, checkpoint: Path) -> Path:
    """The shipped spec under the browser tests' slug, with ``checkpoint`` swapped in."""
    text = SPEC.read_text(encoding="utf-8")
    text = _replace(text, "slug: cnn-attributions\n", f"slug: {SLUG}\n")
    text = _replace(text, "checkpoint: checkpoints/cnn\n", f"checkpoint: {checkpoint}\n")
    path = folder / "cnn-attributions.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_condition_is_walked_and_shown_at_native_size(
        live_server, settings, tmp_path, browser_assets, server_clock, new_context):
    settings.PROLIFIC_COMPLETE_URL = "https://app.prolific.com/submissions/complete?cc="
    install_tutorials(settings.MEDIA_ROOT, browser_assets.videos)
    checkpoint = CNN if WRITE else tiny_cnn_bundle(tmp_path / "cnn")[0]
    study, _ = load_study(cnn_spec(tmp_path, checkpoint))
    spec = spec_of(study)
    for job in render_jobs(spec):
        run_job(job, root=settings.STIMULI_ROOT)
    keys = stimulus_keys(spec)
    site = type("Site", (), {"study": study, "url": live_server.url, "clock": server_clock})
    shoot = Shooter(OUT, [f"stimuli rendered from `{checkpoint.relative_to(REPO)}`" if WRITE
                          else "stimuli rendered from the tiny test CNN"],
                    title="Stimulus pages of studies/specs/cnn-attributions.yaml") if WRITE else None
    for condition in ("baseline", "gradcam", "integrated_gradients"):
        only_condition(study, condition)
        study.conditions.filter(name=condition).update(target=60)
        you = BrowserParticipant(new_context(), site)
        you.enter()
        you.pass_until("explanation")
        page = you.page
        assert page.get_attribute("#stimulus", "data-key") == keys[(condition, 0)]
        page.wait_for_function("document.getElementById('stimulus-grid').complete && "
                               "document.getElementById('stimulus-grid').naturalWidth > 0")
        natural, shown = page.evaluate(
            "[document.getElementById('stimulus-grid').naturalWidth, "
            "document.getElementById('stimulus-grid').getBoundingClientRect().width]")
        assert shown == natural, (condition, natural, shown)  # native size, not scaled
        if shoot:
            shoot(page, f"stimulus-{condition}", f"explanation page, condition `{condition}`")
        you.answer_relevance()
        site.clock.advance(31)
        page.clock.fast_forward("00:31")
        expect(page.locator("#continue")).to_be_enabled()
        you.submit()
        you.expect_step("expertise")
        page.check("#choice-1")
        you.submit_to_prolific()
        record = Participant.objects.get(study=study, prolific_pid=you.pid)
        assert (record.condition.name, record.status) == (condition, "completed")
    if shoot:
        shoot.write_index()
        index = OUT / "README.md"
        index.write_text(index.read_text().replace(
            "tests/browser/test_browser_screens.py", "tests/browser/test_browser_cnn_attributions.py"))

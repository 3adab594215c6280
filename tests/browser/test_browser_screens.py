"""Writes docs/screens/ (screenshots of every participant page) when XAI_WRITE_SCREENS=1; skipped
otherwise, so CI never rewrites the committed pictures."""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from explainers.plan import plan, run_job
from studies.runtime import spec_of
from studies.stimuli import stimulus_keys

from .assets import REPO
from .make_screens import SCREENS, capture_all, capture_researcher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(os.environ.get("XAI_WRITE_SCREENS") != "1",
                                 reason="set XAI_WRITE_SCREENS=1 to rewrite docs/screens")]

STUDY_CHECKPOINT = REPO / "checkpoints" / "study"


def checkpoint_for_pictures(browser_assets):
    """The shipped study checkpoint when it is there, else the tiny test model."""
    if (STUDY_CHECKPOINT / "bundle.json").is_file():
        truth = STUDY_CHECKPOINT / "ground_truth.json"
        key = truth if truth.is_file() else browser_assets.checkpoint / "ground_truth.json"
        return STUDY_CHECKPOINT, key, "stimuli rendered from the shipped `checkpoints/study/`"
    return (browser_assets.checkpoint, None,
            "stimuli rendered from the tiny untrained test model of the tests (32 px; "
            "`checkpoints/study/` was not there yet)")


def render_stimuli(study, root: Path) -> None:
    """Render every planned stimulus, or copy it when it is already published under
    XAI_SCREENS_STIMULI (default: media/stimuli), e.g. rendered on a GPU worker."""
    spec = spec_of(study)
    jobs = plan(spec.conditions, study_seed=spec.seed, checkpoint=spec.checkpoint)
    assert {(j.condition, j.variant): j.key for j in jobs} == stimulus_keys(spec)
    published = Path(os.environ.get("XAI_SCREENS_STIMULI", REPO / "media" / "stimuli"))
    for job in jobs:
        if (root / job.key / "manifest.json").is_file():
            continue
        if (published / job.key / "manifest.json").is_file():
            shutil.copytree(published / job.key, root / job.key)
        else:
            run_job(job, root=root)


def test_write_screens(make_study2, browser_assets, new_context, settings, tmp_path):
    videos = tmp_path / "tutorials"
    call_command("make_tutorial_videos", "--out", str(videos), stdout=io.StringIO())
    checkpoint, answer_key, note = checkpoint_for_pictures(browser_assets)
    site = make_study2(videos=(videos,), checkpoint=checkpoint, answer_key=answer_key,
                       publish=False)
    notes = [note, "tutorial videos made by `manage.py make_tutorial_videos` from "
                   "`tutorials/*.yaml`"]
    render_stimuli(site.study, Path(settings.STIMULI_ROOT))
    spec = spec_of(site.study)
    notes.append("stimuli: " + ", ".join(
        f"{c.name} `{c.explainer}` {c.params or ''} key `{stimulus_keys(spec)[(c.name, 0)][:12]}`"
        for c in spec.conditions))
    notes.append("video pages are shot after 2.5 s of playback (paused); the walk then marks "
                 "each video as watched in the database (pictures only)")
    rows = capture_all(site, new_context, notes=notes)
    assert len(rows) >= 25
    for file, _, _ in rows:
        with Image.open(SCREENS / file) as image:
            assert image.width >= 500 and image.height >= 400


def test_write_researcher_screens(study2, new_context):
    """docs/screens/researcher/: the dashboard's live view and a pilot session (small test
    stimuli: these pages are about the researcher's tools, not the explanations)."""
    rows = capture_researcher(study2, new_context, notes=[
        "the participants are bots (tests/bots.py) walking the live flow: three completed, one "
        "screened out by a gate, one at the explanation, one at a video, one withdrawn",
        "preregistration: `analysis/examples/two4two/study2.yaml` (stored, locked by the first "
        "arrival)", "stimuli: small test grids (`tests/browser/assets.py`)"])
    assert [f for f, _, _ in rows] == ["01-dashboard-live.png", "02-pilot-jump-list.png",
                                       "03-pilot-jumped.png"]

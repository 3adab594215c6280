"""docs/adding-a-step-type.md: its Python, HTML and YAML blocks run exactly as written: the new
step type registers, a spec using it loads, a bot walks it through the live flow, its slider
events are logged through the beacon endpoint and its rating is a row of the tidy export."""

import re
from pathlib import Path

import pytest

from studies.exports.tidy import tidy_responses
from studies.loading import load_study
from studies.models import Event, Status
from studies.readiness import problems
from studies.spec import SpecError, parse_spec
from studies.steps import registered, unregister
from tests.bots import PROLIFIC_URL, Bot

DOC = Path(__file__).resolve().parent.parent / "docs" / "adding-a-step-type.md"

pytestmark = pytest.mark.django_db


def blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(), re.S | re.M)


@pytest.fixture(scope="module")
def tutorial():
    """The Python blocks, run once (a parsed spec is cached with the classes it was read with)."""
    namespace = {"__name__": "tutorial"}
    code = blocks("python")
    assert len(code) == 2
    try:
        for block in code:
            exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
        yield namespace
    finally:
        if "rating" in {t.name for t in registered()}:
            unregister("rating")


@pytest.fixture
def rating(tutorial, tmp_path, settings, clock):
    """The type registered and its template (the HTML block) found by Django."""
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    (template,) = blocks("html")
    page = tmp_path / "templates" / "studies" / "steps" / "rating.html"
    page.parent.mkdir(parents=True)
    page.write_text(template)
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]
    return tutorial


def test_tutorial_step_type_runs_end_to_end(rating, tmp_path, clock):
    (snippet,) = blocks("yaml")
    path = tmp_path / "rating-demo.yaml"
    path.write_text(snippet)
    study, _ = load_study(path)
    assert problems(study) == []

    bot = Bot(study, clock)
    bot.enter()
    bot.play()
    p = bot.participant
    assert p.status == Status.COMPLETED and p.completion_code == "RATED"

    moved = Event.objects.get(participant=p, kind="slider_moved")
    assert (moved.step, moved.data, moved.client_ms) == ("trust", {"value": 70.0},
                                                         1763856000000)
    rows = tidy_responses(study)
    (row,) = rows[rows["item_type"] == "rating"].itertuples()
    assert (row.step, row.item, row.response, row.rt_ms) == ("trust", "trust", "70", 2500.0)
    assert row.status == "completed" and row.rt_server_ms == pytest.approx(2000.0)


def test_tutorial_step_type_refuses_bad_answers_and_undeclared_events(rating, tmp_path, clock):
    (snippet,) = blocks("yaml")
    path = tmp_path / "rating-demo.yaml"
    path.write_text(snippet)
    study, _ = load_study(path)
    bot = Bot(study, clock)
    bot.enter()
    bot.post({"consent": "agree"})
    bot.get()
    assert bot.beacon("slider_moved", value="high").status_code == 400
    assert bot.beacon("video", position="3").json() == {"ok": False,
                                                          "error": "bad video report"}
    page = bot.post({"rating": "101"})
    assert page.status_code == 400 and "Please move the slider" in page.content.decode()
    assert not bot.participant.responses.exists()


def test_tutorial_step_fields_are_checked_with_key_and_line(rating):
    (snippet,) = blocks("yaml")
    bad = snippet.replace("    low: not at all\n", "    low: not at all\n    colour: red\n")
    with pytest.raises(SpecError) as caught:
        parse_spec(bad)
    ((where, line, message),) = caught.value.problems
    assert where == "steps[1].colour" and line == bad.splitlines().index("    colour: red") + 1
    assert "unknown" in message

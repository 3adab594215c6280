"""The slider step (studies/steps/slider.py): Borowski et al.'s intuitiveness rating, -100 (not
intuitive) to +100 (intuitive), of feature visualisations for natural images. Its spec refuses
what it does not know with key and line; bots walk it; the rating is a row of the tidy export;
a slider not moved, off the scale or off its grid is refused; every movement is an Event."""

from pathlib import Path

import pytest

from studies.exports.tidy import tidy_responses
from studies.loading import load_study
from studies.models import Event, Response, Status
from studies.readiness import problems
from studies.spec import SpecError, parse_spec
from tests.bots import PROLIFIC_URL, Bot, _png

SLIDER_YAML = """\
slug: intuitiveness
title: Intuitiveness ratings
seed: 3
design: within
prolific:
  codes: {completion: IDONE, screened_out: ISO, no_consent: INC}
payment: {base: 1.00}
conditions:
  - {name: images, explainer: none, target: 5}
steps:
  - {id: consent, type: consent, text: "ok?"}
  - id: intuitive-before
    type: slider
    question: "How intuitive do you find the explanation of these optimized images for the given natural images?"
    min: -100
    max: 100
    step: 1
    anchors: {-100: Not intuitive, 100: Intuitive}
    images:
      - {label: Optimized images, images: [img/fv1.png, img/fv2.png]}
      - {label: Natural images, images: [img/nat1.png]}
  - {id: completion, type: completion}
"""


@pytest.fixture
def slider_study(tmp_path, settings, db, clock):
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    media = Path(settings.MEDIA_ROOT) / "img"
    media.mkdir(parents=True)
    for name, color in (("fv1", (200, 40, 120)), ("fv2", (40, 200, 120)), ("nat1", (90, 90, 90))):
        (media / f"{name}.png").write_bytes(_png(color))
    path = tmp_path / "intuitiveness.yaml"
    path.write_text(SLIDER_YAML)
    return load_study(path)[0]


def _step(yaml_text: str):
    spec = parse_spec(yaml_text)
    return next(s for s in spec.steps if s.type == "slider")


def _error(yaml_text: str) -> str:
    with pytest.raises(SpecError) as exc:
        parse_spec(yaml_text)
    return str(exc.value)


def test_spec_reads_the_papers_scale_and_defaults():
    step = _step(SLIDER_YAML)
    assert (step.min, step.max, step.step, step.start) == (-100.0, 100.0, 1.0, 0.0)
    assert step.anchors == {-100.0: "Not intuitive", 100.0: "Intuitive"}
    assert [g.label for g in step.images] == ["Optimized images", "Natural images"]
    assert [i.file for i in step.images[0].images] == ["img/fv1.png", "img/fv2.png"]
    assert step.require_move is True and step.item == "intuitive-before"
    assert step.items() == ["intuitive-before"]
    bare = _step(SLIDER_YAML.replace("    min: -100\n    max: 100\n    step: 1\n", ""))
    assert (bare.min, bare.max, bare.step) == (-100.0, 100.0, 1.0)


@pytest.mark.parametrize(("change", "message"), [
    (("    step: 1\n", "    step: 1\n    colour: red\n"), r"steps\[1\]\.colour.*line 18"),
    (("    max: 100\n", "    max: -100\n"), r"steps\[1\]\.max.*larger than min.*line 16"),
    (("    step: 1\n", "    step: 0\n"), r"steps\[1\]\.step.*must be positive"),
    (("    step: 1\n", "    step: 30\n"), r"whole number of steps of 30"),
    (("    step: 1\n", "    step: 1\n    start: 150\n"), r"steps\[1\]\.start.*between min and max"),
    (("{-100: Not intuitive", "{-120: Not intuitive"), r"steps\[1\]\.anchors.*-120.*outside"),
    (("{-100: Not intuitive", "{low: Not intuitive"), r"anchors.*'low'.*scale value"),
    (("images: [img/fv1.png, img/fv2.png]", "imgs: [img/fv1.png]"),
     r"steps\[1\]\.images\[0\]\.imgs.*line 20"),
    (("images: [img/fv1.png, img/fv2.png]", "images: [/etc/passwd]"), r"relative to MEDIA_ROOT"),
    (("    require_move", "    require_move"), None),
])
def test_spec_refuses_unknown_keys_and_bad_scales_with_key_and_line(change, message):
    if message is None:  # a no-op change: the shipped text itself has no problem
        assert _step(SLIDER_YAML.replace(*change)).question.startswith("How intuitive")
        return
    text = SLIDER_YAML.replace(*change)
    assert text != SLIDER_YAML
    error = _error(text)
    import re
    assert re.search(message, error), error


def test_bot_walks_the_slider_and_the_rating_is_a_tidy_row(slider_study, clock):
    assert problems(slider_study) == []
    bot = Bot(slider_study, clock)
    bot.enter()
    bot.play()
    p = bot.participant
    assert p.status == Status.COMPLETED and p.completion_code == "IDONE"
    moved = Event.objects.get(participant=p, kind="slider_moved")
    assert moved.step == "intuitive-before" and moved.data == {"value": 50.0}
    frame = tidy_responses(slider_study)
    (row,) = frame[frame["item_type"] == "slider"].itertuples()
    # three quarters up -100..100 is 50
    assert (row.step, row.item, row.response, row.rt_ms) == (
        "intuitive-before", "intuitive-before", "50", 4200.0)
    assert row.rt_server_ms == pytest.approx(4500.0)
    assert row.status == "completed" and row.answer_key == "" and pd_na(row.correct)


def pd_na(value) -> bool:
    import pandas as pd
    return value is pd.NA or pd.isna(value)


def _at_slider(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="intuitive-before")
    assert bot.current_step().id == "intuitive-before"
    return bot


@pytest.mark.parametrize(("posted", "stored"), [
    ({"rating": "0"}, None),                              # never moved: the start is no rating
    ({"rating": "-100", "moved": "1"}, "-100"),           # the low end, negative
    ({"rating": "-37", "moved": "1"}, "-37"),
    ({"rating": "100.5", "moved": "1"}, None),            # beyond max
    ({"rating": "12.5", "moved": "1"}, None),             # off the grid of step 1
    ({"rating": "nan", "moved": "1"}, None),
    ({"rating": "", "moved": "1"}, None),
])
def test_submit_takes_only_a_moved_value_on_the_scale(slider_study, clock, posted, stored):
    bot = _at_slider(slider_study, clock)
    form = bot.form()
    page = bot.post(posted, form)
    rows = list(Response.objects.filter(participant=bot.participant, item_type="slider"))
    if stored is None:
        assert rows == [] and bot.current_step().id == "intuitive-before"
        assert b'id="rating-error"' in page.content
    else:
        assert [r.response for r in rows] == [stored] and bot.current_step().id == "completion"


def test_page_shows_the_images_anchors_and_an_accessible_slider(slider_study, clock):
    bot = _at_slider(slider_study, clock)
    html = bot.get().content.decode()
    assert 'type="range" name="rating" id="rating" min="-100" max="100" step="1"' in html
    assert 'value="0"' in html and 'aria-valuetext="0"' in html
    assert 'aria-labelledby="rating-label"' in html and "How intuitive do you find" in html
    assert html.count('<span class="slider-anchor') == 2 and "Not intuitive" in html
    assert "at-start" in html and "at-end" in html
    assert html.count("<img ") == 3 and "Optimized images" in html and "Natural images" in html
    # the participant may download exactly the rated images
    img = bot.client.get(f"/s/{slider_study.slug}/asset/img/fv1.png")
    assert img.status_code == 200
    assert bot.client.get(f"/s/{slider_study.slug}/asset/img/other.png").status_code == 404


def test_movement_beacons_log_negative_values_and_refuse_non_numbers(slider_study, clock):
    bot = _at_slider(slider_study, clock)
    bot.get()
    assert bot.beacon("slider_moved", value="-42", t="1763856000000").status_code == 200
    assert bot.beacon("slider_moved", value="left").status_code == 400
    (event,) = Event.objects.filter(participant=bot.participant, kind="slider_moved")
    assert event.data == {"value": -42.0} and event.client_ms == 1763856000000

"""The final page (``studies:step`` of an ended session) and the bad-link page speak to the
participant: no step ids, measurements in parentheses or other internal reasons; the internal
``end_reason`` stays stored unchanged for researchers and exports."""

import re

import pytest
from django.urls import reverse

from studies.loading import load_study
from studies.models import Participant, Status
from tests.bots import Bot, write_study

pytestmark = pytest.mark.django_db


def note(page: str, element_id: str) -> str:
    return re.search(rf'<p id="{element_id}">(.*?)</p>', page, re.S).group(1)


def test_small_screen(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="device")
    bot.post({"viewport_width": "500", "viewport_height": "480"})
    text = note(bot.get().content.decode(), "screened-reason")
    assert text == ("Unfortunately you cannot continue with this study. Your screen is too small "
                    "for this study: it needs a window at least 600 pixels wide or high, such as "
                    "a tablet or a computer; your browser window measured 500 × 480 pixels.")
    assert bot.participant.end_reason == ("screen too small (500x480 px; at least 600 px in "
                                          "width or height needed)")


def test_failed_comprehension_gate(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(gate_failures=2)
    p = bot.participant
    assert p.status == Status.SCREENED_OUT and p.end_reason == \
        "failed comprehension check 'gate' 2 times"
    page = bot.get().content.decode()
    assert note(page, "screened-reason") == (
        "Unfortunately you cannot continue with this study. Not all of your answers to the "
        "comprehension questions were correct, also on your last attempt.")
    assert "comprehension check" not in page and "&#x27;gate&#x27;" not in page


def test_overall_time_limit(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    clock.advance(3601)
    page = bot.get().content.decode()
    assert note(page, "timeout-note") == \
        "The time limit of 60 minutes for this study has passed."
    assert "overall time limit" in bot.participant.end_reason


def test_time_limit_of_one_page(tmp_path, settings, clock):
    path = write_study(tmp_path, settings, slug="steplimit")
    path.write_text(path.read_text().replace("    file: tutorials/bot.mp4\n",
                                             "    file: tutorials/bot.mp4\n    time_limit_s: 60\n"))
    bot = Bot(load_study(path)[0], clock)
    bot.enter()
    bot.play(stop_at="video")
    bot.get()
    clock.advance(61)
    page = bot.get().content.decode()
    assert note(page, "timeout-note") == \
        "The time allowed for the page “Tutorial video” has passed."
    assert "on step &#x27;video&#x27;" not in page
    assert "60 s on step 'video'" in bot.participant.end_reason


def test_bad_link_shows_the_study_title(study, client):
    response = client.get(reverse("studies:entry", args=[study.slug]), {"PROLIFIC_PID": "x"})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<span class="brand">Bot study</span>' in page and "Research study" not in page
    assert not Participant.objects.exists()


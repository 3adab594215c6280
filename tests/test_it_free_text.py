"""Free text and other posted values that the database cannot or should not take: too long,
NUL and other control characters, digits that are not ASCII. Each is refused with a message on
the page (400) and nothing is stored; none is a 500 (PostgreSQL refuses NUL in text and JSON)."""

import pytest

from studies.loading import load_study
from studies.models import Event, EventKind, Response
from studies.spec.errors import SpecError
from tests.bots import Bot, write_study

pytestmark = pytest.mark.django_db

CONTROL_MESSAGE = "contains control characters"


def _at(study, clock, step_id):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at=step_id)
    return bot


def _relevance_post(bot, **justifications):
    form = bot.form()
    data = bot.answer(bot.current_step())
    data.update({f"justification-{k}": v for k, v in justifications.items()})
    return bot.post(data, form)


def test_a_two_megabyte_justification_is_refused_with_a_message(study, clock):
    bot = _at(study, clock, "stimulus")
    bot.form()
    assert 'maxlength="2000"' in bot.last.content.decode()  # the browser stops typing there
    response = _relevance_post(bot, legs="The legs " + "x" * 2_000_000)
    assert response.status_code == 400
    assert "Please write at most 2000 characters (this answer has 2000009)." in \
        response.content.decode()
    assert not bot.participant.responses.filter(item_type="relevance").exists()
    assert bot.current_step().id == "stimulus"


def test_line_breaks_count_once_as_the_browser_counts_them(study, clock):
    bot = _at(study, clock, "stimulus")
    text = "The legs differ.\r\n" * 117  # 17 characters a line in the browser, 18 sent
    assert len(text.replace("\r\n", "\n").strip()) <= 2000 < len(text)
    assert _relevance_post(bot, legs=text).status_code == 302
    stored = bot.participant.responses.get(item_type="relevance", item="legs").justification
    assert stored == text.replace("\r\n", "\n").strip()


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_a_justification_are_refused(study, clock, bad):
    bot = _at(study, clock, "stimulus")
    response = _relevance_post(bot, color=f"The colour{bad} changes along the columns.")
    assert response.status_code == 400 and CONTROL_MESSAGE in response.content.decode()
    assert not Response.objects.filter(participant=bot.participant, step="stimulus").exists()


def test_control_characters_in_a_free_text_answer_are_refused(study, clock):
    bot = _at(study, clock, "strategy")
    response = bot.post({"answer": "I looked\x00 at the legs.", "rt_ms": "100"})
    assert response.status_code == 400 and CONTROL_MESSAGE in response.content.decode()
    assert bot.post({"answer": "I looked\tat the\nlegs.", "rt_ms": "100"}).status_code == 302
    assert bot.participant.responses.get(item_type="free_text").response == \
        "I looked\tat the\nlegs."


def test_a_stale_post_naming_a_step_with_nul_is_logged_without_it(study, clock):
    bot = _at(study, clock, "summary")
    form = bot.form()
    response = bot.post({"step": "sum\x00mary\x01", "nonce": form["nonce"]}, form)
    assert response.status_code == 302
    event = Event.objects.filter(participant=bot.participant, kind=EventKind.REJECTED).get()
    assert event.data == {"posted_step": "summary"}


def test_a_focus_report_with_nul_is_stored_without_it(study, clock):
    bot = _at(study, clock, "summary")
    bot.get()
    assert bot.beacon("focus_lost", via="bl\x00ur").status_code == 200
    event = Event.objects.filter(participant=bot.participant, kind=EventKind.FOCUS_LOST).get()
    assert event.data == {"via": "blur"}


@pytest.mark.parametrize("step_id, data", [
    ("device", {"viewport_width": "1280", "viewport_height": "8²"}),
    ("opinion", {"likert-easy": "²", "likert-fun": "4"}),
])
def test_digits_that_are_not_ascii_are_refused(study, clock, step_id, data):
    bot = _at(study, clock, step_id)
    assert bot.post(data).status_code == 400
    assert bot.current_step().id == step_id


def test_a_confidence_that_is_not_an_ascii_digit_is_refused(trial_study, clock):
    bot = Bot(trial_study, clock)
    bot.enter()
    bot.post({"consent": "agree"})
    assert bot.post({"pick": "1-²", "trial": "0", "rt_ms": "900"}).status_code == 400
    assert not bot.participant.responses.exists()


def test_max_justification_chars_below_the_minimum_is_a_spec_error(tmp_path, settings):
    path = write_study(tmp_path, settings, slug="maxjust")
    path.write_text(path.read_text().replace("    min_justification_chars: 20\n",
                                             "    min_justification_chars: 20\n"
                                             "    max_justification_chars: 10\n"))
    with pytest.raises(SpecError, match="max_justification_chars.*at least "
                                        "min_justification_chars"):
        load_study(path)

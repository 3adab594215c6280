"""Expert vs. lay participants (Borowski et al. 2021, Sec. 3, A.1.1, A.2.3) as a recorded
participant attribute: the participant_group step's answer is a row of the export, and its group
and level are participant columns on every one of the participant's rows, so an analysis can
group trials by them; a withdrawn participant's group is left out with their answers."""

import re

import pytest

from studies.exports.tidy import tidy_responses
from studies.models import Response, Status
from studies.spec import SpecError, parse_spec
from tests.borowski_pages import BOROWSKI_PAGES_YAML
from tests.bots import Bot

pytestmark = pytest.mark.django_db


def _error(text: str) -> str:
    with pytest.raises(SpecError) as exc:
        parse_spec(text)
    return str(exc.value)


def test_spec_reads_groups_and_levels():
    spec = parse_spec(BOROWSKI_PAGES_YAML)
    step = next(s for s in spec.steps if s.type == "participant_group")
    assert [(c.group, c.level) for c in step.choices] == [("lay", None), ("expert", 1),
                                                          ("expert", 2), ("expert", 3)]
    assert step.groups() == ["lay", "expert"] and step.items() == ["expertise"]


@pytest.mark.parametrize(("change", "message"), [
    (("group: lay}", "group: lay, colour: red}"), r"steps\[1\]\.choices\[0\]\.colour.*unknown key"),
    (("group: lay}", "group: Lay People}"), r"steps\[1\]\.choices\[0\]\.group"),
    (("group: lay}", "group: expert}"), r"all choices name the same group"),
    (("level: 1}", "level: one}"), r"steps\[1\]\.choices\[1\]\.level"),
    (("    question: \"Which of these", "    qestion: \"Which of these"), r"steps\[1\]\.qestion"),
])
def test_spec_refuses_unknown_keys_and_bad_values_with_key_and_line(change, message):
    text = BOROWSKI_PAGES_YAML.replace(*change, 1)
    assert text != BOROWSKI_PAGES_YAML
    error = _error(text)
    assert re.search(message, error) and "line" in error, error


def _play(study, clock, choice: str | None, *, withdraw=False):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="expertise")
    if choice is not None:
        bot.post({"choice": choice, "rt_ms": "1800"})
    if withdraw:
        bot.withdraw()
    else:
        bot.play()
    return bot


def test_group_and_level_are_columns_on_every_row_of_the_participant(
        borowski_pages_study, clock):
    lay = _play(borowski_pages_study, clock, "0")
    expert = _play(borowski_pages_study, clock, "2")
    quitter = _play(borowski_pages_study, clock, "3", withdraw=True)
    frame = tidy_responses(borowski_pages_study)
    by_pid = {pid: rows for pid, rows in frame.groupby("prolific_pid")}

    rows = by_pid[lay.pid]
    assert set(rows["participant_group"]) == {"lay"} and rows["expertise_level"].isna().all()
    rows = by_pid[expert.pid]
    assert set(rows["participant_group"]) == {"expert"} and set(rows["expertise_level"]) == {2}
    assert len(rows) == 1 + 2 + 3 * 4  # the group row, two ratings, three blocks of 4 trials
    (answer,) = rows[rows["item_type"] == "group"].itertuples()
    assert answer.response == "I have heard of or read about feature visualisations."
    assert answer.item == "expertise" and answer.rt_ms == 1800.0
    rows = by_pid[quitter.pid]
    assert len(rows) == 1 and rows.iloc[0]["participant_group"] == ""
    assert quitter.participant.status == Status.WITHDRAWN
    assert str(frame["expertise_level"].dtype) == "Int64"


def test_an_answer_outside_the_choices_is_refused(borowski_pages_study, clock):
    bot = Bot(borowski_pages_study, clock)
    bot.enter()
    bot.play(stop_at="expertise")
    for bad in ("4", "-1", "expert", ""):
        page = bot.post({"choice": bad})
        assert b'id="choice-error"' in page.content
    assert not Response.objects.filter(participant=bot.participant, item_type="group").exists()
    assert bot.current_step().id == "expertise"
    html = bot.get().content.decode()
    assert html.count('type="radio" name="choice"') == 4
    assert "I have used feature visualisations myself." in html


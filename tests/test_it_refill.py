"""View ``studies:step``: a refused submit (HTTP 400) shows the participant's answers again,
escaped: radios pre-checked, textareas and inputs refilled from the posted values."""

import re

import pytest

from tests.bots import Bot

pytestmark = pytest.mark.django_db

ATTRS = ("legs", "color", "background", "shape", "rotation")
NASTY = 'Legs "differ" & <script>alert(1)</script> across columns.'


def checked_ids(page: str) -> set[str]:
    return set(re.findall(r'<input type="radio"[^>]* id="([^"]+)"[^>]* checked>', page))


def textarea(page: str, name: str) -> str:
    return re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.S).group(1)


def at(study, clock, step_id: str) -> Bot:
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at=step_id)
    return bot


def test_explanation_answers_survive_the_minimum_time(study, clock):
    bot = at(study, clock, "stimulus")
    data = {f"relevance-{a}": "irrelevant" if i % 2 else "relevant" for i, a in enumerate(ATTRS)}
    data |= {f"justification-{a}": f"{NASTY} ({a})" for a in ATTRS}
    data["rt-legs"] = "4321"
    response = bot.post(data)  # at once: the 30 s minimum is not over
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-all"' in page
    assert checked_ids(page) == {f"relevance-{a}-{data[f'relevance-{a}']}" for a in ATTRS}
    for a in ATTRS:
        assert textarea(page, f"justification-{a}") == (
            "Legs &quot;differ&quot; &amp; &lt;script&gt;alert(1)&lt;/script&gt; across "
            f"columns. ({a})")
    assert "<script>alert(1)" not in page
    assert 'id="rt-legs" value="4321"' in page and 'id="rt-color" value=""' in page


def test_explanation_short_justification_keeps_the_others(study, clock):
    bot = at(study, clock, "stimulus")
    form = bot.form()
    data = bot.answer(bot.current_step())  # waits the 30 s
    data["justification-shape"] = " " * 30
    del data["relevance-rotation"]
    page = bot.post(data, form).content.decode()
    assert bot.last.status_code == 400 and bot.participant.step_index == \
        bot.current_step().index
    assert checked_ids(page) == {f"relevance-{a}-{data[f'relevance-{a}']}"
                                 for a in ATTRS if a != "rotation"}
    assert textarea(page, "justification-legs") == "The legs changes along the columns."
    assert textarea(page, "justification-shape").strip() == ""


def test_gate_keeps_the_answered_statements(study, clock):
    bot = at(study, clock, "gate")
    page = bot.post({"statement-legs": "false"}).content.decode()
    assert bot.last.status_code == 400
    assert checked_ids(page) == {"statement-legs-false"}


def test_likert_keeps_the_rated_items(study, clock):
    bot = at(study, clock, "opinion")
    page = bot.post({"likert-easy": "2", "likert-fun": "9", "rt-easy": "800"}).content.decode()
    assert bot.last.status_code == 400
    assert checked_ids(page) == {"likert-easy-2"}
    assert 'id="rt-easy" value="800"' in page


def test_multiple_choice_and_free_text_come_back(study, clock):
    bot = at(study, clock, "expertise")
    page = bot.post({"choice": "guru", "rt_ms": '1" onfocus="x'}).content.decode()
    assert bot.last.status_code == 400 and checked_ids(page) == set()
    assert 'id="rt_ms" value="1&quot; onfocus=&quot;x"' in page
    bot.play(stop_at="strategy")
    page = bot.post({"answer": " <i>", "rt_ms": "700"}).content.decode()
    assert bot.last.status_code == 400
    assert textarea(page, "answer") == " &lt;i&gt;"


def test_a_fresh_page_is_empty(study, clock):
    bot = at(study, clock, "stimulus")
    page = bot.get().content.decode()
    assert checked_ids(page) == set() and textarea(page, "justification-legs") == ""

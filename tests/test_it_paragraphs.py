"""Spec text on participant pages: source wrapping of YAML ``|`` blocks flows as spaces, blank
lines separate paragraphs (``studies.templatetags.study_text.paragraphs``), text is escaped."""

import pytest
from django.template import Context, Template
from django.utils.safestring import mark_safe

from studies.loading import load_study
from studies.templatetags.study_text import paragraphs
from tests.bots import Bot, write_study

WRAPPED = ("The columns are sorted\nby the system's score.\n\n  Compare the columns:\n"
           "a characteristic that changes is <b>relevant</b>.\n")


def test_single_newlines_flow_and_blank_lines_separate_paragraphs():
    assert paragraphs(WRAPPED) == (
        "<p>The columns are sorted by the system&#x27;s score.</p>\n\n"
        "<p>Compare the columns: a characteristic that changes is "
        "&lt;b&gt;relevant&lt;/b&gt;.</p>")


def test_windows_newlines_blank_lines_with_spaces_and_list_items():
    text = "First line\r\nsecond line\r\n   \r\n\r\nSteps:\n- watch\nthe video\n2. answer\n"
    assert paragraphs(text) == ("<p>First line second line</p>\n\n"
                                "<p>Steps:<br>- watch the video<br>2. answer</p>")
    assert paragraphs("") == "" and paragraphs("  \n\n ") == ""


def test_escaping_follows_autoescape_and_safe_input():
    assert paragraphs("a <i>b</i>", autoescape=False) == "<p>a <i>b</i></p>"
    assert paragraphs(mark_safe("a <i>b</i>")) == "<p>a <i>b</i></p>"
    rendered = Template("{% load study_text %}{{ t|paragraphs }}").render(Context({"t": WRAPPED}))
    assert "<br>" not in rendered and "&lt;b&gt;" in rendered and rendered.count("<p>") == 2


@pytest.mark.django_db
def test_wrapped_consent_and_summary_read_as_sentences(tmp_path, settings, clock):
    path = write_study(tmp_path, settings, slug="wrapped")
    path.write_text(path.read_text()
                    .replace('text: "Do you agree?"',
                             "text: |\n      Do you agree to take\n      part <now>?\n\n"
                             "      You may withdraw.")
                    .replace('body: "Peeky has inward legs."',
                             'body: "Peeky has\\ninward legs."'))
    study, _ = load_study(path)
    bot = Bot(study, clock)
    bot.enter()
    page = bot.get().content.decode()
    assert '<div class="prose" id="consent-text"><p>Do you agree to take part &lt;now&gt;?</p>' \
           "\n\n<p>You may withdraw.</p></div>" in page
    bot.play(stop_at="summary")
    page = bot.get().content.decode()
    assert '<div class="prose" id="step-text"><p>Peeky has inward legs.</p></div>' in page

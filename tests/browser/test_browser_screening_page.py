"""The researchers' screening pages in a real browser: a justification of one 2000-character
word (the most the relevance page accepts) or a long free-text answer wraps inside the page
instead of widening it (a 2 MB answer once made the page 16 million pixels wide)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from analysis.models import Annotation
from studies.models import Participant, Response, Status, Study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORD = "legs" * 500
WIDTH = 1280


@pytest.mark.parametrize("page_name", ["analysis:screening", "analysis:agreement"])
def test_long_words_wrap_on_the_screening_pages(new_context, page_name):
    study = Study.objects.create(slug="wide", title="Wide", spec={}, spec_sha256="0")
    p = Participant.objects.create(study=study, prolific_pid="P1", status=Status.COMPLETED)
    Response.objects.create(participant=p, step="relevance", step_index=3, item_type="relevance",
                            item="legs", response="relevant", justification=WORD)
    Response.objects.create(participant=p, step="strategy", step_index=9, item_type="free_text",
                            item="strategy", response=WORD)
    ann, bob = (get_user_model().objects.create_user(n, is_staff=True) for n in ("ann", "bob"))
    Annotation.objects.create(participant=p, annotator=ann, label="include")
    Annotation.objects.create(participant=p, annotator=bob, label="exclude", note=WORD)
    client = Client()
    client.force_login(ann)
    html = client.get(reverse(page_name, args=[study.slug])).content.decode()
    assert html.count(WORD) >= 2
    page = new_context(viewport={"width": WIDTH, "height": 800}).new_page()
    page.set_content(html)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH

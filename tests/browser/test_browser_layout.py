"""The explanation must be fully visible on every window the device check lets through."""

import pytest

from .assets import SLUG
from .participant import BrowserParticipant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALLEST = {"width": 600, "height": 960}  # a portrait tablet: passes the 600 px device check


def test_explanation_fits_the_smallest_allowed_window(study2, new_context):
    you = BrowserParticipant(new_context(), study2)
    you.enter()
    you.pass_until("explanation")
    tablet = you.context.new_page()  # the same session in a window of the smallest size
    tablet.set_viewport_size(SMALLEST)
    tablet.goto(f"{study2.url}/s/{SLUG}/step/")
    tablet.wait_for_function("document.getElementById('stimulus-grid').naturalWidth > 0")
    box = tablet.locator("#stimulus-grid").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= SMALLEST["width"]
    assert tablet.evaluate("document.documentElement.scrollWidth") <= SMALLEST["width"]

"""The explorer in Debian's chromium: the scenes come sorted by score; selecting, mixing a
factor group from a preview, interpolating with the slider and undoing update the score shown,
and each shows the score its preview promised; after a change the page asks its previews one
request per factor group. With XAI_WRITE_SCREENS=1 it also writes
docs/screens/explorer-desktop.png and explorer-tablet.png."""

import os
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from studies.loading import load_study
from studies.models import ExplorerAction
from tests.bots import new_pid
from tests.fixtures.explorer_study import write_explorer_study

from .assets import REPO
from .conftest import PROLIFIC_COMPLETE_URL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TABLET = {"width": 768, "height": 1024}
SCREENS = REPO / "docs" / "screens"
# Each preview is a render and a forward pass on the CPU (about 60 ms idle, seconds when the 2 cores
# are shared); a page shows up to a dozen, so waiting for all of them gets more than the default 20 s.
PREVIEWS_TIMEOUT_MS = 90_000
# an action's answer can queue behind previews still being computed: wait for it as long
ACTION_TIMEOUT_MS = 90_000
PREVIEWS_DONE = """() => {
  const scores = [...document.querySelectorAll('.explorer-preview .explorer-score,'
                                              + ' .explorer-preview-score')];
  return scores.length > 0 && scores.every(s => /^[+-]\\d\\.\\d\\d$/.test(s.textContent));
}"""


def preview_groups(bodies: list[str]) -> list[set[str]]:
    """The factor groups each ``previews`` request of the posted (multipart) bodies names."""
    out = []
    for body in bodies:
        items = re.search(r'name="items"\r\n\r\n([^\r]*)', body)
        if items and re.search(r'name="action"\r\n\r\npreviews\r', body):
            out.append({item.split(":")[0] for item in items.group(1).split(",")})
    return out


def current_score(page) -> str:
    return page.locator("#explorer-current-score").inner_text()


@pytest.fixture
def explorer_site(live_server, settings, tmp_path, server_clock):
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_COMPLETE_URL
    study, _ = load_study(write_explorer_study(tmp_path))
    return study, live_server.url


def test_select_mix_interpolate_undo_update_the_score(explorer_site, new_context):
    study, url = explorer_site
    page = new_context().new_page()
    posted = []
    page.on("request", lambda r: posted.append(r.post_data or "") if "/explore/" in r.url else None)
    query = urlencode({"PROLIFIC_PID": new_pid(), "STUDY_ID": "a" * 24, "SESSION_ID": "b" * 24})
    page.goto(f"{url}/s/{study.slug}/?{query}")
    page.click("#consent-agree")
    expect(page.locator("#step-form")).to_have_attribute("data-step", "explore", timeout=ACTION_TIMEOUT_MS)

    shown = [float(s) for s in page.locator(".explorer-scene").evaluate_all(
        "els => els.map(e => e.dataset.score)")]
    assert shown == sorted(shown, reverse=True) and len(shown) == 4
    labels = page.locator(".explorer-scene .explorer-score").all_inner_texts()
    assert labels == [f"{s:+.2f}" for s in shown]

    page.locator(".explorer-scene").nth(0).click()  # the highest-scoring scene
    expect(page.locator("#explorer-current-score")).to_have_text(labels[0], timeout=ACTION_TIMEOUT_MS)
    page.wait_for_function(PREVIEWS_DONE, timeout=PREVIEWS_TIMEOUT_MS)
    assert preview_groups(posted) == [{"body"}, {"appearance"}, {"scene"}]
    body = page.locator("#group-body .explorer-preview")
    assert body.count() == 3  # one preview per other scene
    promised = [body.nth(i).locator(".explorer-score").inner_text() for i in range(3)]
    pick = max(range(3), key=lambda i: abs(float(promised[i]) - float(labels[0])))
    body.nth(pick).click()  # mix: take the body from that scene
    expect(page.locator("#explorer-current-score")).to_have_text(promised[pick], timeout=ACTION_TIMEOUT_MS)
    expect(page.locator("#explorer-history li").first).to_contain_text("mix body from", timeout=ACTION_TIMEOUT_MS)
    mixed = current_score(page)

    page.wait_for_function(PREVIEWS_DONE, timeout=PREVIEWS_TIMEOUT_MS)
    slider = page.locator("#group-scene .explorer-t")
    slider.evaluate("(el) => { el.value = '0.35'; el.dispatchEvent(new Event('input'));"
                    " el.dispatchEvent(new Event('change')); }")
    expect(page.locator("#group-scene .explorer-t-value")).to_have_text("0.35", timeout=ACTION_TIMEOUT_MS)
    page.wait_for_function(PREVIEWS_DONE, timeout=PREVIEWS_TIMEOUT_MS)
    promised_t = page.locator("#group-scene .explorer-preview-score").inner_text()
    page.click("#group-scene .explorer-apply")
    expect(page.locator("#explorer-history li").first).to_contain_text("interpolate scene", timeout=ACTION_TIMEOUT_MS)
    expect(page.locator("#explorer-current-score")).to_have_text(promised_t, timeout=ACTION_TIMEOUT_MS)

    page.wait_for_function(PREVIEWS_DONE, timeout=PREVIEWS_TIMEOUT_MS)
    if os.environ.get("XAI_WRITE_SCREENS") == "1":
        page.screenshot(path=str(SCREENS / "explorer-desktop.png"), full_page=True)
    page.click("#explorer-undo")
    expect(page.locator("#explorer-history li")).to_have_count(1, timeout=ACTION_TIMEOUT_MS)
    expect(page.locator("#explorer-current-score")).to_have_text(mixed, timeout=ACTION_TIMEOUT_MS)

    tablet = page.context.new_page()  # the same session on a tablet: the state is the server's
    tablet.set_viewport_size(TABLET)
    tablet.goto(f"{url}/s/{study.slug}/step/")
    expect(tablet.locator("#explorer-current-score")).to_have_text(mixed, timeout=ACTION_TIMEOUT_MS)
    tablet.wait_for_function(PREVIEWS_DONE, timeout=PREVIEWS_TIMEOUT_MS)
    assert tablet.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    if os.environ.get("XAI_WRITE_SCREENS") == "1":
        tablet.screenshot(path=str(SCREENS / "explorer-tablet.png"), full_page=True)

    kinds = set(ExplorerAction.objects.values_list("action", flat=True))
    assert {"select", "preview", "mix", "interpolate", "undo"} <= kinds

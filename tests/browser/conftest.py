"""Fixtures of the real-browser tests: Debian's chromium driven by Playwright (sync API) against
pytest-django's live server (PostgreSQL), serving the shipped study-2 spec with a tiny checkpoint,
short tutorial videos and published stimuli.

The browser is package-scoped: Playwright's sync API runs an asyncio loop in the main thread,
which Django refuses to share unless DJANGO_ALLOW_ASYNC_UNSAFE is set; both end with the package,
so the other tests never see either.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from studies.loading import load_study

from .assets import install_tutorials, make_checkpoint, make_tutorials, publish_planned, study2_yaml

CHROMIUM = os.environ.get("XAI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PROLIFIC_COMPLETE_URL = "https://app.prolific.com/submissions/complete?cc="
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="package")
def chromium():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no chromium at {CHROMIUM} (set XAI_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                        headless=True)
            yield browser
            browser.close()
    finally:
        if old is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture
def new_context(chromium):
    """``new_context(viewport=...)``: a fresh browser profile (own cookies) with Playwright's
    controllable clock installed; all closed after the test."""
    made = []

    def new(viewport=DESKTOP):
        context = chromium.new_context(viewport=viewport)
        context.set_default_timeout(20_000)
        context.clock.install()
        made.append(context)
        return context

    yield new
    for context in made:  # no request may still reach the server when the database is flushed
        context.route("**/*", lambda route: route.abort())
        for page in context.pages:
            page.wait_for_load_state("networkidle")
        context.close()


class ServerClock:
    """The study server's clock (``studies.clock.now``): real time plus a settable offset, so a
    test can let the 30 s minimum on the relevance page pass without waiting for it."""

    def __init__(self):
        self.offset = timedelta()

    def now(self):
        return timezone.now() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def server_clock(monkeypatch):
    clock = ServerClock()
    monkeypatch.setattr("studies.clock.now", clock.now)
    return clock


@pytest.fixture(scope="session")
def browser_assets(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-assets")
    return SimpleNamespace(checkpoint=make_checkpoint(root / "checkpoint"),
                           videos=make_tutorials(root / "short"))


@pytest.fixture(scope="session")
def long_intro_video(tmp_path_factory):
    """A 12 s version of the first tutorial, long enough to try skipping ahead."""
    root = tmp_path_factory.mktemp("browser-long-video")
    return make_tutorials(root, names=("intro-peeky-stretchy",), seconds=12.0)


@pytest.fixture
def make_study2(live_server, settings, tmp_path, browser_assets, server_clock):
    """``make_study2(target=None, videos=(), checkpoint=None, answer_key=None, publish=True)``:
    load study 2 and install its videos; publish small test stimuli unless ``publish`` is False
    (then the caller renders them)."""
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_COMPLETE_URL

    def make(*, target: int | None = None, videos=(), checkpoint=None, answer_key=None,
             publish=True):
        install_tutorials(settings.MEDIA_ROOT, *(videos or (browser_assets.videos,)))
        spec = study2_yaml(tmp_path, checkpoint or browser_assets.checkpoint, target=target,
                           answer_key=answer_key)
        study, _ = load_study(spec)
        keys = publish_planned(study, settings.STIMULI_ROOT) if publish else {}
        return SimpleNamespace(study=study, keys=keys, url=live_server.url, clock=server_clock)

    return make


@pytest.fixture
def study2(make_study2):
    return make_study2()

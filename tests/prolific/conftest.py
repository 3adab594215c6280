"""Fixtures shared by the Prolific tests: a local fake Prolific server, a client of it, and the
bot study linked to Prolific study PSTUDY (files that need another study override ``study``)."""

import pytest

from studies.prolific.client import ProlificClient
from tests.fake_prolific import FakeProlific


@pytest.fixture
def fake():
    with FakeProlific(token="tok") as server:
        yield server


@pytest.fixture
def client(fake):
    """A ProlificClient of the fake server (shadows pytest-django's ``client`` here)."""
    return ProlificClient(token="tok", base_url=fake.url, backoff_s=0.001)


@pytest.fixture
def study(tmp_path, settings, db):
    """The bot study (tests.bots.write_study), loaded and linked to Prolific study PSTUDY."""
    from studies.loading import load_study
    from tests.bots import write_study

    s, _ = load_study(write_study(tmp_path, settings, slug="s"))
    s.prolific_study_id = "PSTUDY"
    s.save()
    return s

"""Fixtures shared by the Prolific tests: a local fake Prolific server and a client of it."""

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

"""View ``studies:entry`` (/s/<study>/?PROLIFIC_PID=…)."""

import pytest

from studies.identity import cookie_name
from tests.bots import new_pid

pytestmark = pytest.mark.django_db


def test_entry_sets_a_signed_cookie_and_redirects_to_the_step(study, client):
    response = client.get(f"/s/{study.slug}/", {"PROLIFIC_PID": new_pid().upper()})
    assert response.status_code == 302 and response["Location"] == f"/s/{study.slug}/step/"
    cookie = response.cookies[cookie_name(study)]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert ":" in cookie.value  # signed, not the bare token


def test_entry_rejects_post(study, client):
    assert client.post(f"/s/{study.slug}/").status_code == 405

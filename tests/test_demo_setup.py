"""demo_setup prepares a study end to end and prints URLs that really work."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from studies.models import Study
from tests.bots import write_study


@pytest.mark.django_db
def test_demo_setup_prints_working_participant_and_researcher_urls(tmp_path, settings, client,
                                                                    monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "correct horse battery")
    spec = write_study(tmp_path, settings, slug="demo-bots")
    out = StringIO()
    call_command("demo_setup", spec=str(spec), port=8123, stdout=out)
    text = out.getvalue()

    assert (settings.MEDIA_ROOT / "tutorials" / "index.json").is_file()  # videos were made
    assert Study.objects.filter(slug="demo-bots").exists()
    url = re.search(r"Participant URL: (http://127\.0\.0\.1:8123(/s/demo-bots/\?\S+))", text)
    assert url, text
    assert re.search(r"PROLIFIC_PID=[0-9a-f]{24}&STUDY_ID=[0-9a-f]{24}&SESSION_ID=[0-9a-f]{24}",
                     url.group(2))
    assert "Researcher URL:  http://127.0.0.1:8123/dashboard/demo-bots/" in text
    user = authenticate(username="researcher", password="correct horse battery")
    assert user is not None and user.is_staff

    entry = client.get(url.group(2), follow=True)
    assert entry.status_code == 200
    assert b"consent" in entry.content.lower()
    client.force_login(user)
    assert client.get("/dashboard/demo-bots/").status_code == 200


@pytest.mark.django_db
def test_demo_setup_refuses_a_study_that_is_not_ready(tmp_path, settings):
    spec = write_study(tmp_path, settings, slug="demo-unready", publish=False)
    with pytest.raises(CommandError, match="not ready"):
        call_command("demo_setup", spec=str(spec), stdout=StringIO())

"""The prolific_* management commands against the fake Prolific."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from studies.models import Participant, Status
from tests.fake_prolific import FakeProlific

pytestmark = pytest.mark.django_db

@pytest.fixture
def fake(settings):
    with FakeProlific(token="tok") as server:
        settings.PROLIFIC_API_TOKEN = "tok"
        settings.PROLIFIC_API_URL = server.url
        yield server


@pytest.fixture
def study(tmp_path, settings):
    from studies.loading import load_study
    from tests.bots import write_study

    return load_study(write_study(tmp_path, settings, slug="s2", targets=(80, 80)))[0]


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_draft_and_publish(fake, study):
    out = run("prolific_create_draft", "s2", "--server-url", "https://xai.example.org",
              "--publish")
    study.refresh_from_db()
    assert study.prolific_study_id and "450p, 160 places" in out
    body = fake.calls("POST", "/studies/")[0].body
    assert body["external_study_url"] == (
        "https://xai.example.org/s/s2/?PROLIFIC_PID={{%PROLIFIC_PID%}}"
        "&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}")
    assert [(c["code"], c["code_type"]) for c in body["completion_codes"]] == [
        ("DONE1", "COMPLETED"), ("NOCONS1", "NO_CONSENT"), ("SMALL1", "INCOMPATIBLE_DEVICE"),
        ("SCREEN1", "SCREENED_OUT")]
    assert body["reward"] == 450 and body["estimated_completion_time"] == 30
    assert fake.state.studies[study.prolific_study_id]["status"] == "ACTIVE"
    with pytest.raises(CommandError, match="already has"):
        run("prolific_create_draft", "s2", "--server-url", "https://xai.example.org")


def test_create_draft_errors_are_command_errors(fake, study, settings):
    with pytest.raises(CommandError, match="https://"):
        run("prolific_create_draft", "s2", "--server-url", "http://insecure.example.org")
    with pytest.raises(CommandError, match="no study"):
        run("prolific_create_draft", "nope", "--server-url", "https://x.org")
    settings.PROLIFIC_API_TOKEN = ""
    with pytest.raises(CommandError, match="PROLIFIC_API_TOKEN is not set"):
        run("prolific_create_draft", "s2", "--server-url", "https://x.org")


def test_sync_command(fake, tmp_path, settings):
    from studies.loading import load_study
    from tests.bots import write_study

    study, _ = load_study(write_study(tmp_path, settings, slug="synced"))
    study.prolific_study_id = "PS"
    study.save()
    sub = fake.add_submission("PS", "P1", status="RETURNED")
    Participant.objects.create(study=study, prolific_pid="P1", prolific_session_id=sub,
                               condition=study.conditions.first())
    assert "slots freed: 1 returned" in run("prolific_sync")
    assert Participant.objects.get().status == Status.RETURNED
    with pytest.raises(CommandError, match="no study 'nope'"):
        run("prolific_sync", "--study", "nope")

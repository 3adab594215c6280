"""The draft sent to Prolific: the spec's eligibility filters, the block list, --dry-run."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from studies.models import BlockEntry
from studies.spec import SpecError, load_spec_file
from tests.fake_prolific import FakeProlific
from tests.prolific.specs import ELIGIBILITY, load_with, spec_with

pytestmark = pytest.mark.django_db
SHIPPED = "studies/specs/two4two-study2.yaml"


@pytest.fixture
def fake(settings):
    with FakeProlific(token="tok") as server:
        settings.PROLIFIC_API_TOKEN = "tok"
        settings.PROLIFIC_API_URL = server.url
        yield server


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_eligibility_filters_and_pilot_block_list_go_into_the_draft(fake, tmp_path, settings):
    study = load_with(tmp_path, settings, ELIGIBILITY, block_list=True)
    BlockEntry.objects.create(list_name="bots", prolific_pid="a" * 24, source_study="pilot")
    BlockEntry.objects.create(list_name="bots", prolific_pid="b" * 24, source_study=study.slug)
    BlockEntry.objects.create(list_name="other", prolific_pid="c" * 24, source_study="pilot")
    run("prolific_create_draft", study.slug, "--server-url", "https://xai.example.org")
    body = fake.calls("POST", "/studies/")[0].body
    assert body["filters"] == [
        {"filter_id": "fluent-languages", "selected_values": ["19"]},
        {"filter_id": "highest-education-level-completed", "selected_values": ["4", "5", "6"]},
        {"filter_id": "approval_rate", "selected_range": {"lower": 90, "upper": 100}},
        # the pilot's participant, not this study's own nor another list's
        {"filter_id": "custom_blocklist", "selected_values": ["a" * 24]},
    ]
    assert body["is_custom_screening"] is True
    codes = {c["code"]: c["code_type"] for c in body["completion_codes"]}
    assert codes["SCREEN1"] == "SCREENED_OUT"
    study.refresh_from_db()
    assert fake.state.studies[study.prolific_study_id]["filters"] == body["filters"]


@pytest.mark.parametrize("path", ["studies/specs/two4two-study1.yaml", SHIPPED])
def test_shipped_specs_state_the_preregistered_eligibility(path):
    spec = load_spec_file(path)  # D.1 and D.2 point 7
    by_id = {f.filter_id: f for f in spec.prolific.filters}
    assert by_id["fluent-languages"].labels == ["English"]
    assert (by_id["approval_rate"].lower, by_id["approval_rate"].upper) == (90, 100)
    assert len(by_id["highest-education-level-completed"].labels) == 3
    assert spec.block_list.refuse_listed
    assert spec.prolific.max_places > sum(c.target for c in spec.conditions)


def test_unknown_filter_name_is_an_error_with_key_and_line(tmp_path, settings):
    path = spec_with(tmp_path, settings, "  filters:\n    fluent-language: [English]\n")
    with pytest.raises(SpecError) as info:
        load_spec_file(path)
    [(key, line, message)] = info.value.problems
    assert key == "prolific.filters.fluent-language" and line == 7
    assert "unknown Prolific filter 'fluent-language'" in message


@pytest.mark.parametrize("lines, message", [
    ("    approval_rate: [90]\n", "must be a mapping"),
    ("    approval_rate: {min: 95, max: 90}\n", "above max"),
    ("    approval_rate: {minimum: 90}\n", "unknown key 'minimum'"),
    ("    fluent-languages: English\n", "non-empty list"),
])
def test_badly_shaped_filters_are_errors(tmp_path, settings, lines, message):
    with pytest.raises(SpecError, match=message):
        load_spec_file(spec_with(tmp_path, settings, "  filters:\n" + lines))


def test_max_places_below_the_targets_is_an_error(tmp_path, settings):
    with pytest.raises(SpecError, match="below the 6 places"):
        load_spec_file(spec_with(tmp_path, settings, "  max_places: 5\n"))


def test_a_label_prolific_does_not_offer_is_a_command_error(fake, tmp_path, settings):
    study = load_with(tmp_path, settings, "  filters:\n    fluent-languages: [Englisch]\n")
    with pytest.raises(CommandError, match=r"line 7\): Prolific offers no choice 'Englisch'"):
        run("prolific_create_draft", study.slug, "--server-url", "https://xai.example.org")
    assert fake.calls("POST", "/studies/") == []


def test_dry_run_prints_the_request_and_sends_nothing(fake, tmp_path, settings):
    study = load_with(tmp_path, settings, ELIGIBILITY)
    out = run("prolific_create_draft", study.slug, "--server-url", "https://xai.example.org",
              "--dry-run")
    first, _, rest = out.partition("\n")
    assert first == f"POST {fake.url}studies/"
    body = json.loads(rest)
    assert body["total_available_places"] == 6 and body["reward"] == 450
    # Prolific times out a submission after the spec's time limit plus 5 minutes to submit
    limit = study.spec["time_limit_minutes"]
    assert body["maximum_allowed_time"] == limit + 5
    assert body["estimated_completion_time"] == limit // 2
    assert body["filters"][0] == {"filter_id": "fluent-languages", "selected_values": ["19"]}
    assert [r.method for r in fake.state.requests] == ["GET"]  # only the filter list was read
    study.refresh_from_db()
    assert study.prolific_study_id == ""


def test_maximum_allowed_time_follows_the_shipped_time_limit(fake, settings):
    from studies.loading import load_study

    study, _ = load_study(SHIPPED)  # D.2 point 6: 77 minutes
    out = run("prolific_create_draft", study.slug, "--server-url", "https://xai.example.org",
              "--dry-run")
    body = json.loads(out.partition("\n")[2])
    assert body["maximum_allowed_time"] == 82 and body["estimated_completion_time"] == 38
    run("prolific_create_draft", study.slug, "--server-url", "https://xai.example.org")
    study.refresh_from_db()
    assert fake.state.studies[study.prolific_study_id]["maximum_allowed_time"] == 82


def test_an_estimate_beyond_the_time_limit_is_a_command_error(fake, tmp_path, settings):
    study = load_with(tmp_path, settings)
    with pytest.raises(CommandError, match="beyond the spec's time_limit_minutes"):
        run("prolific_create_draft", study.slug, "--server-url", "https://xai.example.org",
            "--minutes", str(int(study.spec["time_limit_minutes"]) + 1))
    assert fake.calls("POST", "/studies/") == []

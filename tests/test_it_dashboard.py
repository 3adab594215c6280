"""Views ``studies:dashboard``, ``dashboard-status`` and ``download`` (staff only)."""

import pytest

from tests.bots import Bot

pytestmark = pytest.mark.django_db


def test_dashboard_needs_login(study, client):
    for url in (f"/dashboard/{study.slug}/", f"/dashboard/{study.slug}/status.json",
                f"/dashboard/{study.slug}/download/csv", "/dashboard/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_dashboard_counts_flags_and_downloads(study, clock, admin_client):
    done, out = Bot(study, clock), Bot(study, clock)
    done.enter()
    out.enter()
    done.play()
    out.play(gate_failures=2)
    status = admin_client.get(f"/dashboard/{study.slug}/status.json").json()
    by_name = {c["name"]: c for c in status["conditions"]}
    assert sum(c["by_status"]["completed"] for c in by_name.values()) == 1
    assert sum(c["by_status"]["screened_out"] for c in by_name.values()) == 1
    assert sum(c["held"] for c in by_name.values()) == 1
    assert status["render"] == {"alpha": {"expected": 1, "published": 1},
                                "beta": {"expected": 1, "published": 1}}
    assert status["problems"] == []
    page = admin_client.get(f"/dashboard/{study.slug}/").content.decode()
    assert "failed a comprehension gate 2x" in page and out.pid in page
    assert 'id="counts"' in page and "dashboard.js" in page
    csv = admin_client.get(f"/dashboard/{study.slug}/download/csv")
    assert csv.status_code == 200 and csv.content.startswith(b"study,participant,prolific_pid")
    parquet = admin_client.get(f"/dashboard/{study.slug}/download/parquet")
    assert parquet.content[:4] == b"PAR1"
    screened = admin_client.get(f"/dashboard/{study.slug}/download/screened-out")
    assert screened.content.decode() == f"{out.pid}\n"
    assert admin_client.get(f"/dashboard/{study.slug}/download/nope").status_code == 404


def test_dashboard_index_lists_studies(study, admin_client):
    assert study.slug.encode() in admin_client.get("/dashboard/").content


def test_dashboard_counts_the_rendered_images_of_a_generated_2afc_block(admin_client, settings):
    from pathlib import Path

    from django.core.management import call_command

    from studies.loading import load_study

    spec = Path(__file__).parent.parent / "studies" / "specs" / "two-afc-example.yaml"
    study, _ = load_study(spec)
    status = admin_client.get(f"/dashboard/{study.slug}/status.json").json()
    assert status["render"] == {}  # no condition shows a rendered explanation
    assert status["render_blocks"] == [{"step": "trials", "expected": 1, "published": 0}]
    call_command("render_stimuli", str(spec))
    status = admin_client.get(f"/dashboard/{study.slug}/status.json").json()
    assert status["render_blocks"] == [{"step": "trials", "expected": 1, "published": 1}]
    page = admin_client.get(f"/dashboard/{study.slug}/").content.decode()
    assert 'data-block="trials">trials 1 / 1</span>' in page

"""Views ``studies:asset`` and ``studies:stimulus``: files only for participants, only inside
their folders."""

from pathlib import Path

import pytest
from django.test import Client

from tests.bots import Bot, fake_key

pytestmark = pytest.mark.django_db


def test_video_and_stimulus_files_for_participants(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    video = bot.client.get(f"/s/{study.slug}/asset/tutorials/bot.mp4")
    assert video.status_code == 200 and video["Content-Type"] == "video/mp4"
    key = fake_key("alpha")
    grid = bot.client.get(f"/s/{study.slug}/stimulus/{key}/grid.png")
    assert grid.status_code == 200 and grid["Content-Type"] == "image/png"


def test_no_files_outside_or_without_session(study, clock, settings):
    bot = Bot(study, clock)
    bot.enter()
    assert bot.client.get(f"/s/{study.slug}/asset/../../etc/passwd").status_code == 404
    assert bot.client.get(f"/s/{study.slug}/asset/tutorials/none.mp4").status_code == 404
    other = Path(settings.MEDIA_ROOT) / "private.txt"
    other.write_text("not for participants")
    assert bot.client.get(f"/s/{study.slug}/asset/private.txt").status_code == 404
    key = fake_key("alpha")
    assert bot.client.get(f"/s/{study.slug}/stimulus/{key}/manifest.json").status_code == 404
    assert bot.client.get(f"/s/{study.slug}/stimulus/notakey/grid.png").status_code == 404
    assert Client().get(f"/s/{study.slug}/asset/tutorials/bot.mp4").status_code == 403


def test_a_changed_stimulus_file_is_not_served_nor_ready(study, clock, settings):
    from studies.readiness import problems

    bot = Bot(study, clock)
    bot.enter()
    key = fake_key("alpha")
    url = f"/s/{study.slug}/stimulus/{key}/grid.png"
    assert bot.client.get(url).status_code == 200 and problems(study) == []
    grid = Path(settings.STIMULI_ROOT) / key / "grid.png"
    good = grid.read_bytes()
    grid.write_bytes(good[: len(good) // 2])  # truncated after it was served once
    assert bot.client.get(url).status_code == 404
    assert bot.client.get(f"/s/{study.slug}/stimulus/{key}/r00c00.png").status_code == 404
    assert any("grid.png is missing or does not match" in p for p in problems(study))
    grid.write_bytes(good)
    assert bot.client.get(url).status_code == 200 and problems(study) == []
    assert bot.client.get(f"/s/{study.slug}/stimulus/{key}/meta.json").status_code == 404

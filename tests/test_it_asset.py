"""Views ``studies:asset`` and ``studies:stimulus``: files only for participants, only inside
their folders."""

from pathlib import Path

import pytest
from django.test import Client

from studies.loading import load_study
from tests.bots import Bot, fake_key, publish_stimulus, write_study

pytestmark = pytest.mark.django_db


def test_video_and_stimulus_files_for_participants(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    video = bot.client.get(f"/s/{study.slug}/asset/tutorials/bot.mp4")
    assert video.status_code == 200 and video["Content-Type"] == "video/mp4"
    key = fake_key(bot.participant.condition.name)
    grid = bot.client.get(f"/s/{study.slug}/stimulus/{key}/grid.png")
    assert grid.status_code == 200 and grid["Content-Type"] == "image/png"


def test_only_the_own_conditions_video_and_stimulus(tmp_path, settings, clock):
    """A per-condition tutorial (``by_condition``) and the explanation of another condition are
    not served to a participant who never sees them, nor another study's stimulus."""
    path = write_study(tmp_path, settings, slug="own")
    path.write_text(path.read_text().replace(
        "    file: tutorials/bot.mp4\n",
        "    file: tutorials/bot.mp4\n    by_condition:\n      beta: {file: tutorials/beta.mp4}\n"))
    (Path(settings.MEDIA_ROOT) / "tutorials" / "beta.mp4").write_bytes(b"beta's tutorial")
    study, _ = load_study(path)
    publish_stimulus(Path(settings.STIMULI_ROOT), fake_key("elsewhere"))
    seen = {}
    while len(seen) < 2:
        bot = Bot(study, clock)
        bot.enter()
        seen.setdefault(bot.participant.condition.name, bot)
    for mine, other in (("alpha", "beta"), ("beta", "alpha")):
        client = seen[mine].client
        video = {"alpha": "bot", "beta": "beta"}
        assert client.get(f"/s/own/asset/tutorials/{video[mine]}.mp4").status_code == 200
        assert client.get(f"/s/own/asset/tutorials/{video[other]}.mp4").status_code == 404
        assert client.get(f"/s/own/stimulus/{fake_key(mine)}/grid.png").status_code == 200
        assert client.get(f"/s/own/stimulus/{fake_key(other)}/grid.png").status_code == 404
        assert client.get(f"/s/own/stimulus/{fake_key('elsewhere')}/grid.png").status_code == 404


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


def test_a_trial_shows_its_stimulus_cell_and_its_images(trial_study, clock):
    bot = Bot(trial_study, clock)
    bot.enter()
    key = fake_key("trials")
    assert bot.client.get(f"/s/trial-bot/stimulus/{key}/r00c01.png").status_code == 200
    assert bot.client.get("/s/trial-bot/asset/img/a.png").status_code == 200

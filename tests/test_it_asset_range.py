"""HTTP Range requests on participant files (``studies.ranges``): browsers need 206 answers to
seek in tutorial videos and Safari needs them to play MP4 at all."""

from pathlib import Path

import pytest
from django.test import Client

from studies.ranges import CHUNK, Unsatisfiable, parse_range
from tests.bots import Bot, fake_key

SIZE = 1000


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-99", (0, 99)),
    ("bytes=100-199", (100, 199)),
    ("bytes=990-5000", (990, 999)),     # last byte past the end: clamped
    ("bytes=999-999", (999, 999)),
    ("bytes=500-", (500, 999)),
    ("bytes=-10", (990, 999)),
    ("bytes=-5000", (0, 999)),          # suffix longer than the file: the whole file
    ("BYTES=0-0", (0, 0)),
])
def test_single_ranges(header, expected):
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize("header", [
    "", "bytes=", "bytes=-", "bytes=abc-", "bytes=5-2", "items=0-5", "bytes=0-1,5-6",
    "bytes=0-1, 5-6", "bytes=" + "9" * 30 + "-", "bytes=1.5-2", "bytes 0-5",
])
def test_malformed_or_multiple_ranges_mean_the_whole_file(header):
    assert parse_range(header, SIZE) is None


@pytest.mark.parametrize(("header", "size"), [
    ("bytes=1000-", SIZE), ("bytes=1000-2000", SIZE), ("bytes=-0", SIZE), ("bytes=0-", 0),
    ("bytes=-5", 0),
])
def test_unsatisfiable_ranges(header, size):
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)


@pytest.fixture
def video(study, settings):
    """The bot study's tutorial video, replaced by a file of known bytes (3 read chunks)."""
    data = bytes(range(256)) * (3 * CHUNK // 256 + 7)
    path = Path(settings.MEDIA_ROOT) / "tutorials" / "bot.mp4"
    path.write_bytes(data)
    return data


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_video_is_answered_in_ranges(study, clock, video):
    bot = Bot(study, clock)
    bot.enter()
    url, size = f"/s/{study.slug}/asset/tutorials/bot.mp4", len(video)
    whole = bot.client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert _body(whole) == video and int(whole["Content-Length"]) == size
    part = bot.client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part["Content-Type"] == "video/mp4"
    assert part["Content-Range"] == f"bytes 100-199/{size}" and part["Content-Length"] == "100"
    assert part["Accept-Ranges"] == "bytes" and _body(part) == video[100:200]
    tail = bot.client.get(url, headers={"Range": f"bytes={CHUNK - 3}-"})  # spans chunks
    assert tail.status_code == 206 and _body(tail) == video[CHUNK - 3:]
    assert tail["Content-Range"] == f"bytes {CHUNK - 3}-{size - 1}/{size}"
    suffix = bot.client.get(url, headers={"Range": "bytes=-10"})
    assert suffix.status_code == 206 and _body(suffix) == video[-10:]
    beyond = bot.client.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{size}"
    multi = bot.client.get(url, headers={"Range": "bytes=0-1,5-6"})
    assert multi.status_code == 200 and _body(multi) == video
    conditional = bot.client.get(url, headers={"Range": "bytes=0-1", "If-Range": '"x"'})
    assert conditional.status_code == 200 and _body(conditional) == video


@pytest.mark.django_db
def test_ranges_keep_the_participant_check(study, clock, video, settings):
    stranger = Client()
    url = f"/s/{study.slug}/asset/tutorials/bot.mp4"
    assert stranger.get(url, headers={"Range": "bytes=0-9"}).status_code == 403
    bot = Bot(study, clock)
    bot.enter()
    (Path(settings.MEDIA_ROOT) / "private.mp4").write_bytes(b"secret" * 10)
    assert bot.client.get(f"/s/{study.slug}/asset/private.mp4",
                          headers={"Range": "bytes=0-3"}).status_code == 404
    grid = bot.client.get(f"/s/{study.slug}/stimulus/{fake_key('alpha')}/grid.png",
                          headers={"Range": "bytes=0-7"})
    assert grid.status_code == 206 and _body(grid) == b"\x89PNG\r\n\x1a\n"

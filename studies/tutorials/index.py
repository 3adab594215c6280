"""Where the participant flow finds a generated tutorial video and its duration.

    from studies.tutorials.index import generated_video
    video = generated_video("intro-peeky-stretchy")   # -> TutorialVideo(url, path, duration_s)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

SUBDIR = "tutorials"


class TutorialNotMade(LookupError):
    """The spec names a generated tutorial that has not been made yet."""


@dataclass(frozen=True)
class TutorialVideo:
    name: str
    url: str
    path: Path
    duration_s: float


def tutorials_root() -> Path:
    return Path(settings.MEDIA_ROOT) / SUBDIR


def generated_video(name: str) -> TutorialVideo:
    root = tutorials_root()
    index_path = root / "index.json"
    entry = json.loads(index_path.read_text()).get(name) if index_path.is_file() else None
    if entry is None or not (root / entry["file"]).is_file():
        raise TutorialNotMade(
            f"tutorial video {name!r} has not been made: run "
            f"`python manage.py make_tutorial_videos --only {name}`"
        )
    return TutorialVideo(
        name=name,
        url=f"{settings.MEDIA_URL}{SUBDIR}/{entry['file']}",
        path=root / entry["file"],
        duration_s=float(entry["duration_s"]),
    )

"""Files participants see: tutorial videos and trial images under MEDIA_ROOT, stimuli under
STIMULI_ROOT. Paths are checked so that nothing outside those folders can be named."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from .spec.steps import VideoSpec

TUTORIALS_DIR = "tutorials"  # generated tutorial videos: MEDIA_ROOT/tutorials/<name>.mp4


def media_file(relative: str) -> Path | None:
    """The file ``relative`` below MEDIA_ROOT, or None if it escapes the folder."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) else None


def video_relative(step: VideoSpec) -> str:
    return step.file or f"{TUTORIALS_DIR}/{step.generated}.mp4"


def video_path(step: VideoSpec) -> Path | None:
    return media_file(video_relative(step))


@lru_cache(maxsize=64)
def _probe(path: str, mtime: float) -> float | None:
    if not shutil.which("ffprobe"):
        return None
    try:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", path],
            capture_output=True, text=True, timeout=20, check=True).stdout
        return float(json.loads(out)["format"]["duration"])
    except (subprocess.SubprocessError, KeyError, ValueError, OSError):
        return None


def video_duration(step: VideoSpec) -> float | None:
    """Seconds: the spec's ``duration_s`` if given, else measured with ffprobe."""
    if step.duration_s:
        return step.duration_s
    if step.generated:
        from .tutorials.index import TutorialNotMade, generated_video

        try:
            return generated_video(step.generated).duration_s
        except (TutorialNotMade, OSError, ValueError, KeyError):
            pass
    path = video_path(step)
    if path is None or not path.is_file():
        return None
    return _probe(str(path), path.stat().st_mtime)

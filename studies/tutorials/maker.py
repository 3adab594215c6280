"""Make tutorial videos from scripts: content-addressed MP4s plus an index with their durations.

Each video is stored as ``<name>-<key12>.mp4`` where the key hashes the script, the generator's
code version, this maker's version and espeak-ng's version, so unchanged videos are not rendered
again; ``<name>.mp4`` is a hard link to the latest render (the path a spec's ``generated: <name>``
video resolves to). ``index.json`` beside them maps each tutorial name to its file, duration and hashes; the
participant flow reads it (see :mod:`studies.tutorials.index`) for server-side "watched to the
end" checks.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from .narration import assemble, join_audio, probe, speak, tool_versions
from .script import TutorialScript, load_script
from .slides import compose

MAKER_VERSION = "2"  # 2: caption band at the top of the slide
INDEX = "index.json"
GAP_S = 0.6  # silence after each slide's narration


@dataclass(frozen=True)
class MadeVideo:
    name: str
    title: str
    file: str
    duration_s: float
    sha256: str
    key: str
    slide_seconds: list[float]

    def to_dict(self) -> dict:
        return asdict(self)


def video_key(script: TutorialScript, *, tools: str | None = None) -> str:
    from explainers.synthetic import code_version

    parts = {
        "script": script.source_sha256,
        "generator": code_version(),
        "maker": MAKER_VERSION,
        "tools": tools if tools is not None else tool_versions(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def read_index(out_dir: Path) -> dict[str, dict]:
    path = Path(out_dir) / INDEX
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def _write_index(out_dir: Path, index: dict) -> None:
    tmp = Path(out_dir) / f".{INDEX}.tmp"
    tmp.write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, Path(out_dir) / INDEX)


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_video(
    script: TutorialScript, out_dir: Path, *, force=False, progress=True
) -> tuple[MadeVideo, bool]:
    """Render one tutorial unless an identical one exists. Returns (video, rendered_now)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    key = video_key(script)
    target = out_dir / f"{script.name}-{key[:12]}.mp4"
    known = read_index(out_dir).get(script.name)
    if not force and known and known.get("key") == key and target.is_file():
        try:
            made = MadeVideo(**known)
            if not (out_dir / f"{script.name}.mp4").is_file():
                _publish_stable_name(target, out_dir / f"{script.name}.mp4")
            return made, False
        except TypeError:  # an index written by another maker version: render again
            pass
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".render-") as tmp_name:
        tmp = Path(tmp_name)
        pictures, sounds = [], []
        bar = tqdm(script.slides, desc=script.name, unit="slide", disable=not progress)
        for i, slide in enumerate(bar):
            png, wav = tmp / f"slide{i:02d}.png", tmp / f"slide{i:02d}.wav"
            compose(slide, title=script.title).save(png)
            spoken = speak(slide.narration, wav, voice=script.voice,
                           words_per_minute=script.words_per_minute)
            seconds = round(max(spoken + GAP_S, slide.min_seconds), 2)
            pictures.append((png, seconds))
            sounds.append((wav, seconds))
        join_audio(sounds, tmp / "narration.wav")
        rendered = tmp / "video.mp4"
        assemble(pictures, tmp / "narration.wav", rendered)
        duration = probe(rendered).duration_s
        sha = _file_sha256(rendered)
        os.replace(rendered, target)
        _publish_stable_name(target, out_dir / f"{script.name}.mp4")
    made = MadeVideo(name=script.name, title=script.title, file=target.name,
                     duration_s=round(duration, 3), sha256=sha, key=key,
                     slide_seconds=[seconds for _, seconds in pictures])
    index = read_index(out_dir)
    old = index.get(script.name)
    index[script.name] = made.to_dict()
    _write_index(out_dir, index)
    if old and old.get("file") != made.file:
        (out_dir / old["file"]).unlink(missing_ok=True)  # the superseded render
    return made, True


def _publish_stable_name(target: Path, stable: Path) -> None:
    """``<name>.mp4`` (what study specs' ``generated: <name>`` resolve to) = the latest render."""
    tmp = stable.with_name(f".{stable.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(target, tmp)  # a hard link: no copy, atomic swap below
    except OSError:
        shutil.copy2(target, tmp)
    os.replace(tmp, stable)


def make_all(script_dir: Path, out_dir: Path, *, only: list[str] | None = None, force=False,
             progress=True) -> list[tuple[MadeVideo, bool]]:
    paths = sorted(Path(script_dir).glob("*.yaml"))
    if only:
        missing = set(only) - {p.stem for p in paths}
        if missing:
            names = ", ".join(sorted(missing))
            raise FileNotFoundError(f"no tutorial script(s) {names} in {script_dir}")
        paths = [p for p in paths if p.stem in only]
    return [make_video(load_script(p), out_dir, force=force, progress=progress) for p in paths]

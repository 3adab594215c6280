"""What the browser tests serve: the shipped study-2 spec pointed at a tiny checkpoint, short
tutorial videos made by ``manage.py make_tutorial_videos``, and published stimuli.

The spec is the real ``studies/specs/two4two-study2.yaml``; only its checkpoint (and the answer
key file beside it) is replaced, and optionally the per-condition target. The tutorials keep
their names but are short test scripts (one title slide each), because the server accepts a
video only after wall-clock time covering its duration has passed.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from django.core.management import call_command

from explainers.models.model_registry import describe_bundle
from studies import stimuli
from studies.runtime import spec_of
from tests.bots import publish_stimulus
from tests.fixtures.tiny_explainer_setup import tiny_checkpoint

REPO = Path(__file__).resolve().parents[2]
STUDY2 = REPO / "studies" / "specs" / "two4two-study2.yaml"
SLUG = "two4two-study2"
CONDITIONS = ("baseline", "inn", "concepts")
TUTORIALS = ("intro-peeky-stretchy", "intro-ml-biases", "condition-baseline", "condition-inn",
             "condition-concepts")
# Appendix D.2, point 3: LEGS, COLOR, SHAPE relevant; BACK and ROT irrelevant.
ANSWER_KEY = {"legs": "relevant", "color": "relevant", "background": "irrelevant",
              "shape": "relevant", "rotation": "irrelevant"}
CODES = {"completion": "C2T4T2OK", "screened_out": "C2T4T2SO", "device": "C2T4T2DV",
         "timed_out": "C2T4T2TO"}

SCRIPT = """\
title: "{title}"
slides:
  - caption: "{title}"
    image: {{kind: title, text: "{title}"}}
    narration: "{narration}"
    min_seconds: {seconds}
"""


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise LookupError(f"{STUDY2.name} no longer contains {old!r}: update "
                          "tests/browser/assets.py")
    return text.replace(old, new)


def study2_yaml(folder: Path, checkpoint: Path, *, target: int | None = None,
                answer_key: Path | None = None, replace: dict[str, str] | None = None) -> Path:
    """The shipped study-2 spec with ``checkpoint`` swapped in; the answer key is read from
    ``answer_key`` (default: the checkpoint's ground_truth.json); ``replace`` edits more text.

    The concepts condition reads flow step 2.7 of the shipped model; a smaller checkpoint (the
    tiny test model has one step per level) gets its own last step of level 2 instead, since
    load_study refuses a layer the model does not have."""
    text = STUDY2.read_text(encoding="utf-8")
    text = _replace(text, "checkpoint: checkpoints/study\n", f"checkpoint: {checkpoint}\n")
    layers = describe_bundle(checkpoint).layers
    if "2.7" not in layers:
        level2 = [layer for layer in layers if layer.startswith("2.")]
        text = _replace(text, 'layer: "2.7"', f'layer: "{level2[-1]}"')
    text = _replace(text, "answer_key_from: checkpoints/study/ground_truth.json",
                    f"answer_key_from: {answer_key or checkpoint / 'ground_truth.json'}")
    if target is not None:
        text = _replace(text, "target: 80", f"target: {target}")
    for old, new in (replace or {}).items():
        text = _replace(text, old, new)
    path = Path(folder) / f"{SLUG}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def make_checkpoint(folder: Path) -> Path:
    """The tiny test model as a real checkpoint bundle, with the study's answer key."""
    folder, _ = tiny_checkpoint(Path(folder))
    (folder / "ground_truth.json").write_text(json.dumps(
        {"factors": {}, "threshold": None, "answer_key": ANSWER_KEY,
         "note": "answer key of Appendix D.2 for the browser tests, not measured"}))
    return folder


def make_tutorials(out: Path, *, names=TUTORIALS, seconds: float = 2.0) -> Path:
    """Short narrated MP4s under the study's tutorial names, made by the real command."""
    scripts = Path(out) / "scripts"
    scripts.mkdir(parents=True, exist_ok=True)
    for name in names:
        (scripts / f"{name}.yaml").write_text(SCRIPT.format(
            title=f"{name} (short test video)", narration="Test video.", seconds=seconds))
    videos = Path(out) / "videos"
    call_command("make_tutorial_videos", "--scripts", str(scripts), "--out", str(videos),
                 stdout=io.StringIO())
    return videos


def install_tutorials(media_root: Path, *sources: Path) -> None:
    """Copy made videos into MEDIA_ROOT/tutorials; later sources replace earlier entries."""
    target = Path(media_root) / "tutorials"
    target.mkdir(parents=True, exist_ok=True)
    index = {}
    for source in sources:
        for path in source.glob("*.mp4"):
            shutil.copyfile(path, target / path.name)
        index.update(json.loads((source / "index.json").read_text()))
    (target / "index.json").write_text(json.dumps(index))


def publish_planned(study, root: Path) -> dict[tuple[str, int], str]:
    """Publish a small valid 10x5 stimulus under every key the renderer plans for ``study``."""
    keys = stimuli.stimulus_keys(spec_of(study))
    for key in keys.values():
        publish_stimulus(Path(root), key, rows=10, cols=5)
    return keys

"""Tutorial videos: a 2-slide script is rendered, probed, content-addressed and indexed."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from studies.tutorials.index import TutorialNotMade, generated_video
from studies.tutorials.maker import make_video, read_index
from studies.tutorials.narration import probe
from studies.tutorials.script import TutorialScriptError, load_script, parse_script

REPO = Path(__file__).resolve().parent.parent

SCRIPT = """
title: "Two slides"
slides:
  - caption: "Hello"
    image: {kind: title, text: "A test video"}
    narration: "This is the first slide."
  - caption: "Two Peekies"
    image: {kind: samples, label: peeky, n: 2, cols: 2, seed: 1, size: 48}
    narration: "Here are two animals, rendered by the generator."
"""


@pytest.fixture
def script_dir(tmp_path):
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "two-slides.yaml").write_text(SCRIPT)
    return folder


def test_video_has_expected_duration_and_streams(script_dir, tmp_path):
    video, rendered = make_video(load_script(script_dir / "two-slides.yaml"), tmp_path / "out",
                                 progress=False)
    path = tmp_path / "out" / video.file
    info = probe(path)
    assert rendered and len(video.slide_seconds) == 2
    assert info.duration_s == pytest.approx(sum(video.slide_seconds), abs=0.25)
    assert info.duration_s > 3  # two spoken sentences, not an empty clip
    assert info.codecs == {"video": "h264", "audio": "aac"}
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: playable while loading
    assert len(data) < 400_000
    entry = read_index(tmp_path / "out")["two-slides"]
    assert entry["file"] == video.file and entry["duration_s"] == video.duration_s


def test_unchanged_scripts_are_not_rendered_again(script_dir, tmp_path):
    out = tmp_path / "out"
    first, _ = make_video(load_script(script_dir / "two-slides.yaml"), out, progress=False)
    mtime = (out / first.file).stat().st_mtime_ns
    again, rendered = make_video(load_script(script_dir / "two-slides.yaml"), out, progress=False)
    assert not rendered and again == first and (out / first.file).stat().st_mtime_ns == mtime
    (script_dir / "two-slides.yaml").write_text(SCRIPT.replace("first slide", "opening slide"))
    changed, rendered = make_video(load_script(script_dir / "two-slides.yaml"), out,
                                   progress=False)
    assert rendered and changed.file != first.file
    assert not (out / first.file).exists()  # the superseded render is removed
    assert sorted(p.name for p in out.glob("*.mp4")) == sorted([changed.file, "two-slides.mp4"])
    # the name a spec's `generated: two-slides` resolves to is the latest render
    assert (out / "two-slides.mp4").read_bytes() == (out / changed.file).read_bytes()
    (out / "two-slides.mp4").unlink()
    make_video(load_script(script_dir / "two-slides.yaml"), out, progress=False)
    assert (out / "two-slides.mp4").is_file()


def test_command_and_lookup_for_the_flow(script_dir, settings, tmp_path):
    with pytest.raises(TutorialNotMade, match="make_tutorial_videos --only two-slides"):
        generated_video("two-slides")
    call_command("make_tutorial_videos", "--scripts", str(script_dir))
    video = generated_video("two-slides")
    assert video.path.is_file() and video.path.parent == Path(settings.MEDIA_ROOT) / "tutorials"
    assert video.url == f"{settings.MEDIA_URL}tutorials/{video.path.name}"
    assert video.duration_s == pytest.approx(probe(video.path).duration_s)


def test_bad_scripts_get_clear_errors(script_dir):
    with pytest.raises(TutorialScriptError, match="slide 2: narration"):
        parse_script("title: T\nslides:\n  - narration: hi\n  - caption: x\n", name="t")
    with pytest.raises(TutorialScriptError, match="image.kind must be one of"):
        parse_script("title: T\nslides:\n  - {narration: hi, image: {kind: movie}}\n", name="t")
    (script_dir / "broken.yaml").write_text("title: [unclosed\n")
    with pytest.raises(CommandError, match="broken.*not valid YAML"):
        call_command("make_tutorial_videos", "--scripts", str(script_dir), "--only", "broken")
    with pytest.raises(CommandError, match="no tutorial script"):
        call_command("make_tutorial_videos", "--scripts", str(script_dir), "--only", "nope")


def test_shipped_scripts_cover_every_generated_video_of_the_specs():
    names = {p.stem for p in (REPO / "tutorials").glob("*.yaml")}
    for name in names:
        load_script(REPO / "tutorials" / f"{name}.yaml")  # all parse
    wanted = set()
    for spec in (REPO / "studies" / "specs").glob("*.yaml"):
        for line in spec.read_text().splitlines():
            if "generated:" in line:
                wanted.add(line.split("generated:")[1].strip(" {}").split("}")[0].strip())
    assert wanted <= names, f"tutorial scripts missing for {sorted(wanted - names)}"


def test_caption_band_sits_at_the_top_clear_of_the_browser_controls():
    # Browsers draw their video controls over the bottom of a paused or hovered video, so the
    # caption band is at the top and the bottom strip is plain slide background.
    from studies.tutorials.script import Slide
    from studies.tutorials.slides import BACKGROUND, CAPTION_H, HEIGHT, compose

    slide = Slide(caption="Meet Peeky and Stretchy", narration="",
                  image={"kind": "title", "text": "A test video"})
    pixels = compose(slide, title="T").convert("RGB")
    assert pixels.getpixel((3, 3)) == (36, 52, 71)  # band colour, top-left corner
    assert pixels.getpixel((3, CAPTION_H - 2)) == (36, 52, 71)
    bottom = pixels.crop((0, HEIGHT - CAPTION_H, pixels.width, HEIGHT))
    assert [color for _, color in bottom.getcolors()] == [BACKGROUND]

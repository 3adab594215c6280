"""2AFC trials drawn from an image folder's CSV (``generate: {source: image_folder}``): bots
walk a spec of generated images, the export carries the trials and every answer key agrees
with the CSV read here independently (page -> image URL -> manifest cell -> CSV row); bad
keys, values and columns are refused at load_study with key and line (and CSV row); a changed
image or CSV changes the stimulus key without a restart."""

import csv
import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image

from studies.exports.tidy import tidy_responses
from studies.loading import load_study
from studies.spec.errors import SpecError
from studies.stimuli import verified_manifest
from tests.bots import Bot

pytestmark = pytest.mark.django_db
N = 40


@pytest.fixture(autouse=True)
def _recheck_at_once(settings):
    settings.IMAGE_FOLDER_RECHECK_S = 0  # the folder is listed on every call (default: 1 s)


def make_folder(root: Path) -> Path:
    """``N`` PNGs, a red or blue square on grey; labels.csv: label independent of colour."""
    folder = root / "shapes"
    folder.mkdir(parents=True)
    rows = [["image", "label", "colour", "size_px"]]
    rng = np.random.default_rng(1)
    for i in range(N):
        px = np.full((48, 48, 3), 128, np.uint8)
        side = int(rng.integers(10, 30))
        red = i % 2 == 1
        px[6:6 + side, 6:6 + side] = (220, 30, 30) if red else (30, 30, 220)
        Image.fromarray(px).save(folder / f"s{i:02d}.png")
        rows.append([f"s{i:02d}.png", "dog" if i % 3 == 0 else "cat", "red" if red else "blue",
                     str(side)])
    with (folder / "labels.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return folder


def spec_text(folder: Path, generate: str, images: str | None = None) -> str:
    images = images or (f"{{source: image_folder, folder: {folder}, "
                        f"labels: {folder / 'labels.csv'}}}")
    return textwrap.dedent(f"""\
        slug: folder-trials
        title: "Which square is red?"
        seed: 5
        design: within
        class_names: [cat, dog]
        images: {images}
        prolific:
          codes: {{completion: CFOLDOK, screened_out: CFOLDSO, no_consent: CFOLDNC}}
        payment: {{base: 1.00}}
        conditions:
          - {{name: images, explainer: none, target: 10}}
        steps:
          - id: consent
            type: consent
            text: "You will pick images."
          - id: trials
            type: trial_block
            question: "Which of the two images shows a red square?"
            generate: {generate}
          - id: completion
            type: completion
        """)


GENERATE = ("{source: image_folder, attribute: colour, value: red, references: 2, "
            "practice: 1, main: 5, catch: 1, size: 32}")


def write(tmp_path, text) -> Path:
    path = tmp_path / "folder-trials.yaml"
    path.write_text(text)
    return path


def csv_rows(folder: Path) -> dict:
    with (folder / "labels.csv").open(newline="") as fh:
        return {row["image"]: row for row in csv.DictReader(fh)}


def rendered_walk_to(step: str, path: Path, folder: Path, clock):
    """The study at ``path`` loaded (not open until rendered), rendered, and a bot entered and
    walked up to ``step``; returns the study, the bot and the folder's CSV rows read here."""
    study, _ = load_study(path)
    assert b"not open yet" in Bot(study, clock).enter().content
    call_command("render_stimuli", str(path))
    bot = Bot(study, clock)
    assert bot.enter().status_code == 302
    bot.play(stop_at=step)
    return study, bot, csv_rows(folder)


def test_bots_walk_csv_trials_and_every_answer_follows_the_csv(tmp_path, settings, clock):
    folder = make_folder(tmp_path)
    path = write(tmp_path, spec_text(folder, GENERATE))
    study, bot, truth = rendered_walk_to("trials", path, folder, clock)
    seen, keys = {}, set()
    for n in range(7):
        page = bot.get().content.decode()
        cells = re.findall(r"/s/folder-trials/stimulus/([0-9a-f]{64})/(r\d\dc\d\d\.png)", page)
        assert len(cells) == 2 + 2 * 2  # two options, two references per side
        keys |= {k for k, _ in cells}
        (key,) = keys
        manifest = verified_manifest(key)
        by_file = {c["file"]: c["scene"] for c in manifest["cells"]}
        option_files = re.findall(r'/stimulus/[0-9a-f]{64}/(r\d\dc\d\d\.png)" alt="option \d"',
                                  page)
        assert len(option_files) == 2
        options = [by_file[f]["image"] for f in option_files]
        # the CSV, read here: which option shows a red square
        red = [truth[name]["colour"] == "red" for name in options]
        assert sorted(red) == [False, True]
        trial = int(re.search(r'name="trial" value="(\d+)"', page).group(1))
        assert trial == n
        wrong = n == 3  # one main trial answered wrong on purpose
        choice = red.index(not wrong)
        refs = re.findall(r'/stimulus/[0-9a-f]{64}/(r\d\dc\d\d\.png)" alt="red example"', page)
        assert len(refs) == 2 and all(truth[by_file[f]["image"]]["colour"] == "red"
                                      for f in refs)
        seen[n] = (options, choice, not wrong, {by_file[f]["image"] for f in refs})
        form = bot.form()
        clock.advance(1.0)
        bot.post({"pick": f"{choice}-2", "trial": str(n), "rt_ms": "900"}, form)
    bot.play()
    assert bot.participant.status == "completed"
    rows = tidy_responses(study)
    trials = rows[rows.item_type == "trial"].sort_values("trial")
    assert len(trials) == 7 and trials.trial_kind.tolist().count("catch") == 1
    for _, row in trials.iterrows():
        options, choice, right, refs = seen[int(row.trial)]
        assert int(row.response) == choice and bool(row.correct) == right
        assert truth[options[int(row.answer_key)]]["colour"] == "red"
        # a catch trial's right option is a copy of a reference image, no other option is
        assert (options[int(row.answer_key)] in refs) == (row.trial_kind == "catch")
    manifest = verified_manifest(next(iter(keys)))
    assert manifest["kind"] == "folder_images" and manifest["row_labels"] == ["blue", "red"]
    assert {c["scene"]["colour"] for c in manifest["cells"] if c["row"] == 1} == {"red"}
    assert {c["scene"]["colour"] for c in manifest["cells"] if c["row"] == 0} == {"blue"}


def test_the_label_can_be_the_attribute(tmp_path, settings, clock):
    folder = make_folder(tmp_path)
    path = write(tmp_path, spec_text(folder, GENERATE.replace("attribute: colour, value: red",
                                                              "attribute: label, value: dog")))
    study, _ = load_study(path)
    call_command("render_stimuli", str(path))
    (key,) = {json.loads(p.read_text())["key"]
              for p in Path(settings.STIMULI_ROOT).glob("*/manifest.json")}
    manifest = verified_manifest(key)
    truth = csv_rows(folder)
    assert manifest["row_labels"] == ["cat", "dog"]
    for cell in manifest["cells"]:
        assert truth[cell["scene"]["image"]]["label"] == ("dog" if cell["row"] else "cat")
    bot = Bot(study, clock)
    bot.enter()
    bot.play()
    rows = tidy_responses(study)
    assert (rows[rows.item_type == "trial"].correct == 1).all()


@pytest.mark.parametrize(("generate", "images", "key", "text"), [
    (GENERATE.replace("colour", "shape"), None, "steps[1].generate.attribute",
     "'shape' is not a column of the images' CSV (its columns: label, colour, size_px)"),
    (GENERATE.replace("value: red", "value: green"), None, "steps[1].generate.value",
     "'green' is not a value of column 'colour' (its values: blue, red)"),
    (GENERATE.replace("references: 2", "references: 15"), None, "steps[1].generate.references",
     "the CSV has 20 images with colour = red; the block needs 22 (15 references and 7"),
    (GENERATE.replace("size: 32", "size: 32, colour: red"), None, "steps[1].generate.colour",
     "unknown key"),
    (GENERATE, "{source: two4two}", "steps[1].generate.source",
     "needs the spec's images to be an image folder"),
])
def test_bad_blocks_are_refused_with_key_and_line(tmp_path, generate, images, key, text):
    folder = make_folder(tmp_path)
    path = write(tmp_path, spec_text(folder, generate, images))
    with pytest.raises(SpecError) as exc:
        load_study(path)
    message = str(exc.value)
    assert key in message and text in message, message
    (line,) = [x for x in message.splitlines() if key in x]
    assert line.endswith("(line 19)"), message  # the generate mapping's line


def test_an_empty_csv_cell_is_refused_with_its_row(tmp_path):
    folder = make_folder(tmp_path)
    lines = (folder / "labels.csv").read_text().splitlines()
    lines[4] = lines[4].replace(",red,", ",,").replace(",blue,", ",,")  # CSV row 5
    (folder / "labels.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError, match=r"steps\[1\]\.generate\.attribute.*column 'colour' is "
                                        r"empty in CSV row 5 \(the header is row 1\)"):
        load_study(write(tmp_path, spec_text(folder, GENERATE)))


def test_a_changed_image_or_csv_changes_the_key_without_a_restart(tmp_path, settings, clock):
    folder = make_folder(tmp_path)
    path = write(tmp_path, spec_text(folder, GENERATE))
    study, _ = load_study(path)
    call_command("render_stimuli", str(path))
    bot = Bot(study, clock)
    assert bot.enter().status_code == 302
    bot.play(stop_at="trials")
    page = bot.get().content.decode()
    first = set(re.findall(r"/stimulus/([0-9a-f]{64})/", page))
    assert len(first) == 1
    (key,) = first
    url = re.search(r'src="(/s/folder-trials/stimulus/[0-9a-f]{64}/r\d\dc\d\d\.png)"', page)
    assert bot.client.get(url.group(1)).status_code == 200  # served (and the access cached)
    shown = {c["scene"]["image"] for c in verified_manifest(key)["cells"]}
    victim = sorted(shown)[0]
    px = np.asarray(Image.open(folder / victim)).copy()
    px[0, 0] = (0, 255, 0)
    Image.fromarray(px).save(folder / victim)  # one pixel of a shown image changes
    page = bot.get()
    assert page.status_code == 503  # the new key is not published: refused, not the old one
    call_command("render_stimuli", str(path))
    page = bot.get().content.decode()
    second = set(re.findall(r"/stimulus/([0-9a-f]{64})/", page))
    assert len(second) == 1 and second != first
    # the new images are served to the participant (the access check follows the folder too)
    url = re.search(r'src="(/s/folder-trials/stimulus/[0-9a-f]{64}/r\d\dc\d\d\.png)"', page)
    image = bot.client.get(url.group(1))
    assert image.status_code == 200 and b"".join(image.streaming_content)[:4] == b"\x89PNG"
    old = url.group(1).replace(next(iter(second)), key)
    assert bot.client.get(old).status_code == 404  # the old images are no longer this page's
    text = (folder / "labels.csv").read_text()
    (folder / "labels.csv").write_text(text.replace("size_px", "side_px"))  # CSV only
    assert bot.get().status_code == 503
    call_command("render_stimuli", str(path))
    third = set(re.findall(r"/stimulus/([0-9a-f]{64})/", bot.get().content.decode()))
    assert len(third) == 1 and third.isdisjoint(first | second)



def test_a_folder_that_no_longer_fits_the_block_is_reported_not_crashed_on(tmp_path, clock):
    from studies.readiness import problems

    folder = make_folder(tmp_path)
    path = write(tmp_path, spec_text(folder, GENERATE))
    study, _ = load_study(path)
    call_command("render_stimuli", str(path))
    assert problems(study) == []
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="trials")
    text = (folder / "labels.csv").read_text()
    (folder / "labels.csv").write_text(text.replace(",red,", ",green,", 15))  # 5 reds left
    assert bot.get().status_code == 503
    (found,) = problems(study)
    assert found.startswith("trials: the trials cannot be drawn from the image folder: the CSV "
                            "has 5 images with colour = red; the block needs 9"), found


def test_a_conditions_own_version_of_the_block_is_checked_too(tmp_path):
    folder = make_folder(tmp_path)
    text = spec_text(folder, GENERATE).replace(
        "  - {name: images, explainer: none, target: 10}\n",
        "  - {name: images, explainer: none, target: 10}\n"
        "  - {name: sizes, explainer: none, target: 10}\n")
    assert f"    generate: {GENERATE}\n" in text
    text = text.replace(f"    generate: {GENERATE}\n", f"    generate: {GENERATE}\n"
                        "    by_condition:\n"
                        "      sizes:\n"
                        "        generate: {source: image_folder, attribute: size_px, value: 99,"
                        " size: 32}\n")
    with pytest.raises(SpecError) as exc:
        load_study(write(tmp_path, text))
    (line,) = [x for x in str(exc.value).splitlines() if "by_condition" in x]
    assert line.strip().startswith("steps[1].by_condition.sizes.generate.value: '99' is not a "
                                   "value of column 'size_px'") and line.endswith("(line 23)"), \
        str(exc.value)
    # a valid version of the block for that condition is drawn as its own (not the base's)
    from studies.folder_trials import draw
    from studies.spec import load_spec_file

    spec = load_spec_file(write(tmp_path, text.replace("attribute: size_px, value: 99",
                                                       "attribute: label, value: dog")))
    base, own = spec.steps[1], spec.step(1, "sizes")
    assert draw(spec, base).labels == ("blue", "red")
    assert draw(spec, own).labels == ("cat", "dog")

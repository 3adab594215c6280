"""image_choice steps: a question about one shown image per page, its answer key per image
from the image folder's CSV (``key: label`` or an attribute) or from the model's prediction
(``key: model``, computed at render time and read from the published stimulus). Bots walk the
live flow; every exported key is checked against the CSV read here and against the model's
output computed here independently (numpy on the image file); bad keys, values and columns are
refused at load_study with key and line."""

import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from django.core.management import call_command
from PIL import Image

from studies.exports.tidy import tidy_responses
from studies.loading import load_study
from studies.spec.errors import SpecError
from studies.stimuli import verified_manifest
from tests.bots import Bot
from tests.test_folder_trials import csv_rows, make_folder, rendered_walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _recheck_at_once(settings):
    settings.IMAGE_FOLDER_RECHECK_S = 0


class RedMinusBlue(torch.nn.Module):
    """Two logits whose difference is 10 x the mean of (red - blue): a red square says 'dog',
    a blue one 'cat' (the CSV's label is independent of the colour)."""

    def forward(self, x):
        d = (x[:, 0] - x[:, 2]).mean(dim=(1, 2)) * 10.0
        return torch.stack([-d / 2, d / 2], dim=1)


def red_blue_bundle(folder: Path, size: int = 32) -> Path:
    folder.mkdir(parents=True)
    torch.jit.script(RedMinusBlue().eval()).save(str(folder / "model.pt"))
    (folder / "model.json").write_text(json.dumps({
        "plugin": "torchscript", "file": "model.pt", "input_size": size,
        "class_names": ["cat", "dog"], "output": "two_logits",
        "preprocessing": {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}}))
    return folder


def independent_logit(path: Path, size: int = 32) -> float:
    """The model's logit recomputed here: centre crop, bilinear resize, (x - 0.5) / 0.25, 10 x
    mean(red - blue)."""
    with Image.open(path) as im:
        im = im.convert("RGB")
        side = min(im.size)
        left, top = (im.width - side) // 2, (im.height - side) // 2
        im = im.crop((left, top, left + side, top + side)).resize(
            (size, size), Image.Resampling.BILINEAR)
        x = (np.asarray(im, np.float64) / 255 - 0.5) / 0.25
    return float(10 * (x[..., 0] - x[..., 2]).mean())


STEP = """\
  - id: predict
    type: image_choice
    question: "What will the system say this image shows?"
    feedback: all
    generate: {generate}
"""
GENERATE = "{source: image_folder, images: 8, key: model, size: 48}"


def spec_text(folder: Path, generate: str = GENERATE, extra: str = "",
              checkpoint: str = "") -> str:
    step = STEP.format(generate=generate) + extra
    return textwrap.dedent(f"""\
        slug: image-choice
        title: "What does the system say?"
        seed: 5
        design: within
        {checkpoint}
        class_names: [cat, dog]
        images: {{source: image_folder, folder: {folder}, labels: {folder / 'labels.csv'}}}
        prolific:
          codes: {{completion: CICHOK, screened_out: CICHSO, no_consent: CICHNC}}
        payment: {{base: 1.00}}
        conditions:
          - {{name: images, explainer: none, target: 10}}
        steps:
          - id: consent
            type: consent
            text: "You will answer questions about images."
        """) + step + "  - id: completion\n    type: completion\n"


def write(tmp_path, text) -> Path:
    path = tmp_path / "image-choice.yaml"
    path.write_text(text)
    return path


def test_bots_answer_what_the_model_says_and_the_key_is_the_models_output(tmp_path, clock):
    folder = make_folder(tmp_path)
    bundle = red_blue_bundle(tmp_path / "model")
    path = write(tmp_path, spec_text(folder, checkpoint=f"checkpoint: {bundle}\n"
                                                        "        blind_outcomes: false"))
    study, bot, truth = rendered_walk_to("predict", path, folder, clock)  # keys: rendered
    seen, keys = {}, set()
    for n in range(8):
        page = bot.get().content.decode()
        cells = re.findall(r"/s/image-choice/stimulus/([0-9a-f]{64})/(r\d\dc\d\d\.png)", page)
        assert len(cells) == 1
        keys.add(cells[0][0])
        (key,) = keys
        cell = next(c for c in verified_manifest(key)["cells"] if c["file"] == cells[0][1])
        name = cell["scene"]["image"]
        logit = independent_logit(folder / name)
        said = "dog" if logit > 0 else "cat"
        assert said == ("dog" if truth[name]["colour"] == "red" else "cat")
        assert cell["scene"]["model"] == said
        assert cell["scene"]["model_logit"] == pytest.approx(logit, rel=1e-4, abs=1e-4)
        wrong = n in (2, 5)
        choice = ({"cat", "dog"} - {said}).pop() if wrong else said
        form = bot.form()
        clock.advance(1.0)
        bot.post({"choice": choice, "page": str(n), "rt_ms": "900"}, form)
        if n < 7:  # feedback: all
            page = bot.get().content.decode()
            assert (f"Image {n + 1}: Correct!" in page) == (not wrong)
            assert (f"Image {n + 1}: not quite, the answer was {said}." in page) == wrong
        seen[name] = (said, choice, f"{key}/0,{cell['col']}")
    bot.play()
    assert bot.participant.status == "completed"
    rows = tidy_responses(study)
    answers = rows[rows.item_type == "image_choice"].sort_values("trial")
    assert len(answers) == 8 and answers.correct.sum() == 6
    by_shown = {v[2]: (k, *v[:2]) for k, v in seen.items()}
    for _, row in answers.iterrows():
        name, said, choice = by_shown[row["shown"]]
        assert row.answer_key == said and row.response == choice
        assert bool(row.correct) == (said == choice)
    # the model's key differs from the CSV label on some shown image (it is not the label)
    assert any(truth[k]["label"] != v[0] for k, v in seen.items())
    # a bot answers every page right
    right = Bot(study, clock)
    right.enter()
    right.play()
    mine = tidy_responses(study).query(f"prolific_pid == '{right.pid}' and "
                                       "item_type == 'image_choice'")
    assert len(mine) == 8 and (mine.correct == 1).all()
    # the dashboard's outcome accuracy counts the answers (6 of 8 and 8 of 8 right)
    from studies.live import live_view

    (row,) = live_view(study)["accuracy"]
    assert row == {"condition": "images", "n": 2, "accuracy": round((6 / 8 + 1) / 2, 3)}


@pytest.mark.parametrize(("key", "column"), [("label", "label"), ("colour", "colour")])
def test_the_key_can_be_the_csv_label_or_an_attribute(tmp_path, clock, key, column):
    folder = make_folder(tmp_path)
    generate = GENERATE.replace("key: model", f"key: {key}")
    path = write(tmp_path, spec_text(folder, generate))
    study, _ = load_study(path)
    call_command("render_stimuli", str(path))
    truth = csv_rows(folder)
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="predict")
    page = bot.get().content.decode()
    values = sorted(re.findall(r'name="choice" id="choice-\d" value="([^"]+)"', page))
    assert values == (["cat", "dog"] if key == "label" else ["blue", "red"])
    bot.play()
    rows = tidy_responses(study)
    answers = rows[rows.item_type == "image_choice"]
    assert len(answers) == 8 and (answers.correct == 1).all()
    (stimulus,) = {s.split("/")[0] for s in answers["shown"]}
    files = {c["col"]: c["scene"]["image"] for c in verified_manifest(stimulus)["cells"]}
    for _, row in answers.iterrows():
        name = files[int(row["shown"].split(",")[1])]
        assert row.answer_key == truth[name][column]


@pytest.mark.parametrize(("generate", "extra", "key", "line", "text"), [
    (GENERATE.replace("key: model", "key: shape"), "", "steps[1].generate.key", 21,
     "'shape' is neither 'model' nor a column of the images' CSV (its columns: label, colour, "
     "size_px)"),
    (GENERATE.replace("key: model", "key: label"), "    choices: [cat, cow]\n",
     "steps[1].choices", 22, "'cow' is not a value of the key 'label' (its values: cat, dog)"),
    (GENERATE.replace("key: model", "key: colour"), "    choices: [red, green]\n",
     "steps[1].choices", 22, "'green' is not a value of the key 'colour'"),
    (GENERATE, "", "steps[1].generate.key", 21, "key 'model' needs the spec's model bundle "
     "(checkpoint): checkpoint folder not found"),
    (GENERATE.replace("images: 8, key: model", "images: 41, key: label"), "", "steps[1].generate.images", 21,
     "the folder has 40 images; the step shows 41"),
    (GENERATE.replace("size: 48", "size: 48, attribute: colour"), "",
     "steps[1].generate.attribute", 21, "unknown key"),
    (GENERATE.replace("source: image_folder", "source: two4two"), "",
     "steps[1].generate.source", 21, "image_folder"),
])
def test_bad_keys_are_refused_with_key_and_line(tmp_path, generate, extra, key, line, text):
    folder = make_folder(tmp_path)
    with pytest.raises(SpecError) as exc:
        load_study(write(tmp_path, spec_text(folder, generate, extra,
                                             checkpoint=f"checkpoint: {tmp_path / 'none'}")))
    message = str(exc.value)
    assert key in message and text in message, message
    (found,) = [x for x in message.splitlines() if key in x]
    assert found.endswith(f"(line {line})"), message


def test_an_empty_key_cell_is_refused_with_its_csv_row(tmp_path):
    folder = make_folder(tmp_path)
    lines = (folder / "labels.csv").read_text().splitlines()
    lines[6] = lines[6].replace(",red,", ",,").replace(",blue,", ",,")  # CSV row 7
    (folder / "labels.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError, match=r"steps\[1\]\.generate\.key.*column 'colour' is empty "
                                        r"in CSV row 7 \(the header is row 1\)"):
        load_study(write(tmp_path, spec_text(folder, GENERATE.replace("key: model",
                                                                      "key: colour"))))


def test_a_key_outside_the_choices_is_refused(tmp_path):
    folder = make_folder(tmp_path)
    text = spec_text(folder, GENERATE.replace("key: model", "key: size_px"),
                     "    choices: ['10', '11']\n")
    with pytest.raises(SpecError, match=r"steps\[1\]\.choices: image s\d\d\.png has key "
                                        r"'\d+', which is not among the choices"):
        load_study(write(tmp_path, text))


def test_a_conditions_own_version_of_the_step_is_checked_too(tmp_path):
    folder = make_folder(tmp_path)
    text = spec_text(folder, GENERATE.replace("key: model", "key: label")).replace(
        "  - {name: images, explainer: none, target: 10}\n",
        "  - {name: images, explainer: none, target: 10}\n"
        "  - {name: colours, explainer: none, target: 10}\n")
    text = text.replace("    feedback: all\n", "    feedback: all\n"
                        "    by_condition:\n"
                        "      colours:\n"
                        "        generate: {source: image_folder, images: 8, key: hue}\n")
    with pytest.raises(SpecError) as exc:
        load_study(write(tmp_path, text))
    (line,) = [x for x in str(exc.value).splitlines() if "by_condition" in x]
    assert line.strip().startswith("steps[1].by_condition.colours.generate.key: 'hue' is "
                                   "neither 'model' nor a column") and line.endswith("(line 24)"), \
        str(exc.value)


PLAN = """\
title: "What does the system say? (image_choice)"
study: image-choice
design: trials
questions:
  main_question: How often do participants predict the model's answer?
hypotheses:
  - {id: H1, text: Participants predict the model above chance., direction: two-sided}
dependent_variables:
  - {id: correct, description: Proportion of images whose model answer was predicted.}
conditions: [images]
trial_filters:
  - {column: item_type, equals: image_choice}
exclusions:
  - {rule: not_finished, text: "did not finish the session"}
sample_size:
  total: 4
  text: four bots
analyses:
  - id: accuracy
    test: describe
    dv: correct
    by: [condition]
    description: Proportion correct per participant, mean and 2 SEM.
  - id: by_answer
    test: describe
    dv: correct
    by: [answer_key]
    description: Per class the model predicts.
"""


def test_the_analysis_reads_the_answers_from_the_export(tmp_path, clock):
    """Four bots answer with different accuracies; the preregistered describe analyses on the
    exported CSV equal the means and 2 SEM recomputed here with pandas and scipy."""
    import pandas as pd
    from scipy import stats

    from tests.bots import TrialAnswer

    folder = make_folder(tmp_path)
    bundle = red_blue_bundle(tmp_path / "model")
    path = write(tmp_path, spec_text(folder, checkpoint=f"checkpoint: {bundle}"))
    study, _ = load_study(path)
    call_command("render_stimuli", str(path))
    for b in range(4):  # bot b answers image i right unless i < 2 * b
        bot = Bot(study, clock)
        bot.enter()
        bot.play(trials=lambda step, i, b=b: TrialAnswer(correct=i >= 2 * b))
    export = tmp_path / "responses.csv"
    call_command("export_responses", study.slug, "--format", "csv", "--out", str(export))
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN)
    call_command("analyze", "--responses", str(export), "--prereg", str(plan),
                 "--out", str(tmp_path / "report"))
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    rows = pd.read_csv(export).query("item_type == 'image_choice'")
    assert len(rows) == 32
    per = rows.groupby("participant").correct.mean()
    assert sorted(per) == [0.25, 0.5, 0.75, 1.0]
    (overall,) = results["tables"]["accuracy"]
    assert overall["mean"] == pytest.approx(per.mean())
    assert overall["two_sem"] == pytest.approx(2 * stats.sem(per))
    by_key = rows.groupby(["answer_key", "participant"]).correct.mean()
    assert sorted(r["answer_key"] for r in results["tables"]["by_answer"]) == ["cat", "dog"]
    for row in results["tables"]["by_answer"]:
        mine = by_key.loc[row["answer_key"]]
        assert row["mean"] == pytest.approx(mine.mean())
        assert row["two_sem"] == pytest.approx(2 * stats.sem(mine))


def test_a_replaced_model_gives_new_keys_without_a_restart(tmp_path, clock):
    """The bundle's description is cached by its files: another model in the same folder is a
    new, unpublished stimulus (503) until render_stimuli renders its predictions."""
    folder = make_folder(tmp_path)
    bundle = red_blue_bundle(tmp_path / "model")
    path = write(tmp_path, spec_text(folder, checkpoint=f"checkpoint: {bundle}"))
    study, _ = load_study(path)
    call_command("render_stimuli", str(path))
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="predict")
    first = set(re.findall(r"/stimulus/([0-9a-f]{64})/", bot.get().content.decode()))
    descriptor = json.loads((bundle / "model.json").read_text())
    descriptor["preprocessing"]["std"] = [0.5, 0.5, 0.5]  # another model, same predictions
    (bundle / "model.json").write_text(json.dumps(descriptor))
    assert bot.get().status_code == 503
    call_command("render_stimuli", str(path))
    second = set(re.findall(r"/stimulus/([0-9a-f]{64})/", bot.get().content.decode()))
    assert len(second) == 1 and second != first
